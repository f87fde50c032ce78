#pragma once
// A/B: the same model under a second configuration, layer by layer beside the first, to
// answer "what does this setting change, and where".

#include "analysis/model_analyzer.h"

#include <optional>
#include <vector>

namespace qs {

struct ConfigComparison {
    ModelReport other; // the model under the second configuration
    // Per layer of the first report: the same tensor's layer in `other`, when it was
    // analysed there too (a preset skips tensors its blocks do not divide).
    std::vector<std::optional<std::size_t>> otherLayer;
};

// Pairs `other`'s layers with `first`'s by name.
ConfigComparison pairWith(const ModelReport& first, ModelReport other);

// SQNR of the second minus the first: positive when the second configuration is better.
// Both exact (+Inf): 0.
double sqnrDeltaDb(const ErrorMetrics& first, const ErrorMetrics& second);

} // namespace qs
