#include "analysis/error_pass.h"

#include "common/cpu_features.h"

#include <algorithm>
#include <cmath>

namespace qs {

RowErrors errorRow(const float* values, float* restored, std::size_t n)
{
    static const bool useAvx2 = cpuFeatures().avx2 && !referenceKernelsForced();
    return useAvx2 ? errorRowAvx2(values, restored, n) : errorRowReference(values, restored, n);
}

RowErrors errorRowReference(const float* values, float* restored, std::size_t n)
{
    RowErrors row{INFINITY, -INFINITY, INFINITY, -INFINITY};
    for (std::size_t i = 0; i < n; ++i) {
        const float x = values[i];
        if (!std::isfinite(x)) {
            restored[i] = NAN;
            continue;
        }
        const float e = restored[i] - x; // in float32, as the spec's sums take it
        restored[i] = e;
        row.valueMin = std::min(row.valueMin, x);
        row.valueMax = std::max(row.valueMax, x);
        row.errorMin = std::min(row.errorMin, e);
        row.errorMax = std::max(row.errorMax, e);
        row.sumX2 += double{x} * x;
        row.sumE2 += double{e} * e;
        ++row.finite;
    }
    return row;
}

} // namespace qs
