#pragma once
// File › Export Report as HTML or PDF: the report document built with a progress dialog
// (the worst layers are inspected again, which takes a moment on large models) and saved.

#include "analysis/model_analyzer.h"
#include "formats/model_file.h"
#include "report_writer.h"

class QWidget;

namespace qs::ui {

// Throws InputError when the model cannot be read or the file not written, and
// CancelledError when the user stops it.
void exportReportDocument(QWidget* parent, const ModelFile& model, const ModelReport& report,
                          const QString& path, ReportFormat format);

} // namespace qs::ui
