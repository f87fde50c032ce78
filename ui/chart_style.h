#pragma once
// Charts in the colours of the widget palette and in its font, so that they stay readable
// in a dark theme as in a light one, and grow with the font (presentation mode):
// background, titles, axis labels, grid and legend follow the widget, and follow it again
// when its palette or font changes. Series keep their own colours, chosen to read on both.

#include <QSize>

class QChart;
class QChartView;
class QValueAxis;
class QWidget;

namespace qs::ui {

// Applies `source`'s palette and font to the chart's background, title, legend and every
// axis it has now.
void styleChart(QChart* chart, const QWidget& source);

// Styles the view's chart now and whenever the view's palette or font changes.
void followPalette(QChartView* view);

// Gives `view` its chart as every QuantScope chart is set up: antialiased, at least
// `minimum` (readable in a dock), with Copy / Save as PNG / SVG in its context menu, and in
// the palette's colours and font from now on.
void setUpChartView(QChartView* view, QChart* chart, QSize minimum = QSize(320, 220));

// Sets the axis' range with ticks at round numbers (1, 2 or 5 times a power of ten)
// anchored at 0, about `wanted` of them: 0 reads as 0 rather than as 3.2e-09, and labels
// stay short.
void setRangeWithRoundTicks(QValueAxis* axis, double lo, double hi, int wanted = 5);

} // namespace qs::ui
