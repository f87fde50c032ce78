#pragma once
// Spec §6 and §7: floating-point casts of a block, and the named block formats that
// reproduce GGUF Q8_0 / Q4_0 and OCP microscaling (MXFP4, MXFP8-E4M3) bit for bit.

#include "quant/block_kernels.h"
#include "quant/float_format.h"
#include "quant/quant_config.h"

#include <cstddef>

namespace qs {

inline constexpr std::size_t kPresetBlockSize = 32;

// x̂ = scale * cast(x / scale) for every finite x of the block; scale 1 is the unscaled
// cast. Saturated (overflowed) elements count as clipped.
void quantizeFloatBlock(const float* x, std::size_t n, const FloatFormat& format, float scale,
                        ErrorSums& sums, CastCounts& casts, float* dequantized);

// One 32-element block of a preset. Returns the block's dequantization scale as stored
// (the fp16-rounded d of GGUF, the power-of-two E8M0 scale of MX).
float quantizePresetBlock(Preset preset, const float* x, ErrorSums& sums, CastCounts& casts,
                          float* dequantized);

// One element of a preset block through the preset's own arithmetic, for the walk-through;
// `restored` equals what quantizePresetBlock gives it, bit for bit.
struct PresetElementSteps {
    Preset preset = Preset::None;
    float extreme = 0;      // Q8_0, MX: the block's amax; Q4_0: its signed value of largest |x|
    float d = 0;            // GGUF: amax / 127 or extreme / -8, in float32
    float inverse = 0;      // GGUF: 1/d (0 for an all-zero block)
    float storedScale = 0;  // GGUF: d rounded to fp16; MX: 2^sharedExponent
    int sharedExponent = 0; // MX: the E8M0 exponent, floor(log2 amax) − emax of the element
    float scaled = 0;       // GGUF: x · (1/d); MX: x / scale
    float rounded = 0;      // Q8_0: roundf; Q4_0: trunc(x·(1/d) + 8.5); MX: cast to the element
    int code = 0;           // GGUF: the stored code (Q4_0: the nibble 0..15, 8 meaning zero)
    bool clamped = false;   // Q4_0: the nibble capped at 15; MX: saturated
    float restored = 0;
};
PresetElementSteps explainPresetElement(Preset preset, const float* block, std::size_t position);

// The element format of an MX preset.
const FloatFormat& mxElementFormat(Preset preset);

} // namespace qs
