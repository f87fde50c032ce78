#include "pareto_chart.h"

#include "chart_style.h"

#include <QCursor>
#include <QLegend>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QScatterSeries>
#include <QToolTip>
#include <QValueAxis>
#include <algorithm>
#include <cmath>

namespace qs::ui {

ParetoChart::ParetoChart(QWidget* parent)
    : QChartView(parent)
{
    auto* chart = new QChart;
    chart->setMargins(QMargins(4, 4, 4, 4));
    options_ = new QScatterSeries;
    options_->setName(tr("option"));
    options_->setMarkerSize(8);
    options_->setColor(QColor(31, 119, 180));
    options_->setBorderColor(QColor(31, 119, 180));
    front_ = new QLineSeries;
    front_->setName(tr("Pareto front"));
    front_->setPen(QPen(QColor(255, 127, 14), 2));
    plan_ = new QScatterSeries;
    plan_->setName(tr("mixed-precision plan"));
    plan_->setMarkerShape(QScatterSeries::MarkerShapeStar);
    plan_->setMarkerSize(18);
    plan_->setColor(QColor(214, 39, 40));
    plan_->setBorderColor(QColor(214, 39, 40));
    for (QXYSeries* series : std::initializer_list<QXYSeries*>{front_, options_, plan_})
        chart->addSeries(series);
    bitsAxis_ = new QLogValueAxis;
    bitsAxis_->setBase(2);
    bitsAxis_->setLabelFormat(QStringLiteral("%g"));
    bitsAxis_->setTitleText(tr("bits per weight (scales included)"));
    sqnrAxis_ = new QValueAxis;
    sqnrAxis_->setTitleText(tr("SQNR (dB)"));
    sqnrAxis_->setLabelFormat(QStringLiteral("%.0f"));
    chart->addAxis(bitsAxis_, Qt::AlignBottom);
    chart->addAxis(sqnrAxis_, Qt::AlignLeft);
    for (QXYSeries* series : std::initializer_list<QXYSeries*>{front_, options_, plan_}) {
        series->attachAxis(bitsAxis_);
        series->attachAxis(sqnrAxis_);
    }
    chart->legend()->setAlignment(Qt::AlignBottom);
    setUpChartView(this, chart, QSize(360, 260));
    auto hover = [this](QScatterSeries* series) {
        connect(series, &QScatterSeries::hovered, this, [this, series](const QPointF& at, bool on) {
            if (!on)
                return;
            const auto points = series->points();
            for (int i = 0; i < points.size(); ++i)
                if (points[i] == at) {
                    const QString label = series == plan_ ? tr("the plan") : labels_.value(i);
                    QToolTip::showText(QCursor::pos(),
                                       tr("%1: %2 bits per weight, %3 dB")
                                           .arg(label)
                                           .arg(at.x(), 0, 'f', 3)
                                           .arg(at.y(), 0, 'f', 2),
                                       this);
                    return;
                }
        });
    };
    hover(options_);
    hover(plan_);
}

void ParetoChart::clear()
{
    options_->clear();
    front_->clear();
    plan_->clear();
    labels_.clear();
}

void ParetoChart::setPoints(const QString& title, const std::vector<Point>& points,
                            std::optional<Point> plan)
{
    clear();
    chart()->setTitle(title);
    double finiteTop = 0, lowest = 0, fewest = 32, most = 1;
    for (const Point& p : points) {
        if (std::isfinite(p.sqnrDb))
            finiteTop = std::max(finiteTop, p.sqnrDb), lowest = std::min(lowest, p.sqnrDb);
        fewest = std::min(fewest, p.bitsPerWeight);
        most = std::max(most, p.bitsPerWeight);
    }
    if (plan) {
        if (std::isfinite(plan->sqnrDb))
            finiteTop = std::max(finiteTop, plan->sqnrDb);
        fewest = std::min(fewest, plan->bitsPerWeight);
        most = std::max(most, plan->bitsPerWeight);
    }
    // Lossless options (as stored) sit at the top edge, as in the layer chart.
    const double top = finiteTop + 10;
    const auto y = [top](double sqnr) {
        return std::isfinite(sqnr) ? sqnr : top;
    };
    std::vector<QPointF> frontPoints;
    for (const Point& p : points) {
        options_->append(p.bitsPerWeight, y(p.sqnrDb));
        labels_ << p.label;
        if (p.onFront)
            frontPoints.emplace_back(p.bitsPerWeight, y(p.sqnrDb));
    }
    std::sort(frontPoints.begin(), frontPoints.end(),
              [](const QPointF& a, const QPointF& b) { return a.x() < b.x(); });
    for (const QPointF& p : frontPoints)
        front_->append(p);
    if (plan)
        plan_->append(plan->bitsPerWeight, y(plan->sqnrDb));
    bitsAxis_->setRange(std::max(0.5, fewest / 1.25), most * 1.25);
    setRangeWithRoundTicks(sqnrAxis_, std::min(0.0, lowest), top * 1.05);
    styleChart(chart(), *this);
}

} // namespace qs::ui
