#include "conventions_panel.h"

#include "analysis/float_values.h"
#include "common/error.h"
#include "display_text.h"

#include <QHeaderView>
#include <QLabel>
#include <QTableWidget>
#include <QVBoxLayout>
#include <QtConcurrent>

namespace qs::ui {

ConventionsPanel::ConventionsPanel(QWidget* parent)
    : QWidget(parent)
{
    heading_ = new QLabel(tr("Select a tensor to see it under every framework's arithmetic."));
    heading_->setWordWrap(true);
    heading_->setTextFormat(Qt::RichText);
    table_ = new QTableWidget(0, Rules + 1);
    table_->setHorizontalHeaderLabels({tr("Convention"), tr("Weights restored differently"),
                                       tr("Share"), tr("Max |\u0394x\u0302|"), tr("Max steps"),
                                       tr("SQNR dB"), tr("First scale"), tr("Zero point"),
                                       tr("What sets it apart")});
    table_->horizontalHeaderItem(MaxSteps)->setToolTip(
        tr("The largest difference in steps of the chosen convention's block scale: 1 is one "
           "code apart"));
    table_->horizontalHeader()->setStretchLastSection(true);
    table_->verticalHeader()->hide();
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(heading_);
    layout->addWidget(table_, 1);
    connect(&watcher_, &QFutureWatcher<Result>::finished, this, &ConventionsPanel::onCompared);
}

ConventionsPanel::~ConventionsPanel()
{
    if (cancelRunning_)
        *cancelRunning_ = true;
    watcher_.disconnect(this);
    watcher_.waitForFinished();
}

void ConventionsPanel::setModel(std::shared_ptr<const ModelFile> model)
{
    // A comparison of the old model must neither finish nor be shown.
    if (cancelRunning_)
        *cancelRunning_ = true;
    ++generation_;
    stale_ = true;
    model_ = std::move(model);
    tensor_.reset();
    outcomes_.clear();
    table_->setRowCount(0);
    heading_->setText(tr("Select a tensor to see it under every framework's arithmetic."));
}

void ConventionsPanel::setConfig(const QuantConfig& config)
{
    config_ = config;
    stale_ = true;
    compare();
}

void ConventionsPanel::showTensor(std::size_t index)
{
    if (tensor_ == index)
        return;
    tensor_ = index;
    stale_ = true;
    compare();
}

void ConventionsPanel::showEvent(QShowEvent* event)
{
    QWidget::showEvent(event);
    compare();
}

void ConventionsPanel::compare()
{
    if (!model_ || !config_ || !tensor_ || !isVisible() || !stale_)
        return;
    stale_ = false;
    if (cancelRunning_)
        *cancelRunning_ = true; // superseded: stop it between blocks
    auto cancel = std::make_shared<std::atomic<bool>>(false);
    cancelRunning_ = cancel;
    const std::uint64_t generation = ++generation_;
    const TensorInfo& info = model_->tensors().at(*tensor_);
    heading_->setText(tr("Comparing <b>%1</b> under every convention\u2026")
                          .arg(QString::fromStdString(info.name).toHtmlEscaped()));
    watcher_.setFuture(QtConcurrent::run([model = model_, index = *tensor_, config = *config_,
                                          generation, cancel] {
        Result result;
        result.generation = generation;
        try {
            const TensorInfo& info = model->tensors().at(index);
            if (!isFloat(info.dtype))
                throw UsageError("not a floating-point tensor");
            withFloatValues(*model, index, [&](std::span<const float> values) {
                result.outcomes =
                    compareConventions(values, info.shape, config, [&cancel] { return !*cancel; });
            });
        } catch (const CancelledError&) {
            result.error.clear();
        } catch (const std::exception& error) {
            result.error = QString::fromStdString(error.what());
        }
        return result;
    }));
}

void ConventionsPanel::onCompared()
{
    const Result result = watcher_.result();
    if (result.generation != generation_ || !model_ || !tensor_)
        return; // a newer request is under way, or another model is open
    outcomes_ = result.outcomes;
    if (!result.error.isEmpty()) {
        table_->setRowCount(0);
        heading_->setText(tr("No comparison: %1").arg(result.error.toHtmlEscaped()));
        return;
    }
    fill();
    Q_EMIT comparisonShown();
}

void ConventionsPanel::fill()
{
    const TensorInfo& info = model_->tensors().at(*tensor_);
    const Convention chosen = config_->convention;
    std::uint64_t compared = 0;
    for (const ConventionOutcome& outcome : outcomes_)
        compared = std::max(compared, outcome.compared);
    heading_->setText(
        tr("<b>%1</b>, %2 weights, against <b>%3</b>: each row quantizes the same weights with "
           "another framework's grid, scale rule, rounding and scale storage.")
            .arg(QString::fromStdString(info.name).toHtmlEscaped())
            .arg(compared)
            .arg(QString::fromStdString(toString(chosen))));
    table_->setRowCount(static_cast<int>(outcomes_.size()));
    const QColor differs(255, 236, 200);
    for (int row = 0; row < table_->rowCount(); ++row) {
        const ConventionOutcome& o = outcomes_[static_cast<std::size_t>(row)];
        QString name = QString::fromStdString(toString(o.convention));
        if (o.convention == chosen)
            name += tr(" (chosen)");
        const bool applies = o.notApplicable.empty();
        const auto number = [](double value, int digits) {
            return QString::number(value, 'g', digits);
        };
        const QStringList cells{name,
                                applies ? QString::number(o.differing) : QStringLiteral("\u2014"),
                                applies ? QString::number(100.0 * o.differingShare(), 'f', 3) +
                                              QStringLiteral(" %")
                                        : QString(),
                                applies ? number(o.maxAbsDifference, 3) : QString(),
                                applies ? number(o.maxStepDifference, 3) : QString(),
                                applies ? decibelText(o.metrics().sqnrDb) : QString(),
                                applies ? number(o.firstScale, 7) : QString(),
                                applies ? QString::number(o.firstZeroPoint) : QString(),
                                applies ? QString::fromStdString(conventionRules(o.convention))
                                        : QString::fromStdString(o.notApplicable)};
        for (int column = 0; column < cells.size(); ++column) {
            auto* item = new QTableWidgetItem(cells[column]);
            if (column != Name && column != Rules)
                item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            if (applies && o.differing > 0)
                item->setBackground(differs);
            if (!applies)
                item->setForeground(palette().color(QPalette::Disabled, QPalette::Text));
            table_->setItem(row, column, item);
        }
    }
    table_->resizeColumnsToContents();
}

} // namespace qs::ui
