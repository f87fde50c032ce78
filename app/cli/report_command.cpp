#include "report_command.h"

#include "analysis/model_analyzer.h"
#include "commands.h"
#include "common/error.h"
#include "formats/model_file.h"
#include "report_document.h"
#include "report_writer.h"

#include <QApplication>
#include <QDir>
#include <QFileInfo>
#include <cstdio>
#include <optional>

namespace qs::cli {

namespace {
// Qt's notes on its environment (no XDG_RUNTIME_DIR, fonts) are not the user's business in
// a batch tool whose standard error carries one line on failure; real trouble still shows.
void quietQtMessages(QtMsgType type, const QMessageLogContext&, const QString& message)
{
    if (type == QtCriticalMsg || type == QtFatalMsg)
        std::fprintf(stderr, "quantscope-cli: Qt: %s\n", qPrintable(message));
}

// The charts are widgets: they need an application object, but never a screen.
QApplication& offscreenApplication()
{
    static int argc = 1;
    static char name[] = "quantscope-cli";
    static char* argv[] = {name, nullptr};
    qputenv("QT_QPA_PLATFORM", "offscreen");
    qInstallMessageHandler(quietQtMessages);
    static QApplication application(argc, argv);
    return application;
}
} // namespace

int runReport(const Options& options)
{
    const QString path = QString::fromStdString(options.reportOut);
    const auto format = ui::reportFormatFor(path);
    if (!format) // parseOptions checked the suffix
        throw UsageError("-o " + options.reportOut + ": not an .html or .pdf file");

    // Known before a long analysis rather than after it.
    if (!QFileInfo(path).absoluteDir().exists())
        throw InputError(options.reportOut, std::nullopt, "cannot write report: no such folder");

    const auto model = openModel(options.model);
    const ModelReport report = analyzeWithProgress(*model, options, options.config);
    offscreenApplication();
    ui::ReportOptions reportOptions;
    reportOptions.worstLayers = options.reportWorst;
    const auto document = ui::buildReportDocument(*model, report, reportOptions);
    ui::writeReport(document, path, *format);
    return 0;
}

} // namespace qs::cli
