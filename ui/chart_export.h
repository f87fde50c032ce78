#pragma once
// Copying and saving a chart as the user sees it: to the clipboard, as PNG (at the screen's
// pixel ratio) or as SVG (vector, for papers and slides).

#include <QString>

class QChartView;

namespace qs::ui {

// Adds Copy / Save as PNG / Save as SVG / Show Full Screen to the view's context menu.
void addChartExportActions(QChartView* view);

// Return false when the file cannot be written.
bool saveChartPng(QChartView* view, const QString& path);
bool saveChartSvg(QChartView* view, const QString& path);

} // namespace qs::ui
