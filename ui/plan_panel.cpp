#include "plan_panel.h"

#include "common/error.h"
#include "display_text.h"
#include "pareto_chart.h"
#include "report/plan_report.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QSaveFile>
#include <QSplitter>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>
#include <QtConcurrent>
#include <sstream>

namespace qs::ui {

namespace {
bool saveText(const QString& path, const std::string& text, QString* error)
{
    QSaveFile file(path);
    if (file.open(QIODevice::WriteOnly) &&
        file.write(text.data(), qint64(text.size())) == qint64(text.size()) && file.commit())
        return true;
    if (error)
        *error = QStringLiteral("%1: %2").arg(path, file.errorString());
    return false;
}
} // namespace

PlanPanel::PlanPanel(QWidget* parent)
    : QWidget(parent)
{
    measureButton_ = new QPushButton(tr("Measure every option"));
    measureButton_->setToolTip(tr("Analyse the model once per format option: as stored, fp16, "
                                  "bf16, int2\u2013int8 per channel and in groups, fp8, fp4 "
                                  "and the block presets"));
    progressBar_ = new QProgressBar;
    progressBar_->setTextVisible(false);
    progressBar_->setMaximumWidth(160);
    progressBar_->hide();
    budget_ = new QDoubleSpinBox;
    budget_->setRange(1.0, 32.0);
    budget_->setDecimals(2);
    budget_->setSingleStep(0.25);
    budget_->setValue(4.5);
    budget_->setSuffix(tr(" bits/weight"));
    scope_ = new QComboBox;
    scope_->addItems({tr("Whole model"), tr("Selected tensor")});
    chart_ = new ParetoChart;
    summary_ = new QLabel;
    summary_->setWordWrap(true);
    summary_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    choices_ = new QTableWidget(0, 4);
    choices_->setHorizontalHeaderLabels({tr("Tensor"), tr("Option"), tr("Bits/w"), tr("SQNR dB")});
    choices_->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    choices_->verticalHeader()->hide();
    choices_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    choices_->setSelectionBehavior(QAbstractItemView::SelectRows);
    saveJson_ = new QPushButton(tr("Save Plan as JSON\u2026"));
    saveLlama_ = new QPushButton(tr("Save llama-quantize List\u2026"));

    auto* controls = new QHBoxLayout;
    controls->addWidget(measureButton_);
    controls->addWidget(progressBar_);
    controls->addSpacing(12);
    controls->addWidget(new QLabel(tr("Budget")));
    controls->addWidget(budget_);
    controls->addWidget(new QLabel(tr("Chart")));
    controls->addWidget(scope_);
    controls->addStretch(1);
    auto* planBox = new QWidget;
    auto* planLayout = new QVBoxLayout(planBox);
    planLayout->setContentsMargins(0, 0, 0, 0);
    planLayout->addWidget(summary_);
    planLayout->addWidget(choices_, 1);
    auto* exports = new QHBoxLayout;
    exports->addWidget(saveJson_);
    exports->addWidget(saveLlama_);
    exports->addStretch(1);
    planLayout->addLayout(exports);
    auto* split = new QSplitter(Qt::Horizontal);
    split->addWidget(chart_);
    split->addWidget(planBox);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(controls);
    layout->addWidget(split, 1);

    connect(measureButton_, &QPushButton::clicked, this, &PlanPanel::measure);
    connect(budget_, &QDoubleSpinBox::valueChanged, this, &PlanPanel::replan);
    connect(scope_, &QComboBox::currentIndexChanged, this, &PlanPanel::redraw);
    connect(&watcher_, &QFutureWatcher<std::optional<FormatTable>>::finished, this,
            &PlanPanel::onMeasured);
    connect(&planWatcher_, &QFutureWatcher<PlanOutcome>::finished, this, &PlanPanel::onPlanned);
    budget_->setKeyboardTracking(false); // plan when the number is complete, not per digit
    connect(choices_, &QTableWidget::cellDoubleClicked, this, [this](int row, int) {
        if (!model_ || !table_)
            return;
        const auto& tensors = model_->tensors();
        for (std::size_t i = 0; i < tensors.size(); ++i)
            if (tensors[i].name == table_->layers[std::size_t(row)])
                Q_EMIT tensorSelected(i);
    });
    connect(saveJson_, &QPushButton::clicked, this, [this] { exportWithDialog(true); });
    connect(saveLlama_, &QPushButton::clicked, this, [this] { exportWithDialog(false); });
    invalidate(tr("Open a model, then measure every option to see bits against error and plan "
                  "a mixed precision."));
}

PlanPanel::~PlanPanel()
{
    if (cancel_)
        cancel_->store(true);
    if (planCancel_)
        planCancel_->store(true);
    watcher_.disconnect(this);
    planWatcher_.disconnect(this);
}

void PlanPanel::invalidate(const QString& why)
{
    if (cancel_)
        cancel_->store(true); // a measurement under way belongs to the old model or settings
    table_.reset();
    plan_.reset();
    ++planGeneration_; // a plan under way is for the old measurements
    if (planCancel_)
        planCancel_->store(true);
    chart_->clear();
    choices_->setRowCount(0);
    summary_->setText(why);
    measureButton_->setEnabled(model_ != nullptr);
    progressBar_->hide();
    saveJson_->setEnabled(false);
    saveLlama_->setEnabled(false);
}

void PlanPanel::setModel(std::shared_ptr<const ModelFile> model)
{
    model_ = std::move(model);
    tensor_.reset();
    invalidate(tr("Measure every option to compare their bits and error on this model."));
}

void PlanPanel::setBaseConfig(const QuantConfig& config)
{
    // The options take only the scheme, calibration and convention from the window.
    const bool same = config.scheme == base_.scheme &&
                      toString(config.calibration) == toString(base_.calibration) &&
                      config.convention == base_.convention;
    base_ = config;
    if (same)
        return;
    if (table_ || (cancel_ && !cancel_->load()))
        invalidate(tr("The settings changed: measure again."));
}

void PlanPanel::showTensor(std::size_t index)
{
    tensor_ = index;
    if (scope_->currentIndex() == 1)
        redraw();
}

double PlanPanel::budgetBitsPerWeight() const
{
    return budget_->value();
}

void PlanPanel::measure()
{
    if (!model_)
        return;
    if (cancel_)
        cancel_->store(true);
    cancel_ = std::make_shared<std::atomic<bool>>(false);
    progress_ = std::make_shared<std::atomic<int>>(0);
    const auto options = defaultFormatOptions(base_);
    progressBar_->setRange(0, int(options.size()));
    progressBar_->setValue(0);
    progressBar_->show();
    measureButton_->setEnabled(false);
    summary_->setText(tr("Measuring %1 options\u2026").arg(options.size()));
    watcher_.setFuture(QtConcurrent::run([model = model_, options, cancel = cancel_,
                                          progress = progress_]() -> std::optional<FormatTable> {
        try {
            return measureFormatOptions(*model, options, {}, [&](std::size_t done, std::size_t) {
                progress->store(int(done));
                return !cancel->load();
            });
        } catch (const std::exception&) {
            return std::nullopt; // cancelled, or unreadable (the window has said why)
        }
    }));
    auto* poll = new QTimer(this);
    connect(poll, &QTimer::timeout, this, [this, poll, progress = progress_] {
        if (progress != progress_ || !watcher_.isRunning()) {
            poll->deleteLater();
            return;
        }
        progressBar_->setValue(progress->load());
    });
    poll->start(100);
}

void PlanPanel::onMeasured()
{
    auto result = watcher_.result();
    if (!cancel_ || cancel_->load())
        return;           // superseded
    cancel_->store(true); // done: nothing under way
    progressBar_->hide();
    measureButton_->setEnabled(true);
    if (!result) {
        summary_->setText(tr("The options could not be measured."));
        return;
    }
    table_ = std::make_shared<const FormatTable>(std::move(*result));
    Q_EMIT measured();
    replan();
}

void PlanPanel::replan()
{
    if (!table_)
        return;
    if (planCancel_)
        planCancel_->store(true);
    planCancel_ = std::make_shared<std::atomic<bool>>(false);
    const double budgetBits = budget_->value() * double(table_->weights());
    const std::uint64_t generation = ++planGeneration_;
    summary_->setText(tr("Planning for %1 bits per weight\u2026").arg(budget_->value()));
    planWatcher_.setFuture(QtConcurrent::run(
        [table = table_, budgetBits, cancel = planCancel_, generation]() -> PlanOutcome {
            PlanOutcome outcome;
            outcome.generation = generation;
            PlanLimits limits;
            limits.keepGoing = [cancel] {
                return !cancel->load();
            };
            try {
                outcome.plan = planMixedPrecision(*table, budgetBits, limits);
            } catch (const UsageError& error) {
                outcome.error = QString::fromStdString(error.what());
            } catch (const CancelledError&) {
                // a newer budget took over
            }
            return outcome;
        }));
}

void PlanPanel::onPlanned()
{
    PlanOutcome outcome = planWatcher_.result();
    if (outcome.generation != planGeneration_ || !table_)
        return;
    const double budgetBits = budget_->value() * double(table_->weights());
    plan_ = std::move(outcome.plan);
    planError_ = outcome.error;
    choices_->setRowCount(0);
    if (plan_) {
        choices_->setRowCount(int(table_->layers.size()));
        for (std::size_t l = 0; l < table_->layers.size(); ++l) {
            const OptionCell& cell = table_->cells[l][plan_->choice[l]];
            const QStringList texts{QString::fromStdString(table_->layers[l]),
                                    QString::fromStdString(table_->options[plan_->choice[l]].label),
                                    QString::number(cell.bits / double(table_->numel[l]), 'f', 2),
                                    decibelText(cell.metrics.sqnrDb)};
            for (int c = 0; c < texts.size(); ++c) {
                auto* item = new QTableWidgetItem(texts[c]);
                if (c >= 2)
                    item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
                choices_->setItem(int(l), c, item);
            }
        }
        std::ostringstream text;
        writePlanText(text, *table_, *plan_, budgetBits);
        // The last lines of the text report: the plan and the best single option.
        QStringList lines =
            QString::fromStdString(text.str()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        summary_->setText(
            lines.mid(std::max<qsizetype>(0, lines.size() - 3)).join(QLatin1Char('\n')));
    } else {
        summary_->setText(planError_);
    }
    saveJson_->setEnabled(plan_.has_value());
    saveLlama_->setEnabled(plan_.has_value());
    redraw();
    Q_EMIT planChanged();
}

void PlanPanel::redraw()
{
    if (!table_) {
        chart_->clear();
        return;
    }
    std::vector<ParetoChart::Point> points;
    std::optional<ParetoChart::Point> planPoint;
    QString title;
    std::optional<std::size_t> row;
    if (scope_->currentIndex() == 1 && tensor_ && model_) {
        const std::string& name = model_->tensors()[*tensor_].name;
        const auto found = std::find(table_->layers.begin(), table_->layers.end(), name);
        if (found != table_->layers.end())
            row = std::size_t(found - table_->layers.begin());
    }
    if (row) {
        const double numel = double(table_->numel[*row]);
        std::vector<std::pair<double, double>> bitsAndError;
        std::vector<std::size_t> which;
        for (std::size_t o = 0; o < table_->options.size(); ++o) {
            const OptionCell& cell = table_->cells[*row][o];
            if (!cell.applies)
                continue;
            bitsAndError.push_back({cell.bits, cell.sums.sumE2});
            which.push_back(o);
        }
        const auto front = paretoOptimal(bitsAndError);
        for (std::size_t i = 0; i < which.size(); ++i) {
            const OptionCell& cell = table_->cells[*row][which[i]];
            points.push_back({QString::fromStdString(table_->options[which[i]].label),
                              cell.bits / numel, cell.metrics.sqnrDb, bool(front[i])});
        }
        if (plan_) {
            const OptionCell& cell = table_->cells[*row][plan_->choice[*row]];
            planPoint =
                ParetoChart::Point{tr("plan"), cell.bits / numel, cell.metrics.sqnrDb, false};
        }
        title = tr("%1: bits per weight against SQNR")
                    .arg(QString::fromStdString(table_->layers[*row]));
    } else {
        std::vector<std::pair<double, double>> bitsAndError;
        for (std::size_t o = 0; o < table_->options.size(); ++o) {
            const auto point = table_->modelPoint(o);
            bitsAndError.push_back({point.bitsPerWeight, -point.sqnrDb});
        }
        const auto front = paretoOptimal(bitsAndError);
        for (std::size_t o = 0; o < table_->options.size(); ++o) {
            const auto point = table_->modelPoint(o);
            points.push_back({QString::fromStdString(table_->options[o].label), point.bitsPerWeight,
                              point.sqnrDb, bool(front[o])});
        }
        if (plan_)
            planPoint = ParetoChart::Point{tr("plan"), plan_->bits / double(table_->weights()),
                                           plan_->sqnrDb, false};
        title = tr("Whole model: each option alone, and the plan");
    }
    chart_->setPoints(title, points, planPoint);
}

bool PlanPanel::savePlanJson(const QString& path, QString* error) const
{
    if (!table_ || !plan_)
        return false;
    const double budgetBits = budget_->value() * double(table_->weights());
    return saveText(path, planJson(*table_, *plan_, budgetBits).dump(2) + "\n", error);
}

bool PlanPanel::saveLlamaTypes(const QString& path, QString* error) const
{
    if (!table_ || !plan_)
        return false;
    std::ostringstream text;
    try {
        writePlanLlamaTypes(text, *table_, *plan_);
    } catch (const UsageError& refusal) {
        if (error)
            *error = QString::fromStdString(refusal.what());
        return false;
    }
    return saveText(path, text.str(), error);
}

void PlanPanel::exportWithDialog(bool json)
{
    const QString path = QFileDialog::getSaveFileName(
        this, json ? tr("Save Plan") : tr("Save llama-quantize List"),
        json ? QStringLiteral("plan.json") : QStringLiteral("tensor-types.txt"),
        json ? tr("JSON (*.json)") : tr("Text (*.txt)"));
    if (path.isEmpty())
        return;
    QString error;
    if (!(json ? savePlanJson(path, &error) : saveLlamaTypes(path, &error)))
        QMessageBox::warning(this, tr("Cannot save the plan"), error);
}

} // namespace qs::ui
