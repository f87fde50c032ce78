#pragma once
// The selected tensor under the current settings: its value histogram with the clipping
// range (draggable), the grid and each calibration method's choice; the histogram of its
// quantization error; the per-channel view; the bits sweep; and its exact numbers. Computed off the
// GUI thread; while one computation runs, newer requests collapse into one that follows it, so a
// drag never queues up work, and results of older settings are never shown.

#include "analysis/calibration_marks.h"
#include "analysis/tensor_inspection.h"

#include <QFutureWatcher>
#include <QWidget>
#include <atomic>
#include <memory>
#include <optional>

class QCheckBox;
class QLabel;
class QPushButton;
class QSpinBox;
class QTabWidget;

namespace qs::ui {

class BitsSweepView;
class WalkthroughView;
class ChannelRangeChart;
class HistogramChart;

class TensorInspector : public QWidget {
    Q_OBJECT

public:
    explicit TensorInspector(QWidget* parent = nullptr);
    ~TensorInspector() override;

    // Shows tensor `index` of `model` under `config` (recomputed in the background); the
    // block shown and a dragged range are reset.
    void inspect(std::shared_ptr<const ModelFile> model, std::size_t index,
                 const QuantConfig& config);
    void clear();

    // Quantize with this clipping range (what dragging the lines does), or nullopt for the
    // calibrated one. Per-tensor granularity only.
    void setClip(std::optional<ClipRange> clip);
    // Draw only this block (channel or group), or nullopt for all of them.
    void setBlock(std::optional<std::uint64_t> block);

    const std::optional<TensorInspection>& inspection() const { return inspection_; }
    const std::vector<CalibrationMark>& marks() const { return marks_; }
    HistogramChart* valueChart() const { return values_; }
    HistogramChart* errorChart() const { return errors_; }
    ChannelRangeChart* channelChart() const { return channels_; }
    QTabWidget* viewTabs() const { return tabs_; } // error, per-channel and bits sweep
    BitsSweepView* sweepView() const { return sweep_; }
    WalkthroughView* walkthroughView() const { return walkthrough_; }
    QLabel* detailsLabel() const { return details_; }
    QCheckBox* logCountCheck() const { return logCount_; }
    QSpinBox* binsSpin() const { return bins_; }
    QSpinBox* blockSpin() const { return block_; }
    QPushButton* resetClipButton() const { return resetClip_; }

Q_SIGNALS:
    // A computation's result is shown (also each intermediate one during a drag).
    void inspectionReady();
    // The calibration marks of the current tensor and block are shown.
    void marksReady();

private:
    struct Request {
        std::uint64_t generation = 0; // bumped by every change but a dragged range
        std::size_t index = 0;
        QuantConfig config;
        InspectOptions options;
    };
    struct Outcome {
        Request request;
        std::optional<TensorInspection> inspection;
        QString error;
    };
    struct MarksOutcome {
        std::uint64_t generation = 0;
        std::vector<CalibrationMark> marks;
    };
    Request currentRequest() const;
    void changed(bool keepGeneration);
    void startInspection();
    void onFinished();
    void onMarksFinished();
    void redraw();
    void updateDetails();
    void updateBlockControls();

    std::shared_ptr<const ModelFile> model_;
    std::size_t index_ = 0;
    QuantConfig config_;
    std::optional<ClipRange> clip_;
    std::optional<std::uint64_t> shownBlock_;
    std::uint64_t generation_ = 0;
    // generation_, for the workers to see that their request is stale.
    std::shared_ptr<std::atomic<std::uint64_t>> latestGeneration_ =
        std::make_shared<std::atomic<std::uint64_t>>(0);
    bool pending_ = false; // a newer request waits for the running one
    std::optional<TensorInspection> inspection_;
    std::vector<CalibrationMark> marks_;
    std::uint64_t marksGeneration_ = 0; // of marks_, or of the computation under way
    QFutureWatcher<Outcome> watcher_;
    QFutureWatcher<MarksOutcome> marksWatcher_;

    QLabel* title_ = nullptr;
    QLabel* details_ = nullptr;
    QCheckBox* logCount_ = nullptr;
    QSpinBox* bins_ = nullptr;
    QLabel* blockLabel_ = nullptr;
    QSpinBox* block_ = nullptr;
    QPushButton* resetClip_ = nullptr;
    HistogramChart* values_ = nullptr;
    HistogramChart* errors_ = nullptr;
    ChannelRangeChart* channels_ = nullptr;
    BitsSweepView* sweep_ = nullptr;
    WalkthroughView* walkthrough_ = nullptr;
    QTabWidget* tabs_ = nullptr;
};

} // namespace qs::ui
