#include "analysis/tensor_inspection.h"

#include "analysis/float_values.h"
#include "common/error.h"
#include "quant/block_layout.h"

#include <algorithm>
#include <cmath>

namespace qs {

namespace {
// Min, max and error of every slice along axis 0, from the tensor and its restored values.
std::vector<ChannelSummary> summarizeChannels(std::span<const float> values,
                                              std::span<const float> restored, const Shape& shape)
{
    if (shape.size() < 2)
        return {};
    QuantConfig byOutputChannel;
    byOutputChannel.granularity = Granularity{Granularity::Kind::Channel, 0, 0};
    const BlockLayout layout(shape, byOutputChannel);
    std::vector<ChannelSummary> summaries(layout.blocks());
    std::vector<float> blockValues, blockRestored;
    for (std::uint64_t b = 0; b < layout.blocks(); ++b) {
        layout.gather(values, b, blockValues);
        layout.gather(restored, b, blockRestored);
        ErrorSums sums;
        RangeStats range;
        for (std::size_t i = 0; i < blockValues.size(); ++i) {
            if (!std::isfinite(blockValues[i]))
                continue;
            range.min = std::min(range.min, blockValues[i]);
            range.max = std::max(range.max, blockValues[i]);
            sums.add(blockValues[i], blockRestored[i]);
        }
        const ErrorMetrics metrics = computeMetrics(sums);
        ChannelSummary& summary = summaries[b];
        summary.min = sums.count ? range.min : 0.0f;
        summary.max = sums.count ? range.max : 0.0f;
        summary.sqnrDb = metrics.sqnrDb;
        summary.mse = metrics.mse;
    }
    return summaries;
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
        std::vector<float> restored(values.size());
        QuantizeRequest request;
        request.keepBlockRecords = true;
        request.dequantized = restored;
        request.fixedClip = options.clip;
        const TensorQuantization q = quantizeTensor(values, info.shape, config, request);
        inspection.layer = layerReport(info, q, config);
        inspection.blocks = q.blocks;
        inspection.manualClip = options.clip.has_value();
        if (q.blockRecords.empty()) // an empty tensor: nothing to draw
            return;
        inspection.channels = summarizeChannels(values, restored, info.shape);

        QuantOverlay envelope{q.blockRecords.front().clip.lo, q.blockRecords.front().clip.hi, {}};
        for (const BlockRecord& block : q.blockRecords) {
            envelope.clipLo = std::min<double>(envelope.clipLo, block.clip.lo);
            envelope.clipHi = std::max<double>(envelope.clipHi, block.clip.hi);
        }
        // One block drawn: its values, errors and grid. Otherwise the whole tensor under
        // the envelope of the blocks' ranges.
        std::span<const float> shown = values;
        std::span<const float> shownRestored = restored;
        std::vector<float> blockValues, blockRestored;
        if (q.blocks == 1) {
            inspection.block = q.blockRecords.front();
            inspection.overlay = quantOverlay(*inspection.block, config);
        } else if (options.block) {
            const BlockRecord& record = q.blockRecords[*options.block];
            inspection.block = record;
            inspection.blockIndex = options.block;
            inspection.overlay = quantOverlay(record, config);
            layout.gather(values, *options.block, blockValues);
            layout.gather(restored, *options.block, blockRestored);
            shown = blockValues;
            shownRestored = blockRestored;
            // The block quantized alone is the block quantized in place (calibration is per
            // block), and gives its metrics exactly, the clipped count included.
            inspection.blockMetrics = computeMetrics(
                quantizeTensor(blockValues, Shape{static_cast<std::int64_t>(blockValues.size())},
                               blockConfig(config))
                    .sums);
        } else {
            inspection.overlay = envelope;
        }

        // The value axis shows the data and the clipping range both, so that a clip beyond
        // the data (minmax of a wider block) or inside it (percentile) is visible.
        const RangeStats stats = rangeOf(shown.data(), shown.size());
        const double lo =
            std::min<double>(stats.finite ? stats.min : 0.0, inspection.overlay.clipLo);
        const double hi =
            std::max<double>(stats.finite ? stats.max : 0.0, inspection.overlay.clipHi);
        inspection.values = computeHistogram(shown, options.bins, std::make_pair(lo, hi));

        std::vector<float> errors;
        errors.reserve(shown.size());
        for (std::size_t i = 0; i < shown.size(); ++i)
            if (std::isfinite(shown[i]))
                errors.push_back(shownRestored[i] - shown[i]);
        inspection.errors = computeHistogram(errors, options.bins);
    });
    return inspection;
}

} // namespace qs
