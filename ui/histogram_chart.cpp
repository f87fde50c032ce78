#include "histogram_chart.h"

#include "chart_export.h"

#include <QAreaSeries>
#include <QLineSeries>
#include <QPen>
#include <QValueAxis>
#include <algorithm>

namespace qs::ui {

namespace {
// The outline of the bins within [from, to], cut at those edges.
QList<QPointF> stepOutline(const Histogram& histogram, const std::vector<double>& heights,
                           double from, double to)
{
    QList<QPointF> points;
    const double width = histogram.binWidth();
    for (std::size_t bin = 0; bin < heights.size(); ++bin) {
        const double left = histogram.lo + static_cast<double>(bin) * width;
        const double right = left + width;
        if (right <= from || left >= to)
            continue;
        points.append({std::max(left, from), heights[bin]});
        points.append({std::min(right, to), heights[bin]});
    }
    return points;
}
} // namespace

HistogramChart::HistogramChart(const QString& title, const QString& valueAxisTitle, QWidget* parent)
    : QChartView(parent)
{
    auto* chart = new QChart;
    chart->setTitle(title);
    chart->legend()->hide();
    chart->setMargins(QMargins(4, 4, 4, 4));
    xAxis_ = new QValueAxis;
    xAxis_->setTitleText(valueAxisTitle);
    xAxis_->setLabelFormat(QStringLiteral("%.3g"));
    yAxis_ = new QValueAxis;
    yAxis_->setLabelFormat(QStringLiteral("%.3g"));
    chart->addAxis(xAxis_, Qt::AlignBottom);
    chart->addAxis(yAxis_, Qt::AlignLeft);

    outline_ = new QLineSeries;
    baseline_ = new QLineSeries;
    area_ = new QAreaSeries(outline_, baseline_);
    area_->setName(tr("count"));
    const QColor fill = palette().color(QPalette::Highlight);
    area_->setBrush(QColor(fill.red(), fill.green(), fill.blue(), 150));
    area_->setPen(QPen(fill.darker(120), 1));
    clippedLow_ = new QAreaSeries(new QLineSeries, new QLineSeries);
    clippedHigh_ = new QAreaSeries(new QLineSeries, new QLineSeries);
    for (QAreaSeries* clipped : {clippedLow_, clippedHigh_}) {
        clipped->setBrush(QColor(214, 39, 40, 120)); // the clipped mass, in the clip colour
        clipped->setPen(Qt::NoPen);
    }
    gridLines_ = new QLineSeries;
    gridLines_->setPen(QPen(QColor(128, 128, 128, 140), 1));
    clipLines_ = new QLineSeries;
    clipLines_->setPen(QPen(QColor(214, 39, 40), 2, Qt::DashLine));
    for (QAbstractSeries* series : std::initializer_list<QAbstractSeries*>{
             area_, clippedLow_, clippedHigh_, gridLines_, clipLines_}) {
        chart->addSeries(series);
        series->attachAxis(xAxis_);
        series->attachAxis(yAxis_);
    }
    setChart(chart);
    setRenderHint(QPainter::Antialiasing);
    setMinimumSize(320, 220);
    addChartExportActions(this);
}

void HistogramChart::clear()
{
    for (QLineSeries* series : {outline_, baseline_, clipLines_, gridLines_})
        series->clear();
    for (QAreaSeries* clipped : {clippedLow_, clippedHigh_}) {
        clipped->upperSeries()->clear();
        clipped->lowerSeries()->clear();
    }
}

void HistogramChart::setData(const Histogram& histogram, CountScale scale,
                             const QuantOverlay& overlay)
{
    const std::vector<double> heights = histogram.heights(scale);
    QList<QPointF> outline;
    const double width = histogram.binWidth();
    for (std::size_t bin = 0; bin < heights.size(); ++bin) {
        const double left = histogram.lo + static_cast<double>(bin) * width;
        outline.append({left, heights[bin]});
        outline.append({left + width, heights[bin]});
    }
    outline_->replace(outline);
    baseline_->replace({{histogram.lo, 0.0}, {histogram.hi, 0.0}});
    top_ = heights.empty() ? 1.0 : std::max(1.0, *std::max_element(heights.begin(), heights.end()));
    xAxis_->setRange(histogram.lo, histogram.hi);
    yAxis_->setRange(0, top_ * 1.05);
    yAxis_->setTitleText(scale == CountScale::Log ? tr("log\u2081\u2080(1 + count)") : tr("count"));
    // The clipped tails, shaded from the same bins.
    const bool clipped = overlay.clipHi > overlay.clipLo;
    clippedLow_->upperSeries()->replace(
        clipped ? stepOutline(histogram, heights, histogram.lo, overlay.clipLo) : QList<QPointF>());
    clippedHigh_->upperSeries()->replace(
        clipped ? stepOutline(histogram, heights, overlay.clipHi, histogram.hi) : QList<QPointF>());
    clippedLow_->lowerSeries()->replace({{histogram.lo, 0.0}, {overlay.clipLo, 0.0}});
    clippedHigh_->lowerSeries()->replace({{overlay.clipHi, 0.0}, {histogram.hi, 0.0}});
    drawOverlay(overlay);
}

void HistogramChart::drawOverlay(const QuantOverlay& overlay)
{
    const double top = top_ * 1.05;
    if (overlay.clipHi > overlay.clipLo) {
        // One series for both lines: up at lo, across the top, down at hi. The top edge
        // lies on the plot's border, so the eye sees two lines framing the range.
        clipLines_->replace({{overlay.clipLo, 0.0},
                             {overlay.clipLo, top},
                             {overlay.clipHi, top},
                             {overlay.clipHi, 0.0}});
    } else {
        clipLines_->clear();
    }
    // Each level is a vertical line up and back down; the steps between run along the axis.
    QList<QPointF> ticks;
    for (double level : overlay.gridLevels) {
        ticks.append({level, 0.0});
        ticks.append({level, top});
        ticks.append({level, 0.0});
    }
    gridLines_->replace(ticks);
}

} // namespace qs::ui
