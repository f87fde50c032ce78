#pragma once
// The Conventions dock: the selected tensor under the window's settings with every
// framework's integer arithmetic (spec §8), one row each — how many weights each restores
// to a different value than the chosen convention, by how much, and its SQNR. The answer
// to "why does my simulation not match the deployed model".
// It computes only while shown, in the background; a newer request cancels an older one.

#include "analysis/convention_comparison.h"
#include "formats/model_file.h"

#include <QFutureWatcher>
#include <QWidget>
#include <atomic>
#include <memory>
#include <optional>

class QLabel;
class QTableWidget;

namespace qs::ui {

class ConventionsPanel : public QWidget {
    Q_OBJECT

public:
    explicit ConventionsPanel(QWidget* parent = nullptr);
    ~ConventionsPanel() override;

    void setModel(std::shared_ptr<const ModelFile> model);
    void setConfig(const QuantConfig& config);
    void showTensor(std::size_t index);

    QTableWidget* table() const { return table_; }
    QLabel* heading() const { return heading_; }
    // The rows shown, in kAllConventions order, once computed.
    const std::vector<ConventionOutcome>& outcomes() const { return outcomes_; }

    enum Column { Name, Differing, Share, MaxDifference, MaxSteps, Sqnr, Scale, Zero, Rules };

Q_SIGNALS:
    void comparisonShown();

protected:
    void showEvent(QShowEvent* event) override;

private:
    struct Result {
        std::uint64_t generation = 0;
        std::vector<ConventionOutcome> outcomes;
        QString error;
    };
    void compare();
    void onCompared();
    void fill();

    QLabel* heading_ = nullptr;
    QTableWidget* table_ = nullptr;
    std::shared_ptr<const ModelFile> model_;
    std::optional<QuantConfig> config_;
    std::optional<std::size_t> tensor_;
    std::uint64_t generation_ = 0;
    std::shared_ptr<std::atomic<bool>> cancelRunning_;
    QFutureWatcher<Result> watcher_;
    std::vector<ConventionOutcome> outcomes_;
    bool stale_ = true;
};

} // namespace qs::ui
