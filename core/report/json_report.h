#pragma once
// The JSON documents of the CLI (and, later, the GUI's exports): the model listing of
// `info --json` and the per-layer report of `analyze --json` (schema quantscope_report 1).

#include "analysis/model_analyzer.h"
#include "formats/model_file.h"

#include <nlohmann/json.hpp>

namespace qs {

nlohmann::ordered_json infoJson(const ModelFile& model);
nlohmann::ordered_json reportJson(const ModelReport& report);

// The configuration as the report's "config" object.
nlohmann::ordered_json configJson(const QuantConfig& config);

// A metric as JSON: the number, or "inf" / "-inf" / "nan" where JSON has no number.
nlohmann::ordered_json metricJson(double value);

// The §9 metrics as fields of `out` (clipped_frac only where clipping is defined).
void addMetricsJson(nlohmann::ordered_json& out, const ErrorMetrics& m, bool withClipped = true);

// Elements of the floating-point tensors (what "parameters" counts).
std::uint64_t floatParameters(const ModelFile& model);

} // namespace qs
