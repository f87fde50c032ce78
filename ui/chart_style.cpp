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

} // namespace qs::ui
