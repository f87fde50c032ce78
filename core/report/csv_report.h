#pragma once
// The per-layer report as CSV: one row per analysed tensor, the JSON layer fields as
// columns (shape written 192x256; empty cells where a field does not apply).

#include "analysis/model_analyzer.h"
#include "report/extra_columns.h"

#include <ostream>

namespace qs {

void writeCsvReport(std::ostream& out, const ModelReport& report, const ExtraColumns& extra = {});

} // namespace qs
