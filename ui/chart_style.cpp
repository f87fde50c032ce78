#include "chart_style.h"

#include "chart_export.h"

#include <QAbstractAxis>
#include <QChart>
#include <QChartView>
#include <QEvent>
#include <QFont>
#include <QLegend>
#include <QObject>
#include <QPalette>
#include <QValueAxis>
#include <algorithm>
#include <cmath>

namespace qs::ui {

namespace {
// Restyles its view's chart when the palette changes (a theme switch at run time).
class PaletteFollower : public QObject {
public:
    explicit PaletteFollower(QChartView* view)
        : QObject(view)
        , view_(view)
    {
    }

protected:
    bool eventFilter(QObject* watched, QEvent* event) override
    {
        const bool restyle =
            event->type() == QEvent::PaletteChange || event->type() == QEvent::FontChange;
        if (watched == view_ && restyle && view_->chart()) {
            view_->setBackgroundBrush(view_->palette().color(QPalette::Window));
            styleChart(view_->chart(), *view_);
        }
        return false;
    }

private:
    QChartView* view_;
};
} // namespace

void styleChart(QChart* chart, const QWidget& source)
{
    const QPalette& palette = source.palette();
    const QColor text = palette.color(QPalette::Text);
    const QColor base = palette.color(QPalette::Base);
    QColor grid = text;
    grid.setAlpha(40); // faint on either background
    chart->setBackgroundBrush(base);
    chart->setBackgroundPen(Qt::NoPen);
    chart->setTitleBrush(text);
    chart->legend()->setLabelColor(text);
    // The widget's font, so that a larger one (presentation mode, high DPI settings)
    // reaches the chart's text too; titles in bold.
    QFont font = source.font();
    QFont bold = font;
    bold.setBold(true);
    chart->setTitleFont(bold);
    chart->legend()->setFont(font);
    for (QAbstractAxis* axis : chart->axes()) {
        axis->setLabelsFont(font);
        axis->setTitleFont(bold);
        axis->setLabelsColor(text);
        axis->setTitleBrush(text);
        axis->setLinePenColor(palette.color(QPalette::Mid));
        axis->setGridLineColor(grid);
        axis->setMinorGridLineColor(grid);
    }
}

void setUpChartView(QChartView* view, QChart* chart, QSize minimum)
{
    view->setChart(chart);
    view->setRenderHint(QPainter::Antialiasing);
    view->setMinimumSize(minimum);
    addChartExportActions(view);
    followPalette(view);
}

void followPalette(QChartView* view)
{
    view->setBackgroundBrush(view->palette().color(QPalette::Window));
    if (view->chart())
        styleChart(view->chart(), *view);
    view->installEventFilter(new PaletteFollower(view));
}

void setRangeWithRoundTicks(QValueAxis* axis, double lo, double hi, int wanted)
{
    // Fixed ticks while the range changes: the interval of the old range over the new one
    // could mean millions of ticks.
    axis->setTickType(QValueAxis::TicksFixed);
    axis->setRange(lo, hi);
    const double span = axis->max() - axis->min();
    const double magnitude = std::max(std::abs(axis->min()), std::abs(axis->max()));
    // Qt steps from tick to tick by adding the interval: one below the values' resolution
    // (a constant tensor's range, 1000 to 1000 + 1e-13) would never reach the end.
    if (!(span > 0) || !std::isfinite(span) || span < 1e-6 * magnitude || wanted < 1)
        return;
    const double raw = span / wanted;
    const double power = std::pow(10.0, std::floor(std::log10(raw)));
    double step = 10 * power;
    for (double factor : {1.0, 2.0, 5.0})
        if (factor * power >= raw) {
            step = factor * power;
            break;
        }
    axis->setTickAnchor(0);
    axis->setTickInterval(step);
    axis->setTickType(QValueAxis::TicksDynamic); // last: the interval fits the range now
}

} // namespace qs::ui
