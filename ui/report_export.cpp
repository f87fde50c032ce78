#include "report_export.h"

#include "common/error.h"
#include "report_document.h"

#include <QApplication>
#include <QProgressDialog>

namespace qs::ui {

void exportReportDocument(QWidget* parent, const ModelFile& model, const ModelReport& report,
                          const QString& path, ReportFormat format)
{
    QProgressDialog progress(QApplication::translate("ReportExport", "Writing the report\u2026"),
                             QApplication::translate("ReportExport", "Cancel"), 0, 1, parent);
    progress.setWindowModality(Qt::WindowModal);
    progress.setMinimumDuration(300);
    ReportOptions options;
    options.progress = [&](std::size_t done, std::size_t total) {
        progress.setMaximum(static_cast<int>(total) + 1);
        progress.setValue(static_cast<int>(done)); // modal: lets the Cancel button work
        return !progress.wasCanceled();
    };
    const ReportDocument document = buildReportDocument(model, report, options);
    writeReport(document, path, format);
    progress.setValue(progress.maximum());
}

} // namespace qs::ui
