#pragma once
// The mixed-precision plan and the bits-against-error comparison of every option, as
// `quantscope-cli plan` prints and writes them.

#include "analysis/mixed_precision.h"

#include <nlohmann/json.hpp>
#include <ostream>

namespace qs {

// Per layer its option, bits per weight and SQNR; then the plan's size, bits per weight and
// SQNR against the budget, whether it is proven optimal, and the best uniform option that
// fits the same budget.
void writePlanText(std::ostream& out, const FormatTable& table, const MixedPlan& plan,
                   double budgetBits);
// Every option applied to the whole model (layers it cannot take kept as stored): bits per
// weight, SQNR, and whether it is on the Pareto front.
void writeOptionsText(std::ostream& out, const FormatTable& table);

nlohmann::ordered_json planJson(const FormatTable& table, const MixedPlan& plan, double budgetBits);

// The plan as llama-quantize --tensor-type-file lines. UsageError when a chosen option
// has no ggml type (plan with --formats ggml), or a layer kept as stored is not f32, f16
// or bf16.
void writePlanLlamaTypes(std::ostream& out, const FormatTable& table, const MixedPlan& plan);

} // namespace qs
