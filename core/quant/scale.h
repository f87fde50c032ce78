#pragma once
// Spec §1 and §3: the integer grid of a format, and the scale and zero point of one block
// from its clipping range, under each convention.

#include "quant/block_kernels.h"
#include "quant/quant_config.h"

#include <cstdint>
#include <optional>

namespace qs {

struct IntGrid {
    std::int32_t qmin = -128;
    std::int32_t qmax = 127;
};

IntGrid intGrid(const NumberFormat& format, bool narrowRange);

// The grid a block's scale is computed for, and the one its codes are clamped to. They
// differ only under onnxruntime, whose symmetric 8- and 16-bit scales use the table range
// without the lowest code (-127..127, 0..254) while its quantize step clamps to the full
// type. TFLite and ggml always use the narrow signed grid.
struct IntGrids {
    IntGrid scale;
    IntGrid clamp;
};
IntGrids intGrids(const QuantConfig& config);

// A clipping range: for a symmetric scheme [-amax, amax].
struct ClipRange {
    float lo = 0;
    float hi = 0;
};

struct ScaleZero {
    float scale = 1; // x̂ = scale · (q − z); ggml: d rounded to fp16
    std::int32_t zeroPoint = 0;
    // What x is multiplied by when it is not 1/scale (TFLite and ModelOpt: qmax/amax; ggml:
    // 1/d of the unrounded d; 0 where a framework sends a whole block to code 0).
    std::optional<float> inverse;
};

// Symmetric: signed grids have z = 0; an unsigned grid centres z at 2^(b-1) (as PyTorch's
// quint8 symmetric observers do) and uses the same scale as the signed grid of its width.
ScaleZero computeScaleZero(const ClipRange& range, Scheme scheme, const NumberFormat& format,
                           const IntGrid& grid, Convention convention);

// The kernel parameters of one block: `clampGrid` is intGrids(config).clamp, the
// convention picks the tie rule and whether x is divided or multiplied.
IntQuantParams makeIntParams(const ScaleZero& scaleZero, const IntGrid& clampGrid,
                             Convention convention = Convention::Default);

} // namespace qs
