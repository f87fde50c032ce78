#include "quant/scale.h"

#include "quant/float_format.h"

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

IntGrids intGrids(const QuantConfig& config)
{
    const IntGrid full = intGrid(config.format, false);
    const IntGrid chosen = intGrid(config.format, config.narrowRange);
    const bool symmetric = config.scheme == Scheme::Symmetric;
    switch (config.convention) {
    case Convention::OnnxRuntime:
        // quant_utils.ONNX_INT_TYPE_SYMMETRIC_RANGE covers 8- and 16-bit types only.
        if (symmetric && (config.format.bits == 8 || config.format.bits == 16))
            return {{full.qmin + (config.format.isSigned ? 1 : 0),
                     full.qmax - (config.format.isSigned ? 0 : 1)},
                    full};
        return {full, full};
    case Convention::TfLite:
    case Convention::Ggml:
        return {intGrid(config.format, true), intGrid(config.format, true)};
    default:
        return {chosen, chosen};
    }
}

namespace {
// A scale the quantizer can divide by: nonzero, finite, and with a finite reciprocal (a
// block of subnormal values gives a scale whose 1/s overflows, and 0 · inf would be NaN).
// Anything else is treated like the empty range of spec §3, s = 1.
bool usableScale(float scale)
{
    return scale != 0.0f && std::isfinite(scale) && std::isfinite(1.0f / scale);
}

float absMaxOf(const ClipRange& range)
{
    return std::max(std::fabs(range.lo), std::fabs(range.hi));
}

// onnxruntime.quantization.quant_utils.compute_scale_zp: the range is widened to hold 0
// (and made ±amax when symmetric), s = (rmax − rmin) / (qmax − qmin) in float64 from the
// float32 difference, z = round((qmin + qmax) / 2) when symmetric, else
// round(qmin − rmin / s) with s still in float64; numpy rounds half to even. A scale below
// float32's smallest normal becomes 1 with z = 0. The scale is then stored as float32.
ScaleZero onnxRuntimeScale(const ClipRange& range, Scheme scheme, const IntGrid& grid)
{
    float lo = std::min(range.lo, 0.0f);
    float hi = std::max(range.hi, 0.0f);
    if (scheme == Scheme::Symmetric) {
        const float amax = std::max(std::fabs(lo), std::fabs(hi));
        lo = -amax;
        hi = amax;
    }
    // numpy subtracts in float32; past float32's range (|x| near 3.4e38) that is Inf, where
    // the float64 difference keeps a usable scale.
    const float span = hi - lo;
    const double wide = std::isfinite(span) ? double{span} : double{hi} - double{lo};
    const double scale = wide / (double{1.0} * (grid.qmax - grid.qmin));
    if (!(scale >= std::numeric_limits<float>::min()) || !usableScale(static_cast<float>(scale)))
        return {1.0f, 0, std::nullopt};
    const double zero = scheme == Scheme::Symmetric
                            ? std::nearbyint((grid.qmin + grid.qmax) / 2.0)
                            : std::nearbyint(grid.qmin - static_cast<double>(lo) / scale);
    return {static_cast<float>(scale), static_cast<std::int32_t>(zero), std::nullopt};
}

// TFLite's SymmetricQuantizeFloats: s = amax / qmax, and x is multiplied by qmax / amax
// (computed on its own, not as 1/s). ModelOpt's fake quantization multiplies by the same
// factor, and divides by it again to dequantize; its exported scale is amax / qmax.
ScaleZero factorScale(const ClipRange& range, const IntGrid& grid)
{
    const float amax = absMaxOf(range);
    const float qmax = static_cast<float>(grid.qmax);
    const float scale = amax / qmax;
    const float factor = qmax / amax;
    if (!usableScale(scale) || !std::isfinite(factor))
        return {1.0f, 0, 0.0f}; // TFLite: a zero range sets every code to 0
    return {scale, 0, factor};
}

// ggml's quantize_row_q8_0_ref generalised to b bits: d = amax / qmax, x multiplied by
// 1/d of the float32 d, x̂ = fp16(d) · q. An fp16 overflow (amax beyond 65504 · qmax)
// saturates here where ggml would store Inf.
ScaleZero ggmlScale(const ClipRange& range, const IntGrid& grid)
{
    const float d = absMaxOf(range) / static_cast<float>(grid.qmax);
    // ggml's all-zero block has id = 0; a d below fp16's smallest subnormal is stored as
    // 0. Both restore every value as 0: multiplying by 0 does that here, with s = 1 in
    // place of ggml's zero scale.
    if (!usableScale(d))
        return {1.0f, 0, 0.0f};
    float stored = roundToHalf(d);
    if (!std::isfinite(stored))
        stored = static_cast<float>(kFp16.maxFinite);
    if (stored == 0.0f)
        return {1.0f, 0, 0.0f};
    return {stored, 0, 1.0f / d};
}
// AIMET's libpymo TF encoding: Δ = (max − min) / (2^b − 1) and offset = round(min / Δ)
// in double (std::round: half away from zero), Δ narrowed to float32 to quantize.
ScaleZero aimetAffineScale(const ClipRange& range, const IntGrid& grid)
{
    const double lo = std::min(double{range.lo}, 0.0);
    const double hi = std::max(double{range.hi}, 0.0);
    const double delta = (hi - lo) / (grid.qmax - grid.qmin);
    if (!usableScale(static_cast<float>(delta)))
        return {1.0f, grid.qmin, std::nullopt}; // as the default's empty range
    const double zero =
        std::clamp(grid.qmin - std::round(lo / delta), double(grid.qmin), double(grid.qmax));
    return {static_cast<float>(delta), static_cast<std::int32_t>(zero), std::nullopt};
}
} // namespace

ScaleZero computeScaleZero(const ClipRange& range, Scheme scheme, const NumberFormat& format,
                           const IntGrid& grid, Convention convention)
{
    switch (convention) {
    case Convention::OnnxRuntime:
        return onnxRuntimeScale(range, scheme, grid);
    case Convention::TfLite:
        return factorScale(range, grid);
    case Convention::ModelOpt:
        // tensor_quant: an amax at or below 2^-24 is multiplied by 0 (every code 0) and
        // dequantized with a scale of 1.
        if (absMaxOf(range) <= 0x1p-24f)
            return {1.0f, 0, 0.0f};
        return factorScale(range, grid);
    case Convention::Aimet:
        if (scheme == Scheme::Asymmetric)
            return aimetAffineScale(range, grid);
        break; // symmetric: the default rule, Δ = amax / floor((2^b − 1) / 2)
    case Convention::Ggml:
        return ggmlScale(range, grid);
    default:
        break;
    }
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

IntQuantParams makeIntParams(const ScaleZero& scaleZero, const IntGrid& grid, Convention convention)
{
    IntQuantParams params;
    params.scale = scaleZero.scale;
    params.invScale = scaleZero.inverse.value_or(1.0f / scaleZero.scale);
    params.divideByScale = convention == Convention::OnnxRuntime || convention == Convention::Aimet;
    // ModelOpt divides by its factor, except where the factor is 0 (all codes 0, x̂ = 0).
    params.dequantizeByDividing = convention == Convention::ModelOpt && params.invScale != 0.0f;
    params.ties = convention == Convention::TfLite || convention == Convention::Aimet ||
                          convention == Convention::Ggml
                      ? TieRule::AwayFromZero
                      : TieRule::ToEven;
    params.zeroPoint = static_cast<float>(scaleZero.zeroPoint);
    params.qmin = static_cast<float>(grid.qmin);
    params.qmax = static_cast<float>(grid.qmax);
    return params;
}

} // namespace qs
