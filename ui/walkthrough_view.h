#pragma once
// The "Walk-through" tab: one weight of the selected tensor through quantization, each
// step with its numbers under the current settings (see qs::ElementSteps). The weight is
// chosen by its index, or by clicking in the weight histogram (the nearest value). One job
// runs at a time; requests made meanwhile collapse into one that follows it, and the job
// under way stops, so holding a spin-box arrow never queues work.

#include "analysis/element_steps.h"

#include <QFutureWatcher>
#include <QWidget>
#include <atomic>
#include <memory>
#include <optional>

class QLabel;
class QSpinBox;

namespace qs::ui {

class WalkthroughView : public QWidget {
    Q_OBJECT

public:
    explicit WalkthroughView(QWidget* parent = nullptr);
    ~WalkthroughView() override;

    // `clip`: the dragged range the tensor is shown with, if any.
    void setTarget(std::shared_ptr<const ModelFile> model, std::size_t index,
                   const QuantConfig& config, std::optional<ClipRange> clip = std::nullopt);
    void clear();
    // The element nearest to `value` (a click in the histogram).
    void pickValue(double value);

    QSpinBox* elementSpin() const { return element_; }
    QLabel* stepsLabel() const { return steps_; }
    const std::optional<ElementSteps>& steps() const { return shown_; }

Q_SIGNALS:
    void stepsReady();

private:
    struct Request {
        std::uint64_t generation = 0;
        std::optional<std::uint64_t> element;
        std::optional<double> value;
    };
    struct Outcome {
        std::uint64_t generation = 0;
        std::uint64_t element = 0;
        std::optional<ElementSteps> steps;
        QString error;
    };
    void start(std::optional<std::uint64_t> element, std::optional<double> value);
    void run(const Request& request);
    void onFinished();
    void showOutcome(const Outcome& outcome);

    std::shared_ptr<const ModelFile> model_;
    std::size_t index_ = 0;
    QuantConfig config_;
    std::optional<ClipRange> clip_;
    std::uint64_t generation_ = 0;
    // generation_, for a worker to see that it is stale and stop quantizing.
    std::shared_ptr<std::atomic<std::uint64_t>> latest_ =
        std::make_shared<std::atomic<std::uint64_t>>(0);
    std::optional<Request> pending_; // asked for while a job ran: the next to run
    std::optional<ElementSteps> shown_;
    QFutureWatcher<Outcome> watcher_;

    QSpinBox* element_ = nullptr;
    QLabel* position_ = nullptr;
    QLabel* steps_ = nullptr;
};

} // namespace qs::ui
