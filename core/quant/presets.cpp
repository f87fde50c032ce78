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

// The per-block constants of each preset, shared by the quantizer and the walk-through.
struct GgufBlock {
    float extreme = 0; // Q8_0: amax; Q4_0: the signed value of largest magnitude
    float d = 0;
    float id = 0; // 1/d, or 0 for an all-zero block
    float storedD = 0;
};

// ggml's quantize_row_q8_0_ref: d = amax/127 stored as fp16, codes roundf(x / d).
GgufBlock q8_0Block(const float* x)
{
    GgufBlock block;
    for (std::size_t j = 0; j < kPresetBlockSize; ++j)
        if (std::isfinite(x[j]))
            block.extreme = std::max(block.extreme, std::fabs(x[j]));
    block.d = block.extreme / 127.0f;
    block.id = block.d != 0.0f ? 1.0f / block.d : 0.0f;
    block.storedD = roundToHalf(block.d);
    return block;
}

float q8_0Code(float value, const GgufBlock& block)
{
    return std::round(value * block.id); // roundf: ties away from zero
}

float quantizeQ8_0(const float* x, ErrorSums& sums, float* out)
{
    const GgufBlock block = q8_0Block(x);
    for (std::size_t j = 0; j < kPresetBlockSize; ++j) {
        if (!std::isfinite(x[j])) {
            if (out)
                out[j] = x[j];
            continue;
        }
        const float restored = block.storedD * q8_0Code(x[j], block);
        if (out)
            out[j] = restored;
        accumulate(x[j], restored, block.storedD, false, sums);
    }
    return block.storedD;
}

// ggml's quantize_row_q4_0_ref: the signed value of largest magnitude m maps to code 0
// (d = m / -8); codes are trunc(x / d + 8.5) capped at 15, stored with an offset of 8.
GgufBlock q4_0Block(const float* x)
{
    GgufBlock block;
    float amax = 0.0f;
    for (std::size_t j = 0; j < kPresetBlockSize; ++j) {
        if (std::isfinite(x[j]) && amax < std::fabs(x[j])) {
            amax = std::fabs(x[j]);
            block.extreme = x[j];
        }
    }
    block.d = block.extreme / -8.0f;
    block.id = block.d != 0.0f ? 1.0f / block.d : 0.0f;
    block.storedD = roundToHalf(block.d);
    return block;
}

// x * id lies in [-8, 8], so the truncating conversion cannot overflow.
int q4_0Truncated(float value, const GgufBlock& block)
{
    return static_cast<std::int8_t>(value * block.id + 8.5f);
}

float quantizeQ4_0(const float* x, ErrorSums& sums, float* out)
{
    const GgufBlock block = q4_0Block(x);
    for (std::size_t j = 0; j < kPresetBlockSize; ++j) {
        if (!std::isfinite(x[j])) {
            if (out)
                out[j] = x[j];
            continue;
        }
        const int truncated = q4_0Truncated(x[j], block);
        const int code = std::min(15, truncated);
        const float restored = static_cast<float>(code - 8) * block.storedD;
        if (out)
            out[j] = restored;
        accumulate(x[j], restored, block.storedD, code != truncated, sums);
    }
    return block.storedD;
}

// OCP MX v1.0: shared scale 2^(floor(log2 amax) - emax_elem), E8M0 exponent in
// [-127, 127]; elements cast with saturation.
struct MxBlock {
    float amax = 0;
    int exponent = -127;
    float scale = 0;
};

MxBlock mxBlock(const FloatFormat& element, const float* x)
{
    MxBlock block;
    for (std::size_t j = 0; j < kPresetBlockSize; ++j)
        if (std::isfinite(x[j]))
            block.amax = std::max(block.amax, std::fabs(x[j]));
    if (block.amax > 0.0f) {
        int frexpExponent = 0;
        std::frexp(block.amax, &frexpExponent); // amax = m * 2^e, m in [0.5, 1)
        block.exponent = std::clamp(frexpExponent - 1 - element.maxExponent, -127, 127);
    }
    block.scale = std::ldexp(1.0f, block.exponent);
    return block;
}

float quantizeMx(const FloatFormat& element, const float* x, ErrorSums& sums, CastCounts& casts,
                 float* out)
{
    const MxBlock block = mxBlock(element, x);
    quantizeFloatBlock(x, kPresetBlockSize, element, block.scale, sums, casts, out);
    return block.scale;
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

PresetElementSteps explainPresetElement(Preset preset, const float* x, std::size_t position)
{
    PresetElementSteps steps;
    steps.preset = preset;
    const float value = x[position];
    if (preset == Preset::GgufQ8_0 || preset == Preset::GgufQ4_0) {
        const bool q8 = preset == Preset::GgufQ8_0;
        const GgufBlock block = q8 ? q8_0Block(x) : q4_0Block(x);
        steps.extreme = block.extreme;
        steps.d = block.d;
        steps.inverse = block.id;
        steps.storedScale = block.storedD;
        if (!std::isfinite(value)) {
            steps.restored = value;
            return steps;
        }
        steps.scaled = value * block.id;
        if (q8) {
            steps.rounded = q8_0Code(value, block);
            steps.code = static_cast<int>(steps.rounded);
            steps.restored = block.storedD * steps.rounded;
        } else {
            const int truncated = q4_0Truncated(value, block);
            steps.rounded = static_cast<float>(truncated);
            steps.code = std::min(15, truncated);
            steps.clamped = steps.code != truncated;
            steps.restored = static_cast<float>(steps.code - 8) * block.storedD;
        }
        return steps;
    }
    const FloatFormat& element = mxElementFormat(preset);
    const MxBlock block = mxBlock(element, x);
    steps.extreme = block.amax;
    steps.sharedExponent = block.exponent;
    steps.storedScale = block.scale;
    if (!std::isfinite(value)) {
        steps.restored = value;
        return steps;
    }
    CastCounts counts;
    steps.scaled = value / block.scale;
    steps.rounded = castToFormat(steps.scaled, element, counts);
    steps.clamped = counts.overflow > 0;
    steps.restored = block.scale * steps.rounded;
    return steps;
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
