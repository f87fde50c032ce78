#pragma once
// The "Walk-through" tab: one weight of the selected tensor through quantization, each
// step with its numbers under the current settings (see qs::ElementSteps). The weight is
// chosen by its index, or by clicking in the weight histogram (the nearest value).

#include "analysis/element_steps.h"

#include <QFutureWatcher>
#include <QWidget>
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

    void setTarget(std::shared_ptr<const ModelFile> model, std::size_t index,
                   const QuantConfig& config);
    void clear();
    // The element nearest to `value` (a click in the histogram).
    void pickValue(double value);

    QSpinBox* elementSpin() const { return element_; }
    QLabel* stepsLabel() const { return steps_; }
    const std::optional<ElementSteps>& steps() const { return shown_; }

Q_SIGNALS:
    void stepsReady();

private:
    struct Outcome {
        std::uint64_t generation = 0;
        std::uint64_t element = 0;
        std::optional<ElementSteps> steps;
        QString error;
    };
    void start(std::optional<std::uint64_t> element, std::optional<double> value);
    void show(const Outcome& outcome);

    std::shared_ptr<const ModelFile> model_;
    std::size_t index_ = 0;
    QuantConfig config_;
    std::uint64_t generation_ = 0;
    std::optional<ElementSteps> shown_;
    QFutureWatcher<Outcome> watcher_;

    QSpinBox* element_ = nullptr;
    QLabel* position_ = nullptr;
    QLabel* steps_ = nullptr;
};

} // namespace qs::ui
