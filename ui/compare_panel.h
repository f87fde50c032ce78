#pragma once
// The A/B dock: a second configuration (B) beside the window's (A) on the same model. B
// has its own settings and its own background analysis; the dock shows both summaries
// with their bits per weight, the per-layer SQNR difference, and the selected tensor's
// weight histogram under A and under B side by side on one value axis.
// It works only while shown: a hidden dock costs nothing, and catches up when opened.

#include "analysis/config_comparison.h"
#include "analysis/tensor_inspection.h"

#include <QFutureWatcher>
#include <QWidget>
#include <atomic>
#include <memory>
#include <optional>

class QComboBox;
class QLabel;

namespace qs::ui {

class AnalysisRunner;
class HistogramChart;
class LayerDeltaChart;
class SettingsPanel;

class ComparePanel : public QWidget {
    Q_OBJECT

public:
    explicit ComparePanel(QWidget* parent = nullptr);
    ~ComparePanel() override;

    // The window's model, its configuration A and (when finished) A's report.
    void setModel(std::shared_ptr<const ModelFile> model);
    void setFirst(const QuantConfig& config, std::shared_ptr<const ModelReport> report);
    // Draws this tensor under A and B.
    void showTensor(std::size_t index);

    SettingsPanel* secondSettings() const { return settings_; }
    AnalysisRunner* secondRunner() const { return runner_; }
    LayerDeltaChart* deltaChart() const { return delta_; }
    HistogramChart* firstHistogram() const { return firstHistogram_; }
    HistogramChart* secondHistogram() const { return secondHistogram_; }
    QLabel* summary() const { return summary_; }
    // Which histogram the two charts show: the weights with range and grid, or the error.
    QComboBox* histogramChoice() const { return histogramChoice_; }
    // The pairing of A's report with B's, once both are in.
    const std::optional<ConfigComparison>& comparison() const { return comparison_; }

Q_SIGNALS:
    void tensorSelected(std::size_t index);
    void comparisonReady();
    void histogramsShown();

protected:
    void showEvent(QShowEvent* event) override;

private:
    struct Inspections {
        std::uint64_t generation = 0;
        std::optional<TensorInspection> first;
        std::optional<TensorInspection> second;
        QString error;
    };

    void analyseSecond();
    void onSecondReady(std::shared_ptr<const ModelReport> report);
    void pair();
    void inspect();
    void onInspected();
    void drawHistograms();
    void showSummary();

    SettingsPanel* settings_ = nullptr;
    AnalysisRunner* runner_ = nullptr;
    LayerDeltaChart* delta_ = nullptr;
    HistogramChart* firstHistogram_ = nullptr;
    HistogramChart* secondHistogram_ = nullptr;
    QLabel* summary_ = nullptr;
    QComboBox* histogramChoice_ = nullptr;

    std::shared_ptr<const ModelFile> model_;
    QuantConfig firstConfig_;
    std::shared_ptr<const ModelReport> first_;
    std::shared_ptr<const ModelReport> second_;
    std::optional<ConfigComparison> comparison_;
    bool secondStale_ = true; // B's report does not belong to the current model/settings
    std::optional<std::size_t> tensor_;
    std::uint64_t generation_ = 0;
    QFutureWatcher<Inspections> watcher_;
    std::shared_ptr<std::atomic<bool>> inspectionCancel_; // of the inspection under way
    std::optional<std::pair<TensorInspection, TensorInspection>> shown_;
};

} // namespace qs::ui
