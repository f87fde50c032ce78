#pragma once
// The outputs of `compare`: JSON (schema quantscope_compare 1), CSV (one row per tensor)
// and a readable table.

#include "analysis/model_compare.h"

#include <nlohmann/json.hpp>
#include <ostream>

namespace qs {

nlohmann::ordered_json compareJson(const CompareReport& report);
void writeCompareCsv(std::ostream& out, const CompareReport& report);
void writeCompareText(std::ostream& out, const CompareReport& report);

} // namespace qs
