#pragma once
// analyze --vs: the second configuration's numbers beside the first's in each report
// layout: per layer its SQNR and the difference (second minus first, positive when the
// second is better), and for the model both SQNRs and bits per weight.

#include "analysis/config_comparison.h"
#include "report/extra_columns.h"

#include <nlohmann/json.hpp>

namespace qs {

ExtraColumns vsCsvColumns(const ModelReport& first, const ConfigComparison& vs);
ExtraColumns vsTextColumns(const ModelReport& first, const ConfigComparison& vs);

// Adds to reportJson(first): "vs" in each layer ({mse, sqnr_db, max_abs_err,
// delta_sqnr_db}, or null where the second configuration did not analyse it) and a
// top-level "vs" with the configuration, its options, summary, bits per weight of both,
// and what it skipped.
void addVsJson(nlohmann::ordered_json& doc, const ModelReport& first, const ConfigComparison& vs);

// The options that give the second configuration, as typed after --vs ("defaults" when
// there are none).
std::string vsOptionsText(const QuantConfig& config);

} // namespace qs
