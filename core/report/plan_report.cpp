#include "report/plan_report.h"

#include "common/error.h"
#include "report/json_report.h"
#include "report/table_text.h"
#include "report/tool_exports.h"

#include <cmath>

namespace qs {

namespace {
double sqnrOf(const OptionCell& cell)
{
    return cell.metrics.sqnrDb;
}

std::vector<bool> optionsOnFront(const FormatTable& table)
{
    std::vector<std::pair<double, double>> points;
    for (std::size_t o = 0; o < table.options.size(); ++o) {
        const auto point = table.modelPoint(o);
        points.push_back({point.bitsPerWeight, -point.sqnrDb});
    }
    return paretoOptimal(points);
}

std::string megabytes(double bits)
{
    return formatNumber("%.3f", bits / 8.0 / 1e6) + " MB";
}

} // namespace

void writePlanText(std::ostream& out, const FormatTable& table, const MixedPlan& plan,
                   double budgetBits)
{
    const double weights = double(table.weights());
    std::vector<std::vector<std::string>> rows{{"tensor", "numel", "option", "bits/w", "SQNR dB"}};
    for (std::size_t l = 0; l < table.layers.size(); ++l) {
        const OptionCell& cell = table.cells[l][plan.choice[l]];
        rows.push_back({table.layers[l], std::to_string(table.numel[l]),
                        table.options[plan.choice[l]].label,
                        formatNumber("%.3f", cell.bits / double(table.numel[l])),
                        formatNumber("%.2f", sqnrOf(cell))});
    }
    printTable(out, rows);
    out << "budget: " << megabytes(budgetBits) << " (" << formatNumber("%.3f", budgetBits / weights)
        << " bits per weight)\n";
    out << "plan: " << megabytes(plan.bits) << ", " << formatNumber("%.3f", plan.bits / weights)
        << " bits per weight, SQNR " << formatNumber("%.2f", plan.sqnrDb) << " dB, "
        << (plan.provenOptimal
                ? std::string("optimal (least total squared error within the budget)")
                : "not proven optimal: within " +
                      formatNumber("%.3f", 10.0 * std::log10(plan.squaredError /
                                                             std::max(plan.lowerBound, 1e-300))) +
                      " dB of the bound")
        << '\n';
    // The best single option for the whole model within the same budget, for comparison.
    std::optional<std::size_t> bestUniform;
    for (std::size_t o = 0; o < table.options.size(); ++o) {
        const auto point = table.modelPoint(o);
        if (point.bitsPerWeight * weights <= budgetBits &&
            (!bestUniform || point.sqnrDb > table.modelPoint(*bestUniform).sqnrDb))
            bestUniform = o;
    }
    if (bestUniform) {
        const auto point = table.modelPoint(*bestUniform);
        out << "best single option within the budget: " << table.options[*bestUniform].label << ", "
            << formatNumber("%.3f", point.bitsPerWeight) << " bits per weight, SQNR "
            << formatNumber("%.2f", point.sqnrDb) << " dB\n";
    } else {
        out << "no single option fits the budget\n";
    }
}

void writeOptionsText(std::ostream& out, const FormatTable& table)
{
    const auto front = optionsOnFront(table);
    std::vector<std::vector<std::string>> rows{
        {"option", "bits/w", "SQNR dB", "tensors taken", "Pareto"}};
    for (std::size_t o = 0; o < table.options.size(); ++o) {
        const auto point = table.modelPoint(o);
        rows.push_back(
            {table.options[o].label, formatNumber("%.3f", point.bitsPerWeight),
             formatNumber("%.2f", point.sqnrDb),
             std::to_string(point.layersTaken) + "/" + std::to_string(table.layers.size()),
             front[o] ? "*" : ""});
    }
    printTable(out, rows);
}

nlohmann::ordered_json planJson(const FormatTable& table, const MixedPlan& plan, double budgetBits)
{
    const double weights = double(table.weights());
    nlohmann::ordered_json doc;
    doc["quantscope_plan"] = 1;
    doc["budget_bits"] = budgetBits;
    doc["budget_bits_per_weight"] = budgetBits / weights;
    nlohmann::ordered_json p;
    p["bits"] = plan.bits;
    p["bits_per_weight"] = plan.bits / weights;
    p["sqnr_db"] = metricJson(plan.sqnrDb);
    p["squared_error"] = plan.squaredError;
    p["proven_optimal"] = plan.provenOptimal;
    p["lower_bound_squared_error"] = plan.lowerBound;
    auto& layers = p["layers"] = nlohmann::ordered_json::array();
    for (std::size_t l = 0; l < table.layers.size(); ++l) {
        const OptionCell& cell = table.cells[l][plan.choice[l]];
        layers.push_back({{"name", table.layers[l]},
                          {"numel", table.numel[l]},
                          {"option", table.options[plan.choice[l]].label},
                          {"bits", cell.bits},
                          {"sqnr_db", metricJson(sqnrOf(cell))}});
    }
    doc["plan"] = std::move(p);
    const auto front = optionsOnFront(table);
    auto& options = doc["options"] = nlohmann::ordered_json::array();
    for (std::size_t o = 0; o < table.options.size(); ++o) {
        const auto point = table.modelPoint(o);
        options.push_back({{"option", table.options[o].label},
                           {"bits_per_weight", point.bitsPerWeight},
                           {"sqnr_db", metricJson(point.sqnrDb)},
                           {"tensors_taken", point.layersTaken},
                           {"pareto", bool(front[o])}});
    }
    return doc;
}

void writePlanLlamaTypes(std::ostream& out, const FormatTable& table, const MixedPlan& plan)
{
    for (std::size_t l = 0; l < table.layers.size(); ++l) {
        const FormatOption& option = table.options[plan.choice[l]];
        std::string type;
        if (option.ggmlType) {
            type = *option.ggmlType;
        } else if (option.stored && (table.dtype[l] == DType::F32 || table.dtype[l] == DType::F16 ||
                                     table.dtype[l] == DType::BF16)) {
            type = table.dtype[l] == DType::F32   ? "f32"
                   : table.dtype[l] == DType::F16 ? "f16"
                                                  : "bf16";
        } else {
            throw UsageError("--llama-tensor-types: " + table.layers[l] + " is planned as " +
                             option.label +
                             ", which llama-quantize cannot write (plan with --formats ggml)");
        }
        out << llamaTensorPattern(table.layers[l]) << '=' << type << '\n';
    }
}

} // namespace qs
