#pragma once
// A ReportDocument as a file: self-contained HTML (images as data: URLs) or PDF (A4, laid
// out by QTextDocument through QPdfWriter, tables split across pages with their headers).

#include "report_document.h"

#include <QString>
#include <optional>

namespace qs::ui {

enum class ReportFormat { Html, Pdf };

// By the file name's suffix (.html, .htm, .pdf, any case); nullopt for anything else.
std::optional<ReportFormat> reportFormatFor(const QString& path);

// Written whole or not at all; throws InputError naming `path` when it cannot be.
void writeReport(const ReportDocument& document, const QString& path, ReportFormat format);

// The HTML with every image inline (what writeReport saves for ReportFormat::Html).
QString selfContainedHtml(const ReportDocument& document);

} // namespace qs::ui
