#include "report/vs_report.h"

#include "quant/quant_options.h"
#include "report/csv_text.h"
#include "report/json_report.h"
#include "report/table_text.h"

namespace qs {

namespace {
const LayerReport* secondLayer(const ConfigComparison& vs, std::size_t index)
{
    const auto& paired = vs.otherLayer.at(index);
    return paired ? &vs.other.layers[*paired] : nullptr;
}
} // namespace

std::string vsOptionsText(const QuantConfig& config)
{
    std::string text;
    for (const std::string& word : quantizationWords(config))
        text += (text.empty() ? "" : " ") + word;
    return text.empty() ? "defaults" : text;
}

ExtraColumns vsCsvColumns(const ModelReport& first, const ConfigComparison& vs)
{
    ExtraColumns columns;
    columns.header = {"vs_mse", "vs_sqnr_db", "delta_sqnr_db"};
    columns.cells = [&first, &vs](std::size_t index) -> std::vector<std::string> {
        const LayerReport* other = secondLayer(vs, index);
        if (!other)
            return {"", "", ""};
        return {csvNumber(other->metrics.mse), csvNumber(other->metrics.sqnrDb),
                csvNumber(sqnrDeltaDb(first.layers[index].metrics, other->metrics))};
    };
    return columns;
}

ExtraColumns vsTextColumns(const ModelReport& first, const ConfigComparison& vs)
{
    ExtraColumns columns;
    columns.header = {"vs SQNR dB", "delta dB"};
    std::size_t better = 0, worse = 0, missing = 0;
    for (std::size_t index = 0; index < first.layers.size(); ++index) {
        const LayerReport* other = secondLayer(vs, index);
        if (!other) {
            ++missing;
            continue;
        }
        const double delta = sqnrDeltaDb(first.layers[index].metrics, other->metrics);
        better += delta > 0;
        worse += delta < 0;
    }
    columns.cells = [&first, &vs](std::size_t index) -> std::vector<std::string> {
        const LayerReport* other = secondLayer(vs, index);
        if (!other)
            return {"-", "-"};
        return {formatNumber("%.2f", other->metrics.sqnrDb),
                formatNumber("%+.2f", sqnrDeltaDb(first.layers[index].metrics, other->metrics))};
    };
    const ComparedTotals totals = comparedTotals(first, vs);
    std::string note = "vs " + vsOptionsText(vs.other.config) + ": SQNR " +
                       formatNumber("%.2f", totals.secondSqnrDb) + " dB (" +
                       formatNumber("%+.2f", totals.secondSqnrDb - totals.firstSqnrDb) +
                       " dB), bits per weight " + formatNumber("%.3f", totals.firstBitsPerWeight) +
                       " -> " + formatNumber("%.3f", totals.secondBitsPerWeight) + "; " +
                       std::to_string(better) + " layers better, " + std::to_string(worse) +
                       " worse";
    if (missing)
        note += ", " + std::to_string(missing) + " not analysed under it (counted as stored)";
    columns.notes.push_back(std::move(note));
    return columns;
}

void addVsJson(nlohmann::ordered_json& doc, const ModelReport& first, const ConfigComparison& vs)
{
    auto& layers = doc.at("layers");
    for (std::size_t index = 0; index < first.layers.size(); ++index) {
        const LayerReport* other = secondLayer(vs, index);
        if (!other) {
            layers[index]["vs"] = nullptr;
            continue;
        }
        nlohmann::ordered_json entry;
        entry["mse"] = metricJson(other->metrics.mse);
        entry["sqnr_db"] = metricJson(other->metrics.sqnrDb);
        entry["max_abs_err"] = metricJson(other->metrics.maxAbsErr);
        entry["delta_sqnr_db"] =
            metricJson(sqnrDeltaDb(first.layers[index].metrics, other->metrics));
        layers[index]["vs"] = std::move(entry);
    }
    nlohmann::ordered_json top;
    top["options"] = vsOptionsText(vs.other.config);
    top["config"] = configJson(vs.other.config);
    nlohmann::ordered_json summary;
    summary["parameters"] = vs.other.summary.parameters;
    addMetricsJson(summary, vs.other.summary.metrics);
    summary["delta_sqnr_db"] =
        metricJson(sqnrDeltaDb(first.summary.metrics, vs.other.summary.metrics));
    top["summary"] = std::move(summary);
    // Over the first report's tensors, those the second cannot take counted as stored.
    const ComparedTotals totals = comparedTotals(first, vs);
    top["bits_per_weight"] = {{"first", totals.firstBitsPerWeight},
                              {"vs", totals.secondBitsPerWeight}};
    top["sqnr_db"] = {{"first", metricJson(totals.firstSqnrDb)},
                      {"vs", metricJson(totals.secondSqnrDb)}};
    top["kept_as_stored"] = totals.keptAsStored;
    auto& skipped = top["skipped"] = nlohmann::ordered_json::array();
    for (const SkippedTensor& s : vs.other.skipped)
        skipped.push_back({{"name", s.name}, {"reason", s.reason}});
    doc["vs"] = std::move(top);
}

} // namespace qs
