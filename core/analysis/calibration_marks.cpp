#include "analysis/calibration_marks.h"

#include "analysis/float_values.h"
#include "analysis/tensor_inspection.h"
#include "common/error.h"
#include "quant/block_layout.h"
#include "quant/tensor_quantizer.h"

#include <sstream>

namespace qs {

std::string markLabel(const Calibration& calibration)
{
    switch (calibration.method) {
    case Calibration::Method::MinMax:
        return "minmax";
    case Calibration::Method::Percentile: {
        std::ostringstream text;
        text << 'p' << calibration.percentile;
        return text.str();
    }
    case Calibration::Method::Mse:
        return "mse";
    case Calibration::Method::Kl:
        return "kl";
    }
    return {};
}

std::vector<CalibrationMark> calibrationMarks(const ModelFile& model, std::size_t index,
                                              const QuantConfig& config,
                                              std::optional<std::uint64_t> block,
                                              const std::function<bool()>& keepGoing)
{
    validate(config);
    const TensorInfo& info = model.tensors().at(index);
    if (!info.unsupported.empty())
        throw UsageError(info.unsupported);
    if (!isFloat(info.dtype))
        throw UsageError("not a floating-point tensor");
    if (auto reason = whyNotApplicable(info.shape, config))
        throw UsageError(*reason);
    const bool isFloatFormat = config.format.kind == NumberFormat::Kind::Float;
    if (config.preset != Preset::None ||
        (isFloatFormat && config.effectiveFpMode() == FpMode::Unscaled))
        return {};
    const BlockLayout layout(info.shape, config);
    if (!block && layout.blocks() != 1)
        return {};
    const std::uint64_t chosen = block.value_or(0);
    if (chosen >= layout.blocks())
        throw UsageError("block " + std::to_string(chosen) + " does not exist");

    std::vector<Calibration> methods = {
        {Calibration::Method::MinMax, 0},
        {Calibration::Method::Percentile,
         config.calibration.method == Calibration::Method::Percentile
             ? config.calibration.percentile
             : 99.99},
        {Calibration::Method::Mse, 0},
        {Calibration::Method::Kl, 0}};
    std::vector<CalibrationMark> marks;
    withFloatValues(model, index, [&](std::span<const float> values) {
        const std::vector<float> blockValues = layout.gather(values, chosen);
        const Shape shape{static_cast<std::int64_t>(blockValues.size())};
        for (const Calibration& method : methods) {
            QuantConfig variant = blockConfig(config);
            variant.calibration = method;
            try {
                validate(variant);
            } catch (const UsageError&) {
                continue; // kl beside an asymmetric or float grid: no mark, as no choice
            }
            QuantizeRequest request;
            if (keepGoing)
                request.progress = [&keepGoing](std::uint64_t) {
                    return keepGoing();
                };
            const TensorQuantization q = quantizeTensor(blockValues, shape, variant, request);
            marks.push_back({method, q.blockRecords.front().clip, computeMetrics(q.sums)});
        }
    });
    return marks;
}

} // namespace qs
