#pragma once
// Everything the GUI draws for one selected tensor under one configuration, computed in
// one quantization pass: the distribution of its values with the clipping range and grid
// on top, the distribution of the error x̂ - x, and the layer's numbers (the same as
// analyzeModel reports for it).

#include "analysis/histogram.h"
#include "analysis/model_analyzer.h"
#include "formats/model_file.h"

#include <cstddef>
#include <optional>
#include <vector>

namespace qs {

struct TensorInspection {
    LayerReport layer;
    Histogram values; // finite values, over a range that also holds the clipping range
    Histogram errors; // x̂ - x over finite values
    // The clipping range drawn: one block's, or the envelope of all blocks (lo the lowest,
    // hi the highest); grid levels only when a single block is drawn.
    QuantOverlay overlay;
    std::size_t blocks = 0;
    std::optional<BlockRecord> block; // the one block drawn, when there is one
};

struct InspectOptions {
    std::size_t bins = 256;
};

// Throws InputError for unreadable data and UsageError when `config` does not apply to the
// tensor (or it is not a floating-point tensor); the GUI shows the reason.
TensorInspection inspectTensor(const ModelFile& model, std::size_t index, const QuantConfig& config,
                               const InspectOptions& options = {});

} // namespace qs
