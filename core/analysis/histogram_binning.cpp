#include "analysis/histogram_binning.h"

#include "common/cpu_features.h"

#include <algorithm>
#include <cmath>

namespace qs {

void BinLanes::flushInto(std::vector<std::uint64_t>& counts)
{
    for (std::size_t lane = 0; lane < kLanes; ++lane)
        for (std::size_t bin = 0; bin < bins_; ++bin)
            counts[bin] += counters_[lane * stride() + bin];
    std::fill(counters_.begin(), counters_.end(), 0);
}

void binValues(const float* values, std::size_t n, double lo, double hi, BinLanes& lanes,
               OutsideCounts& outside)
{
    static const bool useAvx2 = cpuFeatures().avx2 && !referenceKernelsForced();
    if (useAvx2)
        binValuesAvx2(values, n, lo, hi, lanes, outside);
    else
        binValuesReference(values, n, lo, hi, lanes, outside);
}

void binValuesReference(const float* values, std::size_t n, double lo, double hi, BinLanes& lanes,
                        OutsideCounts& outside)
{
    const double perUnit = static_cast<double>(lanes.bins()) / (hi - lo);
    const std::size_t last = lanes.bins() - 1;
    std::uint32_t* counters = lanes.data();
    for (std::size_t i = 0; i < n; ++i) {
        const double value = values[i];
        if (!(value >= lo && value <= hi)) { // also true for NaN
            outside.add(values[i], lo);
            continue;
        }
        const auto bin = std::min(static_cast<std::size_t>((value - lo) * perUnit), last);
        ++counters[(i % BinLanes::kLanes) * lanes.stride() + bin];
    }
}

} // namespace qs
