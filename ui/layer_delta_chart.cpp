#include "layer_delta_chart.h"

#include "chart_style.h"

#include <QBarCategoryAxis>
#include <QBarSet>
#include <QLegend>
#include <QStackedBarSeries>
#include <QValueAxis>
#include <algorithm>
#include <cmath>
#include <unordered_map>

namespace qs::ui {

LayerDeltaChart::LayerDeltaChart(QWidget* parent)
    : QChartView(parent)
{
    auto* chart = new QChart;
    chart->setTitle(tr("SQNR of B minus A, per tensor (dB)"));
    chart->setMargins(QMargins(4, 4, 4, 4));
    // Two sets stacked on one series: each bar is in exactly one of them, so it takes that
    // set's colour.
    better_ = new QBarSet(tr("B better"));
    better_->setColor(QColor(44, 160, 44));
    worse_ = new QBarSet(tr("B worse"));
    worse_->setColor(QColor(214, 39, 40));
    auto* series = new QStackedBarSeries;
    series->setBarWidth(0.9);
    series->append({better_, worse_});
    chart->addSeries(series);
    auto* categories = new QBarCategoryAxis;
    categories->setLabelsVisible(false);
    chart->addAxis(categories, Qt::AlignBottom);
    series->attachAxis(categories);
    deltaAxis_ = new QValueAxis;
    deltaAxis_->setTitleText(tr("\u0394 SQNR (dB)"));
    deltaAxis_->setLabelFormat(QStringLiteral("%.3g"));
    chart->addAxis(deltaAxis_, Qt::AlignLeft);
    series->attachAxis(deltaAxis_);
    setUpChartView(this, chart, QSize(320, 200));
    auto pick = [this](int bar, QBarSet*) {
        if (bar >= 0 && std::size_t(bar) < barTensors_.size())
            Q_EMIT tensorSelected(barTensors_[std::size_t(bar)]);
    };
    connect(series, &QStackedBarSeries::clicked, this, pick);
}

void LayerDeltaChart::clear()
{
    better_->remove(0, better_->count());
    worse_->remove(0, worse_->count());
    barTensors_.clear();
    barDeltas_.clear();
    if (auto* categories = qobject_cast<QBarCategoryAxis*>(chart()->axes(Qt::Horizontal).value(0)))
        categories->clear();
}

void LayerDeltaChart::setComparison(const ModelReport& first, const ConfigComparison& vs,
                                    const std::vector<TensorInfo>& tensors)
{
    clear();
    std::unordered_map<std::string, std::size_t> indexOf;
    for (std::size_t i = 0; i < tensors.size(); ++i)
        indexOf.emplace(tensors[i].name, i);
    std::vector<double> deltas;
    QStringList names;
    double finiteExtent = 1;
    for (std::size_t layer = 0; layer < first.layers.size(); ++layer) {
        const auto& paired = vs.otherLayer[layer];
        const auto found = indexOf.find(first.layers[layer].name);
        if (!paired || found == indexOf.end())
            continue;
        double delta = sqnrDeltaDb(first.layers[layer].metrics, vs.other.layers[*paired].metrics);
        if (std::isnan(delta))
            delta = 0;
        if (std::isfinite(delta))
            finiteExtent = std::max(finiteExtent, std::abs(delta));
        deltas.push_back(delta);
        barTensors_.push_back(found->second);
        names << QString::fromStdString(first.layers[layer].name);
    }
    // A layer exact under one configuration only differs by an infinite amount: drawn at the
    // axis end, like the layer chart's exact layers.
    const double end = finiteExtent * 1.1;
    QList<qreal> better, worse;
    for (double delta : deltas) {
        const double drawn = std::clamp(delta, -end, end);
        barDeltas_.push_back(drawn);
        better << (drawn > 0 ? drawn : 0.0);
        worse << (drawn < 0 ? drawn : 0.0);
    }
    better_->append(better);
    worse_->append(worse);
    if (auto* categories = qobject_cast<QBarCategoryAxis*>(chart()->axes(Qt::Horizontal).value(0)))
        categories->append(names);
    const bool anyBetter =
        std::any_of(deltas.begin(), deltas.end(), [](double d) { return d > 0; });
    const bool anyWorse = std::any_of(deltas.begin(), deltas.end(), [](double d) { return d < 0; });
    setRangeWithRoundTicks(deltaAxis_, anyWorse ? -end * 1.05 : 0.0, anyBetter ? end * 1.05 : 1.0);
    styleChart(chart(), *this);
}

} // namespace qs::ui
