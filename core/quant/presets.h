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

// The element format of an MX preset.
const FloatFormat& mxElementFormat(Preset preset);

} // namespace qs
