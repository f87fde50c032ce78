#include "channel_range_chart.h"

#include "chart_style.h"

#include <QAreaSeries>
#include <QLineSeries>
#include <QMouseEvent>
#include <QPen>
#include <QValueAxis>
#include <algorithm>
#include <cmath>

namespace qs::ui {

ChannelRangeChart::ChannelRangeChart(QWidget* parent)
    : QChartView(parent)
{
    auto* chart = new QChart;
    chart->setTitle(tr("Range and error per output channel"));
    chart->setMargins(QMargins(4, 4, 4, 4));
    chart->legend()->setAlignment(Qt::AlignTop);
    blockAxis_ = new QValueAxis;
    blockAxis_->setLabelFormat(QStringLiteral("%d"));
    blockAxis_->setTitleText(tr("output channel (axis 0)"));
    valueAxis_ = new QValueAxis;
    valueAxis_->setTitleText(tr("weight value"));
    valueAxis_->setLabelFormat(QStringLiteral("%.3g"));
    sqnrAxis_ = new QValueAxis;
    sqnrAxis_->setTitleText(tr("SQNR (dB)"));
    sqnrAxis_->setLabelFormat(QStringLiteral("%.1f"));
    chart->addAxis(blockAxis_, Qt::AlignBottom);
    chart->addAxis(valueAxis_, Qt::AlignLeft);
    chart->addAxis(sqnrAxis_, Qt::AlignRight);

    max_ = new QLineSeries;
    min_ = new QLineSeries;
    band_ = new QAreaSeries(max_, min_);
    band_->setName(tr("min \u2026 max"));
    const QColor fill = palette().color(QPalette::Highlight);
    band_->setBrush(QColor(fill.red(), fill.green(), fill.blue(), 140));
    band_->setPen(QPen(fill.darker(120), 1));
    sqnr_ = new QLineSeries;
    sqnr_->setName(tr("SQNR"));
    sqnr_->setPen(QPen(QColor(214, 39, 40), 1.5));
    chart->addSeries(band_);
    band_->attachAxis(blockAxis_);
    band_->attachAxis(valueAxis_);
    chart->addSeries(sqnr_);
    sqnr_->attachAxis(blockAxis_);
    sqnr_->attachAxis(sqnrAxis_);
    setUpChartView(this, chart);
    setToolTip(tr("Click a channel to show its histogram (per-channel granularity on axis 0)"));
}

void ChannelRangeChart::clear()
{
    for (QLineSeries* series : {max_, min_, sqnr_})
        series->clear();
    count_ = 0;
}

void ChannelRangeChart::setChannels(const std::vector<ChannelSummary>& blocks)
{
    count_ = blocks.size();
    QList<QPointF> highs, lows, sqnr;
    highs.reserve(static_cast<qsizetype>(blocks.size()));
    lows.reserve(static_cast<qsizetype>(blocks.size()));
    double lowest = 0, highest = 0, sqnrLow = INFINITY, sqnrHigh = -INFINITY;
    for (std::size_t b = 0; b < blocks.size(); ++b) {
        const auto x = static_cast<double>(b);
        highs.append({x, blocks[b].max});
        lows.append({x, blocks[b].min});
        lowest = std::min<double>(lowest, blocks[b].min);
        highest = std::max<double>(highest, blocks[b].max);
        // A block without error has infinite SQNR: left out of the line, not drawn at ∞.
        if (std::isfinite(blocks[b].sqnrDb)) {
            sqnr.append({x, blocks[b].sqnrDb});
            sqnrLow = std::min(sqnrLow, blocks[b].sqnrDb);
            sqnrHigh = std::max(sqnrHigh, blocks[b].sqnrDb);
        }
    }
    max_->replace(highs);
    min_->replace(lows);
    sqnr_->replace(sqnr);
    blockAxis_->setRange(0, std::max<double>(1, static_cast<double>(blocks.size()) - 1));
    const double pad = (highest - lowest) * 0.05;
    valueAxis_->setRange(lowest - pad, highest + pad + (highest == lowest ? 1 : 0));
    valueAxis_->setTickCount(6);
    valueAxis_->applyNiceNumbers(); // about six ticks, on round values
    if (sqnr.isEmpty())
        sqnrAxis_->setRange(0, 1);
    else
        sqnrAxis_->setRange(std::floor(sqnrLow - 1), std::ceil(sqnrHigh + 1));
}

void ChannelRangeChart::mousePressEvent(QMouseEvent* event)
{
    // A left click picks a channel and nothing else: the chart's items take no part.
    if (event->button() == Qt::LeftButton)
        event->accept();
    else
        QChartView::mousePressEvent(event);
}

void ChannelRangeChart::mouseReleaseEvent(QMouseEvent* event)
{
    if (event->button() != Qt::LeftButton) {
        QChartView::mouseReleaseEvent(event);
        return;
    }
    event->accept();
    if (count_ == 0)
        return;
    const QPointF value =
        chart()->mapToValue(chart()->mapFromScene(mapToScene(event->position().toPoint())), sqnr_);
    const double block = std::round(value.x());
    if (block >= 0 && block < static_cast<double>(count_))
        Q_EMIT channelClicked(static_cast<std::uint64_t>(block));
}

} // namespace qs::ui
