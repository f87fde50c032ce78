#pragma once
// The Formats & plan dock: every format option measured on every tensor (on request, in
// the background: it is one analysis per option), drawn as bits per weight against SQNR
// for the whole model or the selected tensor with the Pareto front, and the exact
// mixed-precision plan for a budget set with a spin box: its point on the chart, its
// numbers, its choice per tensor, and its export as JSON or llama-quantize lines.

#include "analysis/format_options.h"
#include "analysis/mixed_precision.h"

#include <QFutureWatcher>
#include <QWidget>
#include <atomic>
#include <memory>
#include <optional>

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QTableWidget;

namespace qs::ui {

class ParetoChart;

class PlanPanel : public QWidget {
    Q_OBJECT

public:
    explicit PlanPanel(QWidget* parent = nullptr);
    ~PlanPanel() override;

    // The model and the window's configuration (its scheme, calibration and convention
    // apply to the integer options). Either change drops the measurements.
    void setModel(std::shared_ptr<const ModelFile> model);
    void setBaseConfig(const QuantConfig& config);
    void showTensor(std::size_t index);

    // Starts measuring every option (the Measure button).
    void measure();
    // Written whole or not at all; false (and `error` set) when the file cannot be written
    // or the plan cannot be said that way.
    bool savePlanJson(const QString& path, QString* error = nullptr) const;
    bool saveLlamaTypes(const QString& path, QString* error = nullptr) const;

    // The measurements (null until measured) and the plan for the current budget (planned
    // in the background: planChanged() says when it is in).
    const FormatTable* table() const { return table_.get(); }
    const std::optional<MixedPlan>& plan() const { return plan_; }
    double budgetBitsPerWeight() const;
    QDoubleSpinBox* budgetSpin() const { return budget_; }
    QComboBox* scopeCombo() const { return scope_; }
    QPushButton* measureButton() const { return measureButton_; }
    ParetoChart* chart() const { return chart_; }
    QLabel* summary() const { return summary_; }
    QTableWidget* choices() const { return choices_; }

Q_SIGNALS:
    void measured();
    void planChanged();
    void tensorSelected(std::size_t index);

private:
    void invalidate(const QString& why);
    void onMeasured();
    void replan();
    void onPlanned();
    void redraw();
    void exportWithDialog(bool json);

    std::shared_ptr<const ModelFile> model_;
    QuantConfig base_;
    std::optional<std::size_t> tensor_;
    std::shared_ptr<const FormatTable> table_;
    std::optional<MixedPlan> plan_;
    struct PlanOutcome {
        std::uint64_t generation = 0;
        std::optional<MixedPlan> plan;
        QString error;
    };
    std::uint64_t planGeneration_ = 0;
    std::shared_ptr<std::atomic<bool>> planCancel_;
    QFutureWatcher<PlanOutcome> planWatcher_;
    QString planError_;
    std::shared_ptr<std::atomic<bool>> cancel_;
    std::shared_ptr<std::atomic<int>> progress_;
    QFutureWatcher<std::optional<FormatTable>> watcher_;

    QPushButton* measureButton_ = nullptr;
    QProgressBar* progressBar_ = nullptr;
    QDoubleSpinBox* budget_ = nullptr;
    QComboBox* scope_ = nullptr;
    ParetoChart* chart_ = nullptr;
    QLabel* summary_ = nullptr;
    QTableWidget* choices_ = nullptr;
    QPushButton* saveJson_ = nullptr;
    QPushButton* saveLlama_ = nullptr;
};

} // namespace qs::ui
