#include "report/convention_report.h"

#include "report/table_text.h"

#include <cmath>

namespace qs {

std::vector<ConventionOutcome> totalOverTensors(const std::vector<TensorConventions>& tensors)
{
    std::vector<ConventionOutcome> totals;
    for (Convention convention : kAllConventions) {
        ConventionOutcome total;
        total.convention = convention;
        totals.push_back(total);
    }
    for (const TensorConventions& tensor : tensors)
        for (std::size_t c = 0; c < tensor.outcomes.size() && c < totals.size(); ++c)
            totals[c].merge(tensor.outcomes[c]);
    return totals;
}

void writeConventionsText(std::ostream& out, const std::vector<ConventionOutcome>& totals,
                          Convention chosen)
{
    std::vector<std::vector<std::string>> rows{
        {"convention", "differing", "share", "max |dx|", "max steps", "SQNR dB"}};
    std::vector<std::vector<std::string>> rules;
    for (const ConventionOutcome& outcome : totals) {
        std::string name = toString(outcome.convention);
        if (outcome.convention == chosen)
            name += " (chosen)";
        if (!outcome.notApplicable.empty()) {
            rows.push_back({name, "-", "-", "-", "-", "-"});
            rules.push_back(
                {toString(outcome.convention), "not applicable: " + outcome.notApplicable});
            continue;
        }
        rows.push_back({name, std::to_string(outcome.differing),
                        formatNumber("%.4f%%", 100.0 * outcome.differingShare()),
                        formatNumber("%.3g", outcome.maxAbsDifference),
                        formatNumber("%.3g", outcome.maxStepDifference),
                        formatNumber("%.3f", outcome.metrics().sqnrDb)});
        rules.push_back({toString(outcome.convention), conventionRules(outcome.convention)});
    }
    printTable(out, rows);
    out << "differing: elements restored to another value than under the chosen convention; "
           "steps: in units of the chosen convention's block scale\n";
    for (const auto& rule : rules)
        out << "  " << rule[0] << ": " << rule[1] << '\n';
}

namespace {
nlohmann::ordered_json outcomeJson(const ConventionOutcome& outcome)
{
    nlohmann::ordered_json j;
    j["convention"] = toString(outcome.convention);
    if (!outcome.notApplicable.empty()) {
        j["not_applicable"] = outcome.notApplicable;
        return j;
    }
    const ErrorMetrics metrics = outcome.metrics();
    j["compared"] = outcome.compared;
    j["differing"] = outcome.differing;
    j["max_abs_difference"] = outcome.maxAbsDifference;
    j["max_step_difference"] = outcome.maxStepDifference;
    j["rms_difference"] =
        outcome.compared ? std::sqrt(outcome.sumSquaredDifference / double(outcome.compared)) : 0;
    j["mse"] = metrics.mse;
    j["sqnr_db"] = std::isfinite(metrics.sqnrDb) ? nlohmann::ordered_json(metrics.sqnrDb)
                                                 : nlohmann::ordered_json("inf");
    return j;
}
} // namespace

nlohmann::ordered_json conventionsJson(const std::vector<TensorConventions>& tensors,
                                       Convention chosen)
{
    nlohmann::ordered_json j;
    j["chosen"] = toString(chosen);
    j["model"] = nlohmann::ordered_json::array();
    for (const ConventionOutcome& total : totalOverTensors(tensors))
        j["model"].push_back(outcomeJson(total));
    j["tensors"] = nlohmann::ordered_json::array();
    for (const TensorConventions& tensor : tensors) {
        nlohmann::ordered_json t;
        t["name"] = tensor.name;
        t["conventions"] = nlohmann::ordered_json::array();
        for (const ConventionOutcome& outcome : tensor.outcomes) {
            nlohmann::ordered_json o = outcomeJson(outcome);
            if (outcome.notApplicable.empty()) {
                o["first_block_scale"] = outcome.firstScale;
                o["first_block_zero_point"] = outcome.firstZeroPoint;
            }
            t["conventions"].push_back(o);
        }
        j["tensors"].push_back(t);
    }
    return j;
}

} // namespace qs
