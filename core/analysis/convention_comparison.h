#pragma once
// The same weights under every framework's arithmetic (spec §8): how many elements another
// convention restores to a different value than the chosen one, and by how much — the
// answer to "why does my simulation not match the deployed model".

#include "analysis/error_metrics.h"
#include "quant/quant_config.h"
#include "tensor/tensor.h"

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

namespace qs {

struct ConventionOutcome {
    Convention convention = Convention::Default;
    std::string notApplicable;    // why the convention cannot take the configuration, or empty
    ErrorSums sums;               // the weights' error under this convention
    std::uint64_t compared = 0;   // finite elements compared with the chosen convention
    std::uint64_t differing = 0;  // of those, restored to a different x̂
    double maxAbsDifference = 0;  // max |x̂ − x̂ of the chosen convention|
    double maxStepDifference = 0; // the same in steps of the chosen convention's block scale
    double sumSquaredDifference = 0;
    float firstScale = 0; // the first block's scale and zero point, as the convention stores them
    std::int32_t firstZeroPoint = 0;

    ErrorMetrics metrics() const { return computeMetrics(sums); }
    double differingShare() const
    {
        return compared ? static_cast<double>(differing) / static_cast<double>(compared) : 0.0;
    }
    void merge(const ConventionOutcome& other);
};

// One outcome per convention in kAllConventions order, compared with `config.convention`
// (whose own row differs nowhere). Only integer grids have conventions: UsageError for a
// float format or a preset. Throws CancelledError once `keepGoing` returns false.
std::vector<ConventionOutcome> compareConventions(std::span<const float> values, const Shape& shape,
                                                  const QuantConfig& config,
                                                  const std::function<bool()>& keepGoing = {});

// What sets a convention apart, in a few words ("x / s, ties to even, …").
std::string conventionRules(Convention convention);

} // namespace qs
