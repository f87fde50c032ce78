#pragma once
// Charts in the colours of the widget palette, so that they stay readable in a dark theme as
// in a light one: background, titles, axis labels, grid and legend follow the palette, and
// follow it again when it changes. Series keep their own colours, chosen to read on both.

class QChart;
class QChartView;
class QPalette;

namespace qs::ui {

// Applies `palette` to the chart's background, title, legend and every axis it has now.
void styleChart(QChart* chart, const QPalette& palette);

// Styles the view's chart now and whenever the view's palette changes.
void followPalette(QChartView* view);

} // namespace qs::ui
