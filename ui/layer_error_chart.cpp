#include "layer_error_chart.h"

#include "chart_style.h"
#include "display_text.h"

#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QComboBox>
#include <QCursor>
#include <QHBoxLayout>
#include <QLabel>
#include <QLogValueAxis>
#include <QToolTip>
#include <QVBoxLayout>
#include <QValueAxis>
#include <algorithm>
#include <cmath>
#include <numeric>
#include <unordered_map>

namespace qs::ui {

namespace {
// Beyond this many bars the names under them cannot be read; hovering still names them.
constexpr int kMaxLabelledBars = 40;
// Beyond this SQNR a layer is as good as exact (float32 rounding itself is near 150 dB);
// drawing a near-exact layer at 700 dB would flatten every bar that matters.
constexpr double kSqnrCeilingDb = 100;
} // namespace

LayerErrorChart::LayerErrorChart(QWidget* parent)
    : QWidget(parent)
{
    metricCombo_ = new QComboBox;
    metricCombo_->addItems({tr("SQNR (dB)"), tr("MSE (log)")});
    orderCombo_ = new QComboBox;
    orderCombo_->addItems({tr("Model order"), tr("Worst first")});
    auto* chart = new QChart;
    chart->legend()->hide();
    chart->setTitle(tr("Error per tensor (worst tenth in red; click a bar to select)"));
    view_ = new QChartView;
    setUpChartView(view_, chart, QSize(360, 220));

    auto* controls = new QHBoxLayout;
    controls->addWidget(new QLabel(tr("Show")));
    controls->addWidget(metricCombo_);
    controls->addWidget(orderCombo_);
    controls->addStretch(1);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(controls);
    layout->addWidget(view_, 1);

    connect(metricCombo_, &QComboBox::currentIndexChanged, this,
            [this](int index) { setMetric(index == 0 ? Metric::Sqnr : Metric::Mse); });
    connect(orderCombo_, &QComboBox::currentIndexChanged, this,
            [this](int index) { setOrder(index == 0 ? Order::Model : Order::WorstFirst); });
}

void LayerErrorChart::setReport(std::shared_ptr<const ModelReport> report,
                                const std::vector<TensorInfo>& tensors)
{
    report_ = std::move(report);
    tensorCount_ = tensors.size();
    layerTensors_.clear();
    if (report_) {
        std::unordered_map<std::string, std::size_t> indexOf;
        for (std::size_t t = 0; t < tensors.size(); ++t)
            indexOf.emplace(tensors[t].name, t);
        for (const LayerReport& layer : report_->layers) {
            const auto found = indexOf.find(layer.name);
            layerTensors_.push_back(found == indexOf.end() ? tensors.size() : found->second);
        }
    }
    rebuild();
}

void LayerErrorChart::setMetric(Metric metric)
{
    metric_ = metric;
    metricCombo_->setCurrentIndex(metric == Metric::Sqnr ? 0 : 1);
    rebuild();
}

void LayerErrorChart::setOrder(Order order)
{
    order_ = order;
    orderCombo_->setCurrentIndex(order == Order::Model ? 0 : 1);
    rebuild();
}

void LayerErrorChart::rebuild()
{
    QChart* chart = view_->chart();
    chart->removeAllSeries(); // deletes them
    for (QAbstractAxis* axis : chart->axes())
        chart->removeAxis(axis), delete axis;
    series_ = nullptr;
    bars_ = nullptr;
    barTensors_.clear();
    barLayers_.clear();
    if (!report_ || report_->layers.empty())
        return;

    const auto& layers = report_->layers;
    const bool sqnr = metric_ == Metric::Sqnr;
    // A worse layer has the lower SQNR or the higher MSE.
    auto badness = [&](std::size_t i) {
        return sqnr ? -layers[i].metrics.sqnrDb : layers[i].metrics.mse;
    };
    std::vector<std::size_t> byBadness(layers.size());
    std::iota(byBadness.begin(), byBadness.end(), std::size_t{0});
    std::stable_sort(byBadness.begin(), byBadness.end(),
                     [&](std::size_t a, std::size_t b) { return badness(a) > badness(b); });
    const std::size_t worstCount = (layers.size() + 9) / 10;
    std::vector<bool> isWorst(layers.size(), false);
    for (std::size_t i = 0; i < worstCount; ++i)
        isWorst[byBadness[i]] = true;
    if (order_ == Order::WorstFirst) {
        barLayers_ = byBadness;
    } else {
        barLayers_.resize(layers.size());
        std::iota(barLayers_.begin(), barLayers_.end(), std::size_t{0});
    }

    // Exact layers (SQNR +Inf, MSE 0) still get a bar: at the top of the SQNR axis, at the
    // bottom of the MSE axis; the tooltip gives the true value. So do layers above the
    // ceiling.
    double finiteMax = 0, positiveMin = 0;
    for (const LayerReport& layer : layers) {
        if (std::isfinite(layer.metrics.sqnrDb))
            finiteMax = std::max(finiteMax, layer.metrics.sqnrDb);
        if (layer.metrics.mse > 0)
            positiveMin =
                positiveMin == 0 ? layer.metrics.mse : std::min(positiveMin, layer.metrics.mse);
    }
    const double mseFloor = positiveMin > 0 ? positiveMin / 10 : 1e-12;
    const bool capped = finiteMax > kSqnrCeilingDb;
    const double sqnrTop = std::min(finiteMax, kSqnrCeilingDb) + 10;

    bars_ = new QBarSet(sqnr ? tr("SQNR") : tr("MSE"));
    bars_->setColor(palette().color(QPalette::Highlight));
    bars_->setSelectedColor(QColor(214, 39, 40));
    QStringList names;
    for (std::size_t bar = 0; bar < barLayers_.size(); ++bar) {
        const LayerReport& layer = layers[barLayers_[bar]];
        const double value =
            sqnr ? std::min(layer.metrics.sqnrDb, sqnrTop) : std::max(layer.metrics.mse, mseFloor);
        bars_->append(value);
        if (isWorst[barLayers_[bar]])
            bars_->selectBar(static_cast<int>(bar));
        names << QString::fromStdString(layer.name);
        barTensors_.push_back(layerTensors_[barLayers_[bar]]);
    }
    series_ = new QBarSeries;
    series_->setBarWidth(0.9);
    series_->append(bars_);
    chart->addSeries(series_);

    auto* categories = new QBarCategoryAxis;
    categories->append(names);
    categories->setLabelsVisible(names.size() <= kMaxLabelledBars);
    categories->setLabelsAngle(-60);
    categories->setTitleText(tr("%n tensor(s)", nullptr, static_cast<int>(names.size())));
    chart->addAxis(categories, Qt::AlignBottom);
    series_->attachAxis(categories);
    if (sqnr) {
        auto* axis = new QValueAxis;
        axis->setRange(0, sqnrTop * 1.05);
        axis->setTitleText(capped ? tr("SQNR (dB, \u2264 %1)").arg(kSqnrCeilingDb)
                                  : tr("SQNR (dB)"));
        axis->setLabelFormat(QStringLiteral("%.0f"));
        chart->addAxis(axis, Qt::AlignLeft);
        series_->attachAxis(axis);
    } else {
        auto* axis = new QLogValueAxis;
        axis->setTitleText(tr("MSE"));
        axis->setLabelFormat(QStringLiteral("%.0e"));
        axis->setMinorTickCount(-1);
        chart->addAxis(axis, Qt::AlignLeft);
        series_->attachAxis(axis);
        double top = mseFloor;
        for (int i = 0; i < bars_->count(); ++i)
            top = std::max(top, bars_->at(i));
        axis->setRange(mseFloor, top * 2);
    }
    styleChart(chart, *view_); // the new axes, in the palette's colours

    connect(series_, &QBarSeries::clicked, this, [this](int index, QBarSet*) {
        if (index < 0 || static_cast<std::size_t>(index) >= barTensors_.size())
            return;
        const std::size_t tensor = barTensors_[static_cast<std::size_t>(index)];
        if (tensor < tensorCount_) // a report of another file names tensors not here
            Q_EMIT tensorSelected(tensor);
    });
    connect(series_, &QBarSeries::hovered, this, [this](bool status, int index, QBarSet*) {
        if (!status || index < 0 || static_cast<std::size_t>(index) >= barLayers_.size()) {
            QToolTip::hideText();
            return;
        }
        const LayerReport& layer = report_->layers[barLayers_[static_cast<std::size_t>(index)]];
        QToolTip::showText(QCursor::pos(),
                           tr("%1\nSQNR %2 dB, MSE %3")
                               .arg(QString::fromStdString(layer.name),
                                    decibelText(layer.metrics.sqnrDb),
                                    QString::number(layer.metrics.mse, 'e', 3)),
                           view_);
    });
}

} // namespace qs::ui
