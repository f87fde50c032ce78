#pragma once
// One bar per analysed tensor: its SQNR (dB) or MSE (log axis), in model order or sorted
// from worst to best, the worst tenth highlighted (as selected bars). Clicking a bar picks
// that tensor; hovering one names it.

#include "analysis/model_analyzer.h"

#include <QChartView>
#include <memory>
#include <vector>

class QBarCategoryAxis;
class QBarSet;
class QComboBox;
class QBarSeries;

namespace qs::ui {

class LayerErrorChart : public QWidget {
    Q_OBJECT

public:
    enum class Metric { Sqnr, Mse };
    enum class Order { Model, WorstFirst };

    explicit LayerErrorChart(QWidget* parent = nullptr);

    // `tensors` are the file's, to map report layers back to tensor indices.
    void setReport(std::shared_ptr<const ModelReport> report,
                   const std::vector<TensorInfo>& tensors);
    void setMetric(Metric metric);
    void setOrder(Order order);

    // What is drawn, for tests: per bar, the tensor index, in bar order.
    const std::vector<std::size_t>& barTensors() const { return barTensors_; }
    QBarSeries* series() const { return series_; }
    QBarSet* bars() const { return bars_; }
    QChartView* chartView() const { return view_; }
    QComboBox* metricCombo() const { return metricCombo_; }
    QComboBox* orderCombo() const { return orderCombo_; }

Q_SIGNALS:
    void tensorSelected(std::size_t index);

private:
    void rebuild();

    std::shared_ptr<const ModelReport> report_;
    std::size_t tensorCount_ = 0;
    std::vector<std::size_t> layerTensors_; // per report layer, its tensor index (or count)
    std::vector<std::size_t> barTensors_;
    std::vector<std::size_t> barLayers_;
    Metric metric_ = Metric::Sqnr;
    Order order_ = Order::Model;

    QChartView* view_ = nullptr;
    QBarSeries* series_ = nullptr;
    QBarSet* bars_ = nullptr;
    QComboBox* metricCombo_ = nullptr;
    QComboBox* orderCombo_ = nullptr;
};

} // namespace qs::ui
