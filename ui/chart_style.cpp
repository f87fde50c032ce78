#include "chart_style.h"

#include <QAbstractAxis>
#include <QChart>
#include <QChartView>
#include <QEvent>
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
        if (watched == view_ && event->type() == QEvent::PaletteChange && view_->chart()) {
            view_->setBackgroundBrush(view_->palette().color(QPalette::Window));
            styleChart(view_->chart(), view_->palette());
        }
        return false;
    }

private:
    QChartView* view_;
};
} // namespace

void styleChart(QChart* chart, const QPalette& palette)
{
    const QColor text = palette.color(QPalette::Text);
    const QColor base = palette.color(QPalette::Base);
    QColor grid = text;
    grid.setAlpha(40); // faint on either background
    chart->setBackgroundBrush(base);
    chart->setBackgroundPen(Qt::NoPen);
    chart->setTitleBrush(text);
    chart->legend()->setLabelColor(text);
    for (QAbstractAxis* axis : chart->axes()) {
        axis->setLabelsColor(text);
        axis->setTitleBrush(text);
        axis->setLinePenColor(palette.color(QPalette::Mid));
        axis->setGridLineColor(grid);
        axis->setMinorGridLineColor(grid);
    }
}

void followPalette(QChartView* view)
{
    view->setBackgroundBrush(view->palette().color(QPalette::Window));
    if (view->chart())
        styleChart(view->chart(), view->palette());
    view->installEventFilter(new PaletteFollower(view));
}

} // namespace qs::ui
