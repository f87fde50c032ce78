#pragma once
// The selected tensor under the current settings: its value histogram with the clipping
// range and grid, the histogram of its quantization error, and its exact numbers. Computed
// off the GUI thread; a newer request makes an older result stale, and it is dropped.

#include "analysis/tensor_inspection.h"

#include <QFutureWatcher>
#include <QWidget>
#include <memory>
#include <optional>

class QCheckBox;
class QLabel;
class QSpinBox;

namespace qs::ui {

class HistogramChart;

class TensorInspector : public QWidget {
    Q_OBJECT

public:
    explicit TensorInspector(QWidget* parent = nullptr);
    ~TensorInspector() override;

    // Shows tensor `index` of `model` under `config` (recomputed in the background).
    void inspect(std::shared_ptr<const ModelFile> model, std::size_t index,
                 const QuantConfig& config);
    void clear();

    const std::optional<TensorInspection>& inspection() const { return inspection_; }
    HistogramChart* valueChart() const { return values_; }
    HistogramChart* errorChart() const { return errors_; }
    QLabel* detailsLabel() const { return details_; }
    QCheckBox* logCountCheck() const { return logCount_; }
    QSpinBox* binsSpin() const { return bins_; }

Q_SIGNALS:
    void inspectionReady();

private:
    struct Outcome {
        std::optional<TensorInspection> inspection;
        QString error;
    };
    void restart();
    void onFinished();
    void redraw();

    std::shared_ptr<const ModelFile> model_;
    std::size_t index_ = 0;
    QuantConfig config_;
    std::optional<TensorInspection> inspection_;
    QFutureWatcher<Outcome> watcher_;

    QLabel* title_ = nullptr;
    QLabel* details_ = nullptr;
    QCheckBox* logCount_ = nullptr;
    QSpinBox* bins_ = nullptr;
    HistogramChart* values_ = nullptr;
    HistogramChart* errors_ = nullptr;
};

} // namespace qs::ui
