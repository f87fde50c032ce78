#include "analysis/element_steps.h"

#include "analysis/float_values.h"
#include "common/error.h"
#include "quant/block_layout.h"
#include "quant/scale.h"

#include <cmath>

namespace qs {

ElementSteps explainElement(float x, const BlockRecord& block, const QuantConfig& config)
{
    if (config.preset != Preset::None)
        throw UsageError("a preset's steps need its block's values (explainTensorElement)");
    ElementSteps steps;
    steps.x = x;
    steps.block = block;
    steps.nonfinite = !std::isfinite(x);
    if (config.format.kind == NumberFormat::Kind::Float) {
        // As quantizeFloatBlock: a division, the cast, a multiplication.
        steps.path = ElementSteps::Path::Float;
        if (steps.nonfinite) {
            steps.restored = x;
            return steps;
        }
        CastCounts counts;
        steps.divided = x / block.scale;
        steps.cast = castToFormat(steps.divided, *config.format.floatFormat, counts);
        steps.overflow = counts.overflow > 0;
        steps.underflow = counts.underflow > 0;
        steps.restored = block.scale * steps.cast;
        steps.error = steps.restored - x;
        return steps;
    }
    // As the integer kernels: the reciprocal once in float32, then x·(1/s).
    const IntGrid grid = intGrids(config).clamp;
    steps.qmin = grid.qmin;
    steps.qmax = grid.qmax;
    const IntQuantParams params = makeIntParams(block.scaleZero(), grid, config.convention);
    steps.inverseScale = params.invScale;
    steps.divides = params.divideByScale;
    steps.dequantizeDivides = params.dequantizeByDividing;
    steps.ties = params.ties;
    if (steps.nonfinite) {
        steps.restored = x;
        return steps;
    }
    steps.scaled = params.scaled(x);
    steps.rounded = roundCode(steps.scaled, params.ties);
    steps.tie = std::fabs(steps.scaled - std::trunc(steps.scaled)) == 0.5f;
    steps.code = steps.rounded + params.zeroPoint;
    steps.clampedCode = std::min(std::max(steps.code, params.qmin), params.qmax);
    steps.restored = params.restore(steps.clampedCode);
    steps.error = steps.restored - x;
    return steps;
}

ElementSteps explainTensorElement(const ModelFile& model, std::size_t index,
                                  const QuantConfig& config, std::uint64_t element,
                                  std::optional<ClipRange> clip,
                                  const std::function<bool()>& keepGoing)
{
    validate(config);
    const TensorInfo& info = model.tensors().at(index);
    if (!isFloat(info.dtype))
        throw UsageError("not a floating-point tensor");
    if (auto reason = whyNotApplicable(info.shape, config))
        throw UsageError(*reason);
    if (element >= info.numel)
        throw UsageError("element " + std::to_string(element) + " is beyond the tensor's " +
                         std::to_string(info.numel));
    ElementSteps steps;
    withFloatValues(model, index, [&](std::span<const float> values) {
        QuantizeRequest request;
        request.keepBlockRecords = true;
        request.fixedClip = clip;
        if (keepGoing)
            request.progress = [&keepGoing](std::uint64_t) {
                return keepGoing();
            };
        const TensorQuantization q = quantizeTensor(values, info.shape, config, request);
        const BlockLayout layout(info.shape, config);
        const std::uint64_t block = layout.blockOf(element);
        if (config.preset == Preset::None) {
            steps = explainElement(values[element], q.blockRecords[block], config);
            return;
        }
        // A preset's 32 values are contiguous along the last axis.
        const auto [first, length] = layout.span(block);
        steps.path = ElementSteps::Path::Preset;
        steps.x = values[element];
        steps.block = q.blockRecords[block];
        steps.nonfinite = !std::isfinite(steps.x);
        steps.preset = explainPresetElement(config.preset, values.data() + first, element - first);
        steps.restored = steps.preset.restored;
        steps.error = steps.restored - steps.x;
    });
    return steps;
}

std::uint64_t nearestElement(const ModelFile& model, std::size_t index, double value)
{
    const TensorInfo& info = model.tensors().at(index);
    if (!isFloat(info.dtype))
        throw UsageError("not a floating-point tensor");
    std::uint64_t nearest = 0;
    double distance = INFINITY;
    withFloatValues(model, index, [&](std::span<const float> values) {
        for (std::size_t i = 0; i < values.size(); ++i) {
            const double d = std::fabs(double{values[i]} - value);
            if (d < distance) { // NaN compares false: never picked
                distance = d;
                nearest = i;
            }
        }
    });
    if (!std::isfinite(distance))
        throw UsageError("the tensor has no finite values to pick");
    return nearest;
}

} // namespace qs
