#pragma once
// A/B per layer: one bar per tensor analysed under both configurations, the SQNR of the
// second minus the first, green where the second is better and red where it is worse.
// Clicking a bar picks that tensor.

#include "analysis/config_comparison.h"

#include <QChartView>
#include <vector>

class QBarSet;
class QValueAxis;

namespace qs::ui {

class LayerDeltaChart : public QChartView {
    Q_OBJECT

public:
    explicit LayerDeltaChart(QWidget* parent = nullptr);

    // `tensors` are the file's, to name each bar's tensor index.
    void setComparison(const ModelReport& first, const ConfigComparison& vs,
                       const std::vector<TensorInfo>& tensors);
    void clear();

    // For tests: per bar its tensor and its drawn delta (infinite ones held at the axis end).
    const std::vector<std::size_t>& barTensors() const { return barTensors_; }
    const std::vector<double>& barDeltas() const { return barDeltas_; }
    QValueAxis* deltaAxis() const { return deltaAxis_; }

Q_SIGNALS:
    void tensorSelected(std::size_t index);

private:
    QBarSet* better_ = nullptr;
    QBarSet* worse_ = nullptr;
    QValueAxis* deltaAxis_ = nullptr;
    std::vector<std::size_t> barTensors_;
    std::vector<double> barDeltas_;
};

} // namespace qs::ui
