#pragma once
// `quantscope-cli conventions`: every framework's arithmetic on the same weights, against
// the chosen convention, as a table and as JSON.

#include "analysis/convention_comparison.h"

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

namespace qs {

struct TensorConventions {
    std::string name;
    std::vector<ConventionOutcome> outcomes; // kAllConventions order
};

// Summed over the tensors: one outcome per convention.
std::vector<ConventionOutcome> totalOverTensors(const std::vector<TensorConventions>& tensors);

// One row per convention: elements restored differently (count and share), the largest
// difference in value and in grid steps, the model SQNR, and the rules that set it apart.
void writeConventionsText(std::ostream& out, const std::vector<ConventionOutcome>& totals,
                          Convention chosen);

nlohmann::ordered_json conventionsJson(const std::vector<TensorConventions>& tensors,
                                       Convention chosen);

} // namespace qs
