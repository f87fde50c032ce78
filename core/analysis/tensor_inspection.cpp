#include "analysis/tensor_inspection.h"

#include "analysis/error_pass.h"
#include "analysis/float_values.h"
#include "common/error.h"
#include "common/page_buffer.h"
#include "quant/block_layout.h"

#include <algorithm>
#include <cmath>

namespace qs {

namespace {
// What one pass over the tensor and its errors gives.
struct ErrorPass {
    std::vector<ChannelSummary> channels; // rank >= 2 only
    RangeStats values;
    RangeStats errors;
};

// One pass over the tensor and its restored values (the view must stay fast on tensors of
// tens of millions of elements): turns `restored` into the errors x̂ - x (NaN where x is
// not finite, which the histogram leaves out), takes the extremes of both, and for rank
// >= 2 sums each slice along axis 0, which is a contiguous row in row-major order.
ErrorPass errorPass(std::span<const float> values, std::span<float> restored, const Shape& shape)
{
    ErrorPass pass;
    const std::size_t rows = shape.size() >= 2 ? static_cast<std::size_t>(shape[0]) : 1;
    const std::size_t rowLength = rows ? values.size() / rows : 0;
    if (shape.size() >= 2)
        pass.channels.resize(rows);
    for (std::size_t row = 0; row < rows; ++row) {
        const std::size_t begin = row * rowLength;
        const RowErrors sums = errorRow(values.data() + begin, restored.data() + begin, rowLength);
        const std::uint64_t finite = sums.finite;
        pass.values.merge(RangeStats{sums.valueMin, sums.valueMax, finite, rowLength - finite});
        pass.errors.merge(RangeStats{sums.errorMin, sums.errorMax, finite, rowLength - finite});
        if (pass.channels.empty())
            continue;
        ErrorSums channel;
        channel.sumX2 = sums.sumX2;
        channel.sumE2 = sums.sumE2;
        channel.count = finite;
        const ErrorMetrics metrics = computeMetrics(channel);
        ChannelSummary& summary = pass.channels[row];
        summary.min = finite ? sums.valueMin : 0.0f;
        summary.max = finite ? sums.valueMax : 0.0f;
        summary.sqnrDb = metrics.sqnrDb;
        summary.mse = metrics.mse;
    }
    return pass;
}

// The error histogram's range. On an integer grid every error of an unclipped value lies
// within half a step, ±s/2; clipped values can err by far more, and a range stretched to
// them would squeeze the uniform body into a bin or two. So when the extremes reach well
// beyond the largest half step, the axis shows ±s/2 (a little wider) and the clipped
// tails are counted as below and above it.
std::pair<double, double> errorRange(const RangeStats& errors, const TensorInspection& in,
                                     const QuantConfig& config)
{
    const double low = errors.finite ? errors.min : 0.0;
    const double high = errors.finite ? errors.max : 0.0;
    const bool integerGrid =
        config.preset == Preset::GgufQ8_0 || config.preset == Preset::GgufQ4_0 ||
        (config.preset == Preset::None && config.format.kind == NumberFormat::Kind::Integer);
    const double step = in.block ? std::fabs(in.block->scale) : in.layer.scaleMax;
    const double halfStep = 0.55 * step;
    if (!integerGrid || !(halfStep > 0) || std::max(-low, high) <= 4 * halfStep)
        return {low, high};
    const double from = std::max(low, -halfStep);
    const double to = std::min(high, halfStep);
    // Every error beyond one side (a range clipping all the data): nothing within ±s/2.
    return from < to ? std::make_pair(from, to) : std::make_pair(low, high);
}

// The histogram's range: the finite values' extremes, widened to hold [lo, hi].
std::pair<double, double> spanning(const RangeStats& stats, double lo, double hi)
{
    return {std::min<double>(stats.finite ? stats.min : 0.0, lo),
            std::max<double>(stats.finite ? stats.max : 0.0, hi)};
}
} // namespace

QuantConfig blockConfig(QuantConfig config)
{
    config.granularity = Granularity{Granularity::Kind::Tensor, 0, 0};
    return config;
}

TensorInspection inspectTensor(const ModelFile& model, std::size_t index, const QuantConfig& config,
                               const InspectOptions& options)
{
    validate(config);
    const TensorInfo& info = model.tensors().at(index);
    if (!info.unsupported.empty())
        throw UsageError(info.unsupported);
    if (!isFloat(info.dtype))
        throw UsageError("not a floating-point tensor (" + std::string(dtypeName(info.dtype)) +
                         ")");
    if (auto reason = whyNotApplicable(info.shape, config))
        throw UsageError(*reason);

    const BlockLayout layout(info.shape, config);
    if (options.block && *options.block >= layout.blocks())
        throw UsageError("block " + std::to_string(*options.block) +
                         " does not exist (the tensor has " + std::to_string(layout.blocks()) +
                         ")");
    if (options.clip && layout.blocks() != 1)
        throw UsageError("a clipping range of your own needs one block: per-tensor granularity");

    TensorInspection inspection;
    withFloatValues(model, index, [&](std::span<const float> values) {
        PageBuffer restoredBuffer(values.size());
        const std::span<float> restored = restoredBuffer.floats();
        QuantizeRequest request;
        request.keepBlockRecords = true;
        request.dequantized = restored;
        request.fixedClip = options.clip;
        if (options.keepGoing)
            request.progress = [&options](std::uint64_t) {
                return options.keepGoing();
            };
        const TensorQuantization q = quantizeTensor(values, info.shape, config, request);
        inspection.layer = layerReport(info, q, config);
        inspection.blocks = q.blocks;
        inspection.manualClip = options.clip.has_value();
        if (q.blockRecords.empty()) // an empty tensor: nothing to draw
            return;

        QuantOverlay envelope{q.blockRecords.front().clip.lo, q.blockRecords.front().clip.hi, {}};
        for (const BlockRecord& block : q.blockRecords) {
            envelope.clipLo = std::min<double>(envelope.clipLo, block.clip.lo);
            envelope.clipHi = std::max<double>(envelope.clipHi, block.clip.hi);
        }
        // One block drawn: its values, errors and grid. Otherwise the whole tensor under
        // the envelope of the blocks' ranges.
        std::span<const float> shown = values;
        std::vector<float> blockValues, blockErrors;
        if (q.blocks == 1) {
            inspection.block = q.blockRecords.front();
            inspection.overlay = quantOverlay(*inspection.block, config);
        } else if (options.block) {
            const BlockRecord& record = q.blockRecords[*options.block];
            inspection.block = record;
            inspection.blockIndex = options.block;
            inspection.overlay = quantOverlay(record, config);
            layout.gather(values, *options.block, blockValues);
            layout.gather(restored, *options.block, blockErrors);
            for (std::size_t i = 0; i < blockValues.size(); ++i)
                blockErrors[i] =
                    std::isfinite(blockValues[i]) ? blockErrors[i] - blockValues[i] : NAN;
            shown = blockValues;
            // The block quantized alone is the block quantized in place (calibration is per
            // block), and gives its metrics exactly, the clipped count included.
            inspection.blockMetrics = computeMetrics(
                quantizeTensor(blockValues, Shape{static_cast<std::int64_t>(blockValues.size())},
                               blockConfig(config))
                    .sums);
        } else {
            inspection.overlay = envelope;
        }

        // From here on `restored` holds the errors.
        ErrorPass pass = errorPass(values, restored, info.shape);
        inspection.channels = std::move(pass.channels);
        std::span<const float> errors = restored;
        if (inspection.blockIndex) { // one block of several, gathered above
            pass.values = rangeOf(blockValues.data(), blockValues.size());
            pass.errors = rangeOf(blockErrors.data(), blockErrors.size());
            errors = blockErrors;
        }
        // The value axis shows the data and the clipping range both, so that a clip beyond
        // the data (minmax of a wider block) or inside it (percentile) is visible.
        inspection.values = computeHistogram(
            shown, options.bins,
            spanning(pass.values, inspection.overlay.clipLo, inspection.overlay.clipHi));
        inspection.errors =
            computeHistogram(errors, options.bins, errorRange(pass.errors, inspection, config));
        inspection.errors.nonfinite = 0; // the NaNs stand for values left out, counted above
    });
    return inspection;
}

} // namespace qs
