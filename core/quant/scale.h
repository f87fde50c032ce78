#pragma once
// Spec §1 and §3: the integer grid of a format, and the scale and zero point of one block
// from its clipping range, under each convention.

#include "quant/block_kernels.h"
#include "quant/quant_config.h"

#include <cstdint>

namespace qs {

struct IntGrid {
    std::int32_t qmin = -128;
    std::int32_t qmax = 127;
};

IntGrid intGrid(const NumberFormat& format, bool narrowRange);

// A clipping range: for a symmetric scheme [-amax, amax].
struct ClipRange {
    float lo = 0;
    float hi = 0;
};

struct ScaleZero {
    float scale = 1;
    std::int32_t zeroPoint = 0;
};

// Symmetric: signed grids have z = 0; an unsigned grid centres z at 2^(b-1) (as PyTorch's
// quint8 symmetric observers do) and uses the same scale as the signed grid of its width.
ScaleZero computeScaleZero(const ClipRange& range, Scheme scheme, const NumberFormat& format,
                           const IntGrid& grid, Convention convention);

IntQuantParams makeIntParams(const ScaleZero& scaleZero, const IntGrid& grid);

} // namespace qs
