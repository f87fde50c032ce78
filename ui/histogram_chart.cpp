#include "histogram_chart.h"

#include "chart_style.h"

#include <QAreaSeries>
#include <QLegendMarker>
#include <QLineSeries>
#include <QMouseEvent>
#include <QPen>
#include <QValueAxis>
#include <algorithm>
#include <cmath>

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
// Mark colours, in the order methods are listed; none is the clip red or the fill blue.
const QColor kMarkColours[] = {QColor(44, 160, 44), QColor(255, 127, 14), QColor(148, 103, 189),
                               QColor(140, 86, 75)};
// How close (in pixels) the mouse must come to a clip line to grab it.
constexpr int kGrabDistance = 6;
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
    // Only marks appear in the legend; the other series' markers are hidden in setMarks.
    chart->legend()->setAlignment(Qt::AlignTop);
    setUpChartView(this, chart);
    setMouseTracking(true); // the cursor changes over a draggable line
}

void HistogramChart::clear()
{
    for (QLineSeries* series : {outline_, baseline_, clipLines_, gridLines_})
        series->clear();
    setMarks({});
    clipLo_ = clipHi_ = 0;
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
    setRangeWithRoundTicks(xAxis_, histogram.lo, histogram.hi);
    setRangeWithRoundTicks(yAxis_, 0, top_ * 1.05, 4);
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
    drawMarks(); // the count axis may have a new top
}

void HistogramChart::drawClipLines()
{
    const double top = top_ * 1.05;
    if (clipHi_ > clipLo_) {
        // One series for both lines: up at lo, across the top, down at hi. The top edge
        // lies on the plot's border, so the eye sees two lines framing the range.
        clipLines_->replace({{clipLo_, 0.0}, {clipLo_, top}, {clipHi_, top}, {clipHi_, 0.0}});
    } else {
        clipLines_->clear();
    }
}

void HistogramChart::setMarks(const QList<Mark>& marks)
{
    for (QLineSeries* series : markSeries_) {
        chart()->removeSeries(series);
        delete series;
    }
    markSeries_.clear();
    marks_ = marks;
    for (qsizetype i = 0; i < marks.size(); ++i) {
        auto* series = new QLineSeries;
        series->setName(marks[i].label);
        const QColor colour = kMarkColours[i % std::size(kMarkColours)];
        series->setPen(QPen(colour, 1.5, Qt::DashDotLine));
        chart()->addSeries(series);
        series->attachAxis(xAxis_);
        series->attachAxis(yAxis_);
        markSeries_.append(series);
    }
    drawMarks();
    QLegend* legend = chart()->legend();
    for (QLegendMarker* marker : legend->markers())
        marker->setVisible(markSeries_.contains(qobject_cast<QLineSeries*>(marker->series())));
    legend->setVisible(!markSeries_.isEmpty());
    // The clip lines stay drawn over the marks.
    chart()->removeSeries(clipLines_);
    chart()->addSeries(clipLines_);
    clipLines_->attachAxis(xAxis_);
    clipLines_->attachAxis(yAxis_);
    for (QLegendMarker* marker : legend->markers(clipLines_))
        marker->setVisible(false);
}

void HistogramChart::drawMarks()
{
    const double top = top_ * 1.05;
    for (qsizetype i = 0; i < markSeries_.size(); ++i) {
        // Down the lo line, along the axis, up the hi line: two lines, one legend entry.
        const Mark& mark = marks_[i];
        markSeries_[i]->replace({{mark.lo, top}, {mark.lo, 0.0}, {mark.hi, 0.0}, {mark.hi, top}});
    }
}

void HistogramChart::setClipDrag(ClipDrag mode)
{
    // Called with every result, those that arrive during a drag too: a drag in progress
    // goes on unless dragging is switched off.
    if (mode == dragMode_)
        return;
    dragMode_ = mode;
    if (mode == ClipDrag::Off) {
        dragging_.reset();
        unsetCursor();
    }
}

QPoint HistogramChart::clipLinePosition(Edge edge) const
{
    const double value = edge == Edge::Low ? clipLo_ : clipHi_;
    const QPointF scene = chart()->mapToPosition(QPointF(value, top_ * 0.5), clipLines_);
    return mapFromScene(chart()->mapToScene(scene));
}

std::optional<HistogramChart::Edge> HistogramChart::edgeNear(const QPoint& position) const
{
    if (dragMode_ == ClipDrag::Off || !(clipHi_ > clipLo_))
        return std::nullopt;
    const int toLow = std::abs(position.x() - clipLinePosition(Edge::Low).x());
    const int toHigh = std::abs(position.x() - clipLinePosition(Edge::High).x());
    if (std::min(toLow, toHigh) > kGrabDistance)
        return std::nullopt;
    return toLow <= toHigh ? Edge::Low : Edge::High;
}

double HistogramChart::valueAt(const QPoint& position) const
{
    const QPointF scene = mapToScene(position);
    return chart()->mapToValue(chart()->mapFromScene(scene), clipLines_).x();
}

void HistogramChart::mousePressEvent(QMouseEvent* event)
{
    pressedAt_.reset();
    if (event->button() == Qt::LeftButton) {
        dragging_ = edgeNear(event->position().toPoint());
        if (!dragging_)
            pressedAt_ = event->position().toPoint();
    }
    if (dragging_)
        event->accept();
    else
        QChartView::mousePressEvent(event);
}

void HistogramChart::mouseMoveEvent(QMouseEvent* event)
{
    const QPoint position = event->position().toPoint();
    if (!dragging_) {
        if (edgeNear(position))
            setCursor(Qt::SizeHorCursor);
        else
            unsetCursor();
        QChartView::mouseMoveEvent(event);
        return;
    }
    const double value = valueAt(position);
    // A range keeps a width: the lines cannot cross, and neither can pass 0 from its side
    // when the range is mirrored.
    const double minimumWidth = (xAxis_->max() - xAxis_->min()) * 1e-3;
    if (dragMode_ == ClipDrag::Symmetric) {
        const double reach = std::max(std::fabs(value), minimumWidth);
        clipLo_ = -reach;
        clipHi_ = reach;
    } else if (*dragging_ == Edge::Low) {
        clipLo_ = std::min(value, clipHi_ - minimumWidth);
    } else {
        clipHi_ = std::max(value, clipLo_ + minimumWidth);
    }
    drawClipLines(); // at once, before the numbers follow
    event->accept();
    Q_EMIT clipDragged(clipLo_, clipHi_);
}

void HistogramChart::mouseReleaseEvent(QMouseEvent* event)
{
    if (!dragging_) {
        const QPoint at = event->position().toPoint();
        const bool click = event->button() == Qt::LeftButton && pressedAt_ &&
                           (at - *pressedAt_).manhattanLength() <= 3 &&
                           chart()->plotArea().contains(chart()->mapFromScene(mapToScene(at)));
        pressedAt_.reset();
        QChartView::mouseReleaseEvent(event);
        if (click)
            Q_EMIT valueClicked(valueAt(at));
        return;
    }
    dragging_.reset();
    event->accept();
    Q_EMIT clipDragFinished(clipLo_, clipHi_);
}

void HistogramChart::drawOverlay(const QuantOverlay& overlay)
{
    const double top = top_ * 1.05;
    // While the user drags, the lines stay under the mouse; a result computed for an
    // earlier position of them must not pull them back.
    if (!dragging_) {
        clipLo_ = overlay.clipLo;
        clipHi_ = overlay.clipHi;
    }
    drawClipLines();
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
