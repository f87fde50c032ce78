#pragma once
// The "Bits sweep" tab: the chart for the selected tensor, computed in the background when
// the tab is shown (and again when the tensor or settings change), and the whole model's
// line on request. Stale computations are stopped, not just ignored.

#include "analysis/bits_sweep.h"

#include <QFutureWatcher>
#include <QWidget>
#include <atomic>
#include <memory>

class QCheckBox;
class QLabel;

namespace qs::ui {

class BitsSweepChart;

class BitsSweepView : public QWidget {
    Q_OBJECT

public:
    explicit BitsSweepView(QWidget* parent = nullptr);
    ~BitsSweepView() override;

    // What to sweep; computed now if the view is active, else when it becomes so.
    void setTarget(std::shared_ptr<const ModelFile> model, std::size_t index,
                   const QuantConfig& config);
    void clear();
    // The tab is on screen: work only then.
    void setActive(bool active);

    BitsSweepChart* chart() const { return chart_; }
    QCheckBox* wholeModelCheck() const { return wholeModel_; }

Q_SIGNALS:
    void tensorSweepReady();
    void modelSweepReady();

private:
    struct Outcome {
        std::uint64_t generation = 0;
        std::vector<SweepPoint> points;
        QString error;
    };
    void startTensorSweep();
    void startModelSweep();

    std::shared_ptr<const ModelFile> model_;
    std::size_t index_ = 0;
    QuantConfig config_;
    bool active_ = false;
    bool tensorDone_ = false; // the chart shows the current target's tensor sweep
    bool modelDone_ = false;
    std::uint64_t tensorGeneration_ = 0;
    std::uint64_t modelGeneration_ = 0; // changes with the model and settings only
    std::shared_ptr<std::atomic<std::uint64_t>> latestTensor_ =
        std::make_shared<std::atomic<std::uint64_t>>(0);
    std::shared_ptr<std::atomic<std::uint64_t>> latestModel_ =
        std::make_shared<std::atomic<std::uint64_t>>(0);
    QFutureWatcher<Outcome> tensorWatcher_;
    QFutureWatcher<Outcome> modelWatcher_;

    BitsSweepChart* chart_ = nullptr;
    QCheckBox* wholeModel_ = nullptr;
    QLabel* status_ = nullptr;
};

} // namespace qs::ui
