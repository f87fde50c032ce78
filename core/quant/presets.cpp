#include "quant/presets.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace qs {

namespace {
void accumulate(float value, float restored, float scale, bool clamped, ErrorSums& sums)
{
    const float absError = sums.add(value, restored);
    if (clamped && absError > std::fabs(scale) * 0.5f)
        ++sums.clipped;
}

// ggml's quantize_row_q8_0_ref: d = amax/127 stored as fp16, codes roundf(x / d).
float quantizeQ8_0(const float* x, ErrorSums& sums, float* out)
{
    float amax = 0.0f;
    for (std::size_t j = 0; j < kPresetBlockSize; ++j)
        if (std::isfinite(x[j]))
            amax = std::max(amax, std::fabs(x[j]));
    const float d = amax / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    const float storedD = roundToHalf(d);
    for (std::size_t j = 0; j < kPresetBlockSize; ++j) {
        if (!std::isfinite(x[j])) {
            if (out)
                out[j] = x[j];
            continue;
        }
        const float code = std::round(x[j] * id); // roundf: ties away from zero
        const float restored = storedD * code;
        if (out)
            out[j] = restored;
        accumulate(x[j], restored, storedD, false, sums);
    }
    return storedD;
}

// ggml's quantize_row_q4_0_ref: the signed value of largest magnitude m maps to code 0
// (d = m / -8); codes are trunc(x / d + 8.5) capped at 15, stored with an offset of 8.
float quantizeQ4_0(const float* x, ErrorSums& sums, float* out)
{
    float amax = 0.0f;
    float extreme = 0.0f;
    for (std::size_t j = 0; j < kPresetBlockSize; ++j) {
        if (std::isfinite(x[j]) && amax < std::fabs(x[j])) {
            amax = std::fabs(x[j]);
            extreme = x[j];
        }
    }
    const float d = extreme / -8.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    const float storedD = roundToHalf(d);
    for (std::size_t j = 0; j < kPresetBlockSize; ++j) {
        if (!std::isfinite(x[j])) {
            if (out)
                out[j] = x[j];
            continue;
        }
        // x * id lies in [-8, 8], so the truncating conversion cannot overflow.
        const int truncated = static_cast<std::int8_t>(x[j] * id + 8.5f);
        const int code = std::min(15, truncated);
        const float restored = static_cast<float>(code - 8) * storedD;
        if (out)
            out[j] = restored;
        accumulate(x[j], restored, storedD, code != truncated, sums);
    }
    return storedD;
}

// OCP MX v1.0: shared scale 2^(floor(log2 amax) - emax_elem), E8M0 exponent in
// [-127, 127]; elements cast with saturation.
float quantizeMx(const FloatFormat& element, const float* x, ErrorSums& sums, CastCounts& casts,
                 float* out)
{
    float amax = 0.0f;
    for (std::size_t j = 0; j < kPresetBlockSize; ++j)
        if (std::isfinite(x[j]))
            amax = std::max(amax, std::fabs(x[j]));
    int exponent = -127;
    if (amax > 0.0f) {
        int frexpExponent = 0;
        std::frexp(amax, &frexpExponent); // amax = m * 2^e, m in [0.5, 1)
        exponent = std::clamp(frexpExponent - 1 - element.maxExponent, -127, 127);
    }
    const float scale = std::ldexp(1.0f, exponent);
    quantizeFloatBlock(x, kPresetBlockSize, element, scale, sums, casts, out);
    return scale;
}
} // namespace

void quantizeFloatBlock(const float* x, std::size_t n, const FloatFormat& format, float scale,
                        ErrorSums& sums, CastCounts& casts, float* dequantized)
{
    for (std::size_t i = 0; i < n; ++i) {
        if (!std::isfinite(x[i])) {
            if (dequantized)
                dequantized[i] = x[i];
            continue;
        }
        const std::uint64_t overflowBefore = casts.overflow;
        const float restored = scale * castToFormat(x[i] / scale, format, casts);
        if (dequantized)
            dequantized[i] = restored;
        sums.add(x[i], restored);
        sums.clipped += casts.overflow != overflowBefore; // saturated at the format's max
    }
}

const FloatFormat& mxElementFormat(Preset preset)
{
    return preset == Preset::Mxfp4 ? kFp4E2M1 : kFp8E4M3;
}

float quantizePresetBlock(Preset preset, const float* x, ErrorSums& sums, CastCounts& casts,
                          float* dequantized)
{
    switch (preset) {
    case Preset::GgufQ8_0:
        return quantizeQ8_0(x, sums, dequantized);
    case Preset::GgufQ4_0:
        return quantizeQ4_0(x, sums, dequantized);
    case Preset::Mxfp4:
    case Preset::Mxfp8E4M3:
        return quantizeMx(mxElementFormat(preset), x, sums, casts, dequantized);
    case Preset::None:
        break;
    }
    return 1.0f;
}

} // namespace qs
