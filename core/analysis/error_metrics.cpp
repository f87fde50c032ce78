#include "analysis/error_metrics.h"

#include <cmath>
#include <limits>

namespace qs {

ErrorMetrics computeMetrics(const ErrorSums& sums)
{
    ErrorMetrics m;
    m.count = sums.count;
    m.maxAbsErr = sums.maxAbsErr;
    if (sums.count == 0) {
        m.sqnrDb = std::numeric_limits<double>::infinity();
        return m;
    }
    const auto n = static_cast<double>(sums.count);
    m.mse = sums.sumE2 / n;
    m.rmse = std::sqrt(m.mse);
    m.meanErr = sums.sumE / n;
    m.clippedFrac = static_cast<double>(sums.clipped) / n;
    // No error at all is +Inf dB, even for an all-zero tensor (0/0).
    m.sqnrDb = sums.sumE2 == 0 ? std::numeric_limits<double>::infinity()
                               : 10.0 * std::log10(sums.sumX2 / sums.sumE2);
    const double normX = std::sqrt(sums.sumX2);
    const double normXhat = std::sqrt(std::max(0.0, sums.sumXhat2()));
    if (normX == 0 && normXhat == 0)
        m.cosine = 1;
    else if (normX == 0 || normXhat == 0)
        m.cosine = 0;
    else
        m.cosine = sums.sumXXhat() / (normX * normXhat);
    m.relFro = normX == 0 ? (sums.sumE2 == 0 ? 0 : std::numeric_limits<double>::infinity())
                          : std::sqrt(sums.sumE2) / normX;
    return m;
}

} // namespace qs
