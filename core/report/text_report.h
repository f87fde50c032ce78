#pragma once
// Readable tables for a terminal: the tensor listing of `info` and the per-layer errors
// of `analyze`.

#include "analysis/model_analyzer.h"
#include "formats/model_file.h"
#include "report/extra_columns.h"

#include <ostream>

namespace qs {

void writeInfoText(std::ostream& out, const ModelFile& model);
void writeReportText(std::ostream& out, const ModelReport& report, const ExtraColumns& extra = {});

} // namespace qs
