#include "analysis/tensor_inspection.h"

#include "analysis/float_values.h"
#include "common/error.h"

#include <algorithm>
#include <cmath>

namespace qs {

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

    TensorInspection inspection;
    withFloatValues(model, index, [&](std::span<const float> values) {
        std::vector<float> restored(values.size());
        QuantizeRequest request;
        request.keepBlockRecords = true;
        request.dequantized = restored;
        const TensorQuantization q = quantizeTensor(values, info.shape, config, request);
        inspection.layer = layerReport(info, q, config);
        inspection.blocks = q.blocks;
        if (q.blockRecords.empty()) // an empty tensor: nothing to draw
            return;

        QuantOverlay envelope{q.blockRecords.front().clip.lo, q.blockRecords.front().clip.hi, {}};
        for (const BlockRecord& block : q.blockRecords) {
            envelope.clipLo = std::min<double>(envelope.clipLo, block.clip.lo);
            envelope.clipHi = std::max<double>(envelope.clipHi, block.clip.hi);
        }
        if (q.blocks == 1) {
            inspection.block = q.blockRecords.front();
            inspection.overlay = quantOverlay(*inspection.block, config);
        } else {
            inspection.overlay = envelope;
        }

        // The value axis shows the data and the clipping range both, so that a clip beyond
        // the data (minmax of a wider block) or inside it (percentile) is visible.
        const RangeStats stats = rangeOf(values.data(), values.size());
        const double lo = std::min<double>(stats.finite ? stats.min : 0.0, envelope.clipLo);
        const double hi = std::max<double>(stats.finite ? stats.max : 0.0, envelope.clipHi);
        inspection.values = computeHistogram(values, options.bins, std::make_pair(lo, hi));

        std::vector<float> errors;
        errors.reserve(values.size());
        for (std::size_t i = 0; i < values.size(); ++i)
            if (std::isfinite(values[i]))
                errors.push_back(restored[i] - values[i]);
        inspection.errors = computeHistogram(errors, options.bins);
    });
    return inspection;
}

} // namespace qs
