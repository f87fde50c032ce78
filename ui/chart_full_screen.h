#pragma once
// One chart alone on the whole screen, for a projector: the chart itself moves into a
// full-screen window (so it keeps updating as settings change) and goes back to its place
// when the window closes (Escape, F11 or a double click).

class QChartView;

namespace qs::ui {

// Opens the window, or returns the one already showing this view's chart. The window
// deletes itself when closed; closing `view` first closes it.
QChartView* showChartFullScreen(QChartView* view);

} // namespace qs::ui
