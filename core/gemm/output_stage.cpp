#include "gemm/output_stage.h"

#include "common/error.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace qs {

namespace {
void checkShapes(std::size_t accSize, std::int64_t m, std::int64_t n, std::size_t sumsSize,
                 const GemmQuantParams& params, std::size_t outSize)
{
    if (m < 0 || n < 1 || static_cast<std::int64_t>(accSize) != m * n ||
        static_cast<std::int64_t>(outSize) != m * n)
        throw UsageError("GEMM output stage: accumulator and output sizes differ from M×N");
    if (static_cast<std::int64_t>(sumsSize) != n)
        throw UsageError("GEMM output stage: need one weight row sum per output channel");
    // Bounds |acc - z_x Σw| below 2^48, so the multiplier's product stays far inside 128 bits
    // and its result inside int64.
    if (params.actZeroPoint < -65535 || params.actZeroPoint > 65535)
        throw UsageError("GEMM output stage: activation zero point beyond ±65535");
    const auto scales = static_cast<std::int64_t>(params.weightScales.size());
    if (scales != n && scales != 1)
        throw UsageError("GEMM output stage: need one weight scale, or one per output channel");
}

float weightScale(const GemmQuantParams& params, std::int64_t j)
{
    return params.weightScales.size() == 1 ? params.weightScales[0]
                                           : params.weightScales[static_cast<std::size_t>(j)];
}

// acc - z_x Σ_k W[j,k]: exact in 64 bits, whatever the zero point.
std::int64_t centred(std::int32_t acc, std::int32_t zeroPoint, std::int32_t rowSum)
{
    return static_cast<std::int64_t>(acc) - static_cast<std::int64_t>(zeroPoint) * rowSum;
}
} // namespace

void dequantizeOutput(std::span<const std::int32_t> acc, std::int64_t m, std::int64_t n,
                      std::span<const std::int32_t> weightRowSums, const GemmQuantParams& params,
                      std::span<float> y)
{
    checkShapes(acc.size(), m, n, weightRowSums.size(), params, y.size());
    for (std::int64_t j = 0; j < n; ++j) {
        const float scale = params.actScale * weightScale(params, j);
        const std::int32_t rowSum = weightRowSums[static_cast<std::size_t>(j)];
        for (std::int64_t i = 0; i < m; ++i) {
            const auto at = static_cast<std::size_t>(i * n + j);
            y[at] = scale * static_cast<float>(centred(acc[at], params.actZeroPoint, rowSum));
        }
    }
}

FixedPointMultiplier fixedPointMultiplier(double realMultiplier)
{
    if (!(realMultiplier > 0) || !std::isfinite(realMultiplier))
        throw UsageError("requantization multiplier must be positive and finite, got " +
                         std::to_string(realMultiplier));
    int exponent = 0;
    const double fraction = std::frexp(realMultiplier, &exponent); // in [0.5, 1)
    auto multiplier = static_cast<std::int64_t>(std::nearbyint(std::ldexp(fraction, 31)));
    if (multiplier == (std::int64_t{1} << 31)) { // the fraction rounded up to 1
        multiplier /= 2;
        ++exponent;
    }
    const int shift = 31 - exponent;
    if (shift < 0 || shift > 62)
        throw UsageError("requantization multiplier " + std::to_string(realMultiplier) +
                         " is outside what a 31-bit multiplier and a 0..62 shift can hold");
    return {static_cast<std::int32_t>(multiplier), shift};
}

std::int64_t applyMultiplier(std::int64_t value, const FixedPointMultiplier& multiplier)
{
    // The product of a 48-bit value and a 31-bit multiplier needs more than 64 bits.
    const __int128 product = static_cast<__int128>(value) * multiplier.multiplier;
    __int128 quotient = product;
    if (multiplier.shift > 0) {
        // Floor division by a power of two, then ties to even on the remainder.
        const __int128 divisor = static_cast<__int128>(1) << multiplier.shift;
        quotient = product >> multiplier.shift;
        const __int128 remainder = product - quotient * divisor;
        const __int128 half = divisor >> 1;
        if (remainder > half || (remainder == half && (quotient & 1) != 0))
            ++quotient;
    }
    // Saturates rather than wraps when a large multiplier takes the result beyond 64 bits.
    const __int128 lowest = std::numeric_limits<std::int64_t>::min();
    const __int128 highest = std::numeric_limits<std::int64_t>::max();
    return static_cast<std::int64_t>(std::clamp(quotient, lowest, highest));
}

void requantizeOutput(std::span<const std::int32_t> acc, std::int64_t m, std::int64_t n,
                      std::span<const std::int32_t> weightRowSums, const GemmQuantParams& params,
                      const RequantizeParams& out, std::span<std::int32_t> codes)
{
    checkShapes(acc.size(), m, n, weightRowSums.size(), params, codes.size());
    if (out.qmin > out.qmax)
        throw UsageError("requantization: empty output grid");
    for (std::int64_t j = 0; j < n; ++j) {
        const double real = static_cast<double>(params.actScale) * weightScale(params, j) /
                            static_cast<double>(out.outScale);
        const FixedPointMultiplier multiplier = fixedPointMultiplier(real);
        const std::int32_t rowSum = weightRowSums[static_cast<std::size_t>(j)];
        for (std::int64_t i = 0; i < m; ++i) {
            const auto at = static_cast<std::size_t>(i * n + j);
            const std::int64_t scaled =
                applyMultiplier(centred(acc[at], params.actZeroPoint, rowSum), multiplier);
            codes[at] = static_cast<std::int32_t>(
                std::clamp<std::int64_t>(out.outZeroPoint + scaled, out.qmin, out.qmax));
        }
    }
}

} // namespace qs
