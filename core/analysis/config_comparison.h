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

// Both configurations over the same tensors, the first report's: a tensor the second
// cannot take (a preset's blocks do not divide it) counts as kept as stored, as a
// converter would leave it, so sizes and SQNRs compare like with like.
struct ComparedTotals {
    double firstBitsPerWeight = 0;
    double secondBitsPerWeight = 0;
    double firstSqnrDb = 0;
    double secondSqnrDb = 0;
    std::size_t keptAsStored = 0; // tensors the second configuration did not take
};
ComparedTotals comparedTotals(const ModelReport& first, const ConfigComparison& vs);

// SQNR of the second minus the first: positive when the second configuration is better.
// Both exact (+Inf): 0.
double sqnrDeltaDb(const ErrorMetrics& first, const ErrorMetrics& second);

} // namespace qs
