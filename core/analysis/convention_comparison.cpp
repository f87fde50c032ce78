#include "analysis/convention_comparison.h"

#include "common/error.h"
#include "quant/block_layout.h"
#include "quant/tensor_quantizer.h"

#include <algorithm>
#include <cmath>

namespace qs {

void ConventionOutcome::merge(const ConventionOutcome& other)
{
    if (!other.notApplicable.empty() && notApplicable.empty())
        notApplicable = other.notApplicable;
    sums.merge(other.sums);
    compared += other.compared;
    differing += other.differing;
    maxAbsDifference = std::max(maxAbsDifference, other.maxAbsDifference);
    maxStepDifference = std::max(maxStepDifference, other.maxStepDifference);
    sumSquaredDifference += other.sumSquaredDifference;
}

namespace {
QuantizeRequest requestFor(std::span<float> restored, const std::function<bool()>& keepGoing)
{
    QuantizeRequest request;
    request.keepBlockRecords = true;
    request.dequantized = restored;
    if (keepGoing)
        request.progress = [&keepGoing](std::uint64_t) {
            return keepGoing();
        };
    return request;
}
} // namespace

std::vector<ConventionOutcome> compareConventions(std::span<const float> values, const Shape& shape,
                                                  const QuantConfig& config,
                                                  const std::function<bool()>& keepGoing)
{
    if (config.preset != Preset::None || config.format.kind != NumberFormat::Kind::Integer)
        throw UsageError("conventions differ on integer grids only; pick an int or uint format");
    validate(config);
    if (auto reason = whyNotApplicable(shape, config))
        throw UsageError(*reason);

    std::vector<float> chosen(values.size());
    const TensorQuantization reference =
        quantizeTensor(values, shape, config, requestFor(chosen, keepGoing));
    const BlockLayout layout(shape, config);

    std::vector<float> restored(values.size());
    std::vector<ConventionOutcome> outcomes;
    for (Convention convention : kAllConventions) {
        ConventionOutcome outcome;
        outcome.convention = convention;
        QuantConfig variant = config;
        variant.convention = convention;
        try {
            validate(variant);
        } catch (const UsageError& error) {
            outcome.notApplicable = error.what();
            outcomes.push_back(outcome);
            continue;
        }
        const bool isChosen = convention == config.convention;
        const TensorQuantization other =
            isChosen ? TensorQuantization{}
                     : quantizeTensor(values, shape, variant, requestFor(restored, keepGoing));
        const TensorQuantization& q = isChosen ? reference : other;
        const std::vector<float>& mine = isChosen ? chosen : restored;
        outcome.sums = q.sums;
        outcome.firstScale = q.blockRecords.front().scale;
        outcome.firstZeroPoint = q.blockRecords.front().zeroPoint;
        for (std::size_t i = 0; i < values.size(); ++i) {
            if (!std::isfinite(values[i]))
                continue;
            ++outcome.compared;
            if (mine[i] == chosen[i])
                continue;
            ++outcome.differing;
            const double difference = std::fabs(double{mine[i]} - double{chosen[i]});
            outcome.sumSquaredDifference += difference * difference;
            outcome.maxAbsDifference = std::max(outcome.maxAbsDifference, difference);
            const double step = std::fabs(reference.blockRecords[layout.blockOf(i)].scale);
            outcome.maxStepDifference = std::max(outcome.maxStepDifference, difference / step);
        }
        outcomes.push_back(outcome);
    }
    return outcomes;
}

std::string conventionRules(Convention convention)
{
    switch (convention) {
    case Convention::Default:
        return "s = amax/qmax; x·(1/s); ties to even";
    case Convention::PyTorch:
        return "s = amax/((qmax−qmin)/2), floored at ε; x·(1/s); ties to even";
    case Convention::OnnxRuntime:
        return "s in float64, symmetric 8/16-bit grid without the lowest code; x / s; ties to "
               "even; clamp to the full type";
    case Convention::TfLite:
        return "grid ±qmax; x·(qmax/amax); ties away from zero";
    case Convention::ModelOpt:
        return "x·(qmax/amax); ties to even; x̂ = q / (qmax/amax)";
    case Convention::Aimet:
        return "x / s; ties away from zero; Δ and offset in float64 (AIMET 1.x)";
    case Convention::Ggml:
        return "grid ±qmax; x·(1/d); ties away from zero; d stored as fp16";
    }
    return {};
}

} // namespace qs
