#pragma once
// The mixed-precision plan: one option per layer so that the model fits a size budget with
// the least total squared error (hence the highest whole-model SQNR). It is a
// multiple-choice knapsack, solved exactly: a dynamic programme over the layers that keeps
// only (size, error) pairs no other pair beats, and drops every pair whose error plus the
// linear-relaxation bound of the layers still to come cannot beat the best plan known.
// The programme has a work limit; a plan found after pruning beyond it says it is not
// proven optimal and how far from the bound it can be.

#include "analysis/format_options.h"

#include <cstdint>
#include <functional>
#include <vector>

namespace qs {

struct MixedPlan {
    std::vector<std::size_t> choice; // per table layer, the option index
    double bits = 0;
    double squaredError = 0;
    double signal = 0; // Σ x² over the layers
    double sqnrDb = 0;
    bool provenOptimal = false;
    double lowerBound = 0; // no plan within the budget has less squared error
    std::uint64_t statesVisited = 0;
};

struct PlanLimits {
    // States (24 bytes each) kept per layer and in all; the candidates of one layer take
    // up to maxStatesPerLayer times its options.
    std::size_t maxStatesPerLayer = 200'000;
    std::size_t maxStatesTotal = 4'000'000;
    // Checked once per layer; false stops with CancelledError.
    std::function<bool()> keepGoing;
};

// UsageError when even the smallest option of every layer exceeds `budgetBits`.
MixedPlan planMixedPrecision(const FormatTable& table, double budgetBits,
                             const PlanLimits& limits = {});

} // namespace qs
