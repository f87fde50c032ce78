#include "quant/scale.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace qs {

IntGrid intGrid(const NumberFormat& format, bool narrowRange)
{
    if (!format.isSigned)
        return {0, (std::int32_t{1} << format.bits) - 1};
    const std::int32_t half = std::int32_t{1} << (format.bits - 1);
    return {narrowRange ? -(half - 1) : -half, half - 1};
}

namespace {
// A scale the quantizer can divide by: nonzero, finite, and with a finite reciprocal (a
// block of subnormal values gives a scale whose 1/s overflows, and 0 · inf would be NaN).
// Anything else is treated like the empty range of spec §3, s = 1.
bool usableScale(float scale)
{
    return scale != 0.0f && std::isfinite(scale) && std::isfinite(1.0f / scale);
}
} // namespace

ScaleZero computeScaleZero(const ClipRange& range, Scheme scheme, const NumberFormat& format,
                           const IntGrid& grid, Convention convention)
{
    // PyTorch's observers floor the scale at float32 epsilon; that floor also covers an
    // all-zero block, where the default convention uses s = 1 instead.
    const bool pytorch = convention == Convention::PyTorch;
    const float epsilon = std::numeric_limits<float>::epsilon();
    ScaleZero result;
    if (scheme == Scheme::Symmetric) {
        const float amax = std::max(std::fabs(range.lo), std::fabs(range.hi));
        // Unsigned grids centre zero. PyTorch puts it at 128 for the full 8-bit range and at
        // (qmin + qmax) / 2 for any other (e.g. 7 for 0..15); the default convention keeps
        // 2^(b-1), so that an unsigned grid mirrors the signed one of its width.
        std::int32_t zero = 0;
        if (!format.isSigned)
            zero = pytorch && format.bits != 8 ? (grid.qmin + grid.qmax) / 2 : (grid.qmax + 1) / 2;
        const float divisor = pytorch ? static_cast<float>(grid.qmax - grid.qmin) / 2.0f
                                      : static_cast<float>(grid.qmax - zero);
        result.scale = amax / divisor;
        result.zeroPoint = zero;
    } else {
        const float lo = std::min(range.lo, 0.0f);
        const float hi = std::max(range.hi, 0.0f);
        result.scale = (hi - lo) / static_cast<float>(grid.qmax - grid.qmin);
        if (pytorch)
            result.scale = std::max(result.scale, epsilon);
        else if (!usableScale(result.scale))
            result.scale = 1.0f;
        const float shift = std::nearbyint(lo / result.scale);
        result.zeroPoint = static_cast<std::int32_t>(
            std::clamp(static_cast<float>(grid.qmin) - shift, static_cast<float>(grid.qmin),
                       static_cast<float>(grid.qmax)));
        return result;
    }
    if (pytorch)
        result.scale = std::max(result.scale, epsilon);
    else if (!usableScale(result.scale))
        result.scale = 1.0f;
    return result;
}

IntQuantParams makeIntParams(const ScaleZero& scaleZero, const IntGrid& grid)
{
    IntQuantParams params;
    params.scale = scaleZero.scale;
    params.invScale = 1.0f / scaleZero.scale;
    params.zeroPoint = static_cast<float>(scaleZero.zeroPoint);
    params.qmin = static_cast<float>(grid.qmin);
    params.qmax = static_cast<float>(grid.qmax);
    return params;
}

} // namespace qs
