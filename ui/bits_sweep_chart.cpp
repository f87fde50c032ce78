#include "bits_sweep_chart.h"

#include "chart_style.h"

#include <QGraphicsSimpleTextItem>
#include <QLineSeries>
#include <QPen>
#include <QScatterSeries>
#include <QValueAxis>
#include <algorithm>
#include <cmath>

namespace qs::ui {

namespace {
// The slope of ideal uniform quantization noise: 20·log10(2) dB a bit.
constexpr double kDecibelsPerBit = 6.0206;

bool finite(const SweepPoint& point)
{
    return std::isfinite(point.metrics.sqnrDb);
}
} // namespace

BitsSweepChart::BitsSweepChart(QWidget* parent)
    : QChartView(parent)
{
    auto* chart = new QChart;
    chart->setTitle(tr("Error against bits per weight"));
    chart->setMargins(QMargins(4, 4, 4, 4));
    chart->legend()->setAlignment(Qt::AlignTop);
    bitsAxis_ = new QValueAxis;
    bitsAxis_->setTitleText(tr("bits per weight"));
    bitsAxis_->setRange(1, 9);
    bitsAxis_->setTickCount(9); // a tick at every whole bit
    bitsAxis_->setLabelFormat(QStringLiteral("%.0f"));
    sqnrAxis_ = new QValueAxis;
    sqnrAxis_->setTitleText(tr("SQNR (dB)"));
    sqnrAxis_->setLabelFormat(QStringLiteral("%.0f"));
    chart->addAxis(bitsAxis_, Qt::AlignBottom);
    chart->addAxis(sqnrAxis_, Qt::AlignLeft);

    reference_ = new QLineSeries;
    reference_->setName(tr("6.02 dB/bit"));
    reference_->setPen(QPen(QColor(128, 128, 128), 1, Qt::DashLine));
    tensorLine_ = new QLineSeries;
    tensorLine_->setName(tr("tensor"));
    tensorLine_->setPen(QPen(palette().color(QPalette::Highlight), 2));
    tensorLine_->setPointsVisible(true);
    modelLine_ = new QLineSeries;
    modelLine_->setName(tr("model"));
    modelLine_->setPen(QPen(QColor(44, 160, 44), 2));
    modelLine_->setPointsVisible(true);
    formats_ = new QScatterSeries;
    formats_->setName(tr("fp and block formats"));
    formats_->setMarkerSize(9);
    formats_->setColor(QColor(255, 127, 14));
    formats_->setBorderColor(QColor(255, 127, 14).darker(130));
    for (QAbstractSeries* series :
         std::initializer_list<QAbstractSeries*>{reference_, modelLine_, tensorLine_, formats_}) {
        chart->addSeries(series);
        series->attachAxis(bitsAxis_);
        series->attachAxis(sqnrAxis_);
    }
    setUpChartView(this, chart);
    clear();
}

void BitsSweepChart::clear()
{
    tensorPoints_.clear();
    modelPoints_.clear();
    for (QLineSeries* series : {tensorLine_, modelLine_, reference_})
        series->clear();
    formats_->clear();
    updateAxes();
}

void BitsSweepChart::setTensorPoints(const std::vector<SweepPoint>& points)
{
    tensorPoints_ = points;
    QList<QPointF> line, formats;
    std::optional<QPointF> eightBits;
    for (const SweepPoint& point : points) {
        if (!finite(point))
            continue; // a lossless point has no place on a decibel axis
        const QPointF at(point.bits, point.metrics.sqnrDb);
        if (point.family == SweepPoint::Family::Integer) {
            line.append(at);
            if (point.bits == 8)
                eightBits = at;
        } else {
            formats.append(at);
        }
    }
    tensorLine_->replace(line);
    formats_->replace(formats);
    if (eightBits)
        reference_->replace({{2.0, eightBits->y() - 6 * kDecibelsPerBit},
                             *eightBits,
                             {9.0, eightBits->y() + kDecibelsPerBit}});
    else
        reference_->clear();
    updateAxes();
}

void BitsSweepChart::setModelPoints(const std::vector<SweepPoint>& points)
{
    modelPoints_ = points;
    QList<QPointF> line;
    for (const SweepPoint& point : points)
        if (point.family == SweepPoint::Family::Integer && finite(point))
            line.append({point.bits, point.metrics.sqnrDb});
    modelLine_->replace(line);
    updateAxes();
}

void BitsSweepChart::updateAxes()
{
    double low = INFINITY, high = -INFINITY;
    for (const auto* points : {&tensorPoints_, &modelPoints_})
        for (const SweepPoint& point : *points)
            if (finite(point)) {
                low = std::min(low, point.metrics.sqnrDb);
                high = std::max(high, point.metrics.sqnrDb);
            }
    if (low > high)
        sqnrAxis_->setRange(0, 60);
    else
        sqnrAxis_->setRange(low - 3, high + 3);
    sqnrAxis_->applyNiceNumbers(); // ticks on round decibels
    // The model's entry is in the legend only when there is a model line.
    const bool showModel = !modelPoints_.empty();
    if (showModel != chart()->series().contains(modelLine_)) {
        if (showModel) {
            chart()->addSeries(modelLine_);
            modelLine_->attachAxis(bitsAxis_);
            modelLine_->attachAxis(sqnrAxis_);
        } else {
            chart()->removeSeries(modelLine_);
            modelLine_->setParent(this); // kept for later, and deleted with this view
        }
    }
    placeLabels();
}

QStringList BitsSweepChart::pointLabels() const
{
    QStringList texts;
    for (const QGraphicsSimpleTextItem* label : labels_)
        texts << label->text();
    return texts;
}

void BitsSweepChart::resizeEvent(QResizeEvent* event)
{
    QChartView::resizeEvent(event);
    placeLabels();
}

void BitsSweepChart::placeLabels()
{
    qDeleteAll(labels_);
    labels_.clear();
    // Points of about the same width and error (the two fp8 formats, say) would print
    // their names over each other: a label that meets one placed before moves down.
    QList<QRectF> placed;
    for (const SweepPoint& point : tensorPoints_) {
        if (point.family == SweepPoint::Family::Integer || !finite(point))
            continue;
        auto* label = new QGraphicsSimpleTextItem(QString::fromStdString(point.label), chart());
        label->setBrush(palette().color(QPalette::Text));
        const QPointF at = chart()->mapToPosition({point.bits, point.metrics.sqnrDb}, formats_);
        QRectF box =
            label->boundingRect().translated(at + QPointF(7, -label->boundingRect().height() / 2));
        const auto overlaps = [&] {
            return std::any_of(placed.begin(), placed.end(),
                               [&](const QRectF& other) { return other.intersects(box); });
        };
        while (overlaps())
            box.translate(0, box.height());
        label->setPos(box.topLeft());
        placed.append(box);
        labels_.append(label);
    }
}

} // namespace qs::ui
