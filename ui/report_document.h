#pragma once
// The shareable report of one analysis: the model, the configuration, a summary with sizes
// and bits per weight, the per-layer error chart, the worst layers' histograms and channel
// ranges, and the per-layer table. The charts are the GUI's own chart widgets rendered off
// screen (in a light palette, for paper, whatever the desktop's), so a report shows what
// the window shows. One HTML text serves both outputs: written with its images inline, or
// laid out by QTextDocument onto PDF pages.

#include "analysis/model_analyzer.h"
#include "formats/model_file.h"

#include <QImage>
#include <QList>
#include <QString>
#include <functional>
#include <utility>

namespace qs::ui {

struct ReportDocument {
    QString title;
    QString html; // images referenced by the names in `images`
    QList<std::pair<QString, QImage>> images;
};

struct ReportOptions {
    std::size_t worstLayers = 4; // drawn with histograms and channel ranges
    // Called before each worst layer is inspected, with how many are done; false stops the
    // build with CancelledError.
    std::function<bool(std::size_t done, std::size_t total)> progress;
};

// Inspects the worst layers again under `report.config` (InputError when the file cannot
// be read). Needs a QApplication (the charts are widgets); any platform, offscreen too.
ReportDocument buildReportDocument(const ModelFile& model, const ModelReport& report,
                                   const ReportOptions& options = {});

} // namespace qs::ui
