#include "quant/block_kernels.h"

#include <algorithm>
#include <cmath>

namespace qs {

float RangeStats::absMax() const
{
    if (finite == 0)
        return 0.0f;
    return std::max(std::fabs(min), std::fabs(max));
}

void RangeStats::merge(const RangeStats& other)
{
    min = std::min(min, other.min);
    max = std::max(max, other.max);
    finite += other.finite;
    nonfinite += other.nonfinite;
}

void ErrorSums::merge(const ErrorSums& other)
{
    sumX2 += other.sumX2;
    sumE2 += other.sumE2;
    sumE += other.sumE;
    sumXE += other.sumXE;
    maxAbsErr = std::max(maxAbsErr, other.maxAbsErr);
    count += other.count;
    clipped += other.clipped;
}

RangeStats rangeOfRef(const float* x, std::size_t n)
{
    RangeStats stats;
    for (std::size_t i = 0; i < n; ++i) {
        if (!std::isfinite(x[i])) {
            ++stats.nonfinite;
            continue;
        }
        stats.min = std::min(stats.min, x[i]);
        stats.max = std::max(stats.max, x[i]);
        ++stats.finite;
    }
    return stats;
}

void quantizeIntBlockRef(const float* x, std::size_t n, const IntQuantParams& p, ErrorSums& sums,
                         float* dequantized)
{
    const float halfScale = p.scale * 0.5f;
    for (std::size_t i = 0; i < n; ++i) {
        const float value = x[i];
        if (!std::isfinite(value)) {
            if (dequantized)
                dequantized[i] = value;
            continue;
        }
        const float code = roundCode(p.scaled(value), p.ties) + p.zeroPoint;
        const float clampedCode = std::min(std::max(code, p.qmin), p.qmax);
        const float restored = p.restore(clampedCode);
        if (dequantized)
            dequantized[i] = restored;
        const float absError = sums.add(value, restored);
        if (clampedCode != code && absError > halfScale)
            ++sums.clipped;
    }
}

} // namespace qs
