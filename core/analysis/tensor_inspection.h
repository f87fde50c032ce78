#pragma once
// Everything the GUI draws for one selected tensor under one configuration, computed in
// one quantization pass: the distribution of its values with the clipping range and grid
// on top, the distribution of the error x̂ - x, and the layer's numbers (the same as
// analyzeModel reports for it).

#include "analysis/histogram.h"
#include "analysis/model_analyzer.h"
#include "formats/model_file.h"

#include <cstddef>
#include <functional>
#include <optional>
#include <vector>

namespace qs {

// One output channel's extent and error: a point of the per-channel view.
struct ChannelSummary {
    float min = 0; // over the channel's finite values (0 and 0 when it has none)
    float max = 0;
    double sqnrDb = 0; // of the channel's elements under the configuration's quantization
    double mse = 0;
};

struct TensorInspection {
    LayerReport layer;
    Histogram values; // finite values, over a range that also holds the clipping range
    // x̂ - x over finite values. On integer grids with clipped values erring far beyond half
    // a step, over about ±s/2, the clipped tails counted in below and above.
    Histogram errors;
    // The clipping range drawn: one block's, or the envelope of all blocks (lo the lowest,
    // hi the highest); grid levels only when a single block is drawn.
    QuantOverlay overlay;
    std::size_t blocks = 0;
    std::optional<BlockRecord> block;         // the one block drawn, when there is one
    std::optional<std::uint64_t> blockIndex;  // which, when chosen (InspectOptions::block)
    std::optional<ErrorMetrics> blockMetrics; // its own error, when chosen
    // Every slice along axis 0 (the output channel of [out, in] and OIHW weights), whatever
    // the granularity: the view that shows outlier channels. Empty below rank 2.
    std::vector<ChannelSummary> channels;
    bool manualClip = false; // the clip was the user's (InspectOptions::clip)
};

struct InspectOptions {
    std::size_t bins = 256;
    // Draw only this block (a channel or a group); the layer's numbers stay the tensor's.
    std::optional<std::uint64_t> block;
    // Quantize with this clipping range instead of the calibrated one. One-block
    // configurations only (per-tensor granularity), so that one pair of lines is the range.
    std::optional<ClipRange> clip;
    // Asked between chunks of the quantization; false stops it with CancelledError.
    std::function<bool()> keepGoing;
};

// Throws InputError for unreadable data and UsageError when `config` or the options do not
// apply to the tensor (or it is not a floating-point tensor); the GUI shows the reason.
// `config` for one block quantized on its own: the same calibration, one scale.
QuantConfig blockConfig(QuantConfig config);

TensorInspection inspectTensor(const ModelFile& model, std::size_t index, const QuantConfig& config,
                               const InspectOptions& options = {});

} // namespace qs
