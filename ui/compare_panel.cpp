#include "compare_panel.h"

#include "analysis/storage_size.h"
#include "analysis_runner.h"
#include "chart_style.h"
#include "common/error.h"
#include "display_text.h"
#include "histogram_chart.h"
#include "layer_delta_chart.h"
#include "quant/quant_options.h"
#include "settings_panel.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSettings>
#include <QSplitter>
#include <QVBoxLayout>
#include <QValueAxis>
#include <QtConcurrent>

namespace qs::ui {

namespace {
const QString kSettingsKey = QStringLiteral("compare/arguments");

QString optionsText(const QuantConfig& config)
{
    QStringList words;
    for (const auto& word : quantizationWords(config))
        words << QString::fromStdString(word);
    return words.isEmpty() ? QStringLiteral("defaults") : words.join(QLatin1Char(' '));
}

QString summaryLine(const QString& name, const QuantConfig& config, double sqnrDb,
                    double bitsPerWeight)
{
    return QStringLiteral("<b>%1</b> <code>%2</code>: SQNR %3 dB at %4 bits per weight")
        .arg(name, optionsText(config).toHtmlEscaped(), decibelText(sqnrDb),
             QString::number(bitsPerWeight, 'f', 3));
}

QString summaryLine(const QString& name, const ModelReport& report)
{
    return summaryLine(name, report.config, report.summary.metrics.sqnrDb,
                       modelStorage(report).bitsPerWeight(report.summary.parameters));
}
} // namespace

ComparePanel::ComparePanel(QWidget* parent)
    : QWidget(parent)
{
    settings_ = new SettingsPanel;
    const QVariant saved = QSettings().value(kSettingsKey);
    settings_->setCliArguments(
        saved.isValid() ? saved.toStringList()
                        : QStringList{QStringLiteral("--dtype"), QStringLiteral("int4")});
    runner_ = new AnalysisRunner(this);
    delta_ = new LayerDeltaChart;
    firstHistogram_ = new HistogramChart(tr("A"), tr("weight value"));
    secondHistogram_ = new HistogramChart(tr("B"), tr("weight value"));
    summary_ = new QLabel(tr("Open a model to compare two configurations."));
    summary_->setWordWrap(true);
    summary_->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto* settingsBox = new QVBoxLayout;
    auto* heading = new QLabel(tr("<b>B</b>: the configuration compared with the "
                                  "Quantization dock's (A)"));
    heading->setWordWrap(true);
    settingsBox->addWidget(heading);
    settingsBox->addWidget(settings_);
    settingsBox->addStretch(1);
    auto* left = new QWidget;
    left->setLayout(settingsBox);

    histogramChoice_ = new QComboBox;
    histogramChoice_->addItems(
        {tr("Weights, with range and grid"), tr("Error (dequantized \u2212 original)")});
    auto* histogramSplit = new QSplitter(Qt::Horizontal);
    histogramSplit->addWidget(firstHistogram_);
    histogramSplit->addWidget(secondHistogram_);
    auto* histograms = new QWidget;
    auto* histogramBox = new QVBoxLayout(histograms);
    histogramBox->setContentsMargins(0, 0, 0, 0);
    auto* choiceRow = new QHBoxLayout;
    choiceRow->addWidget(new QLabel(tr("Selected tensor:")));
    choiceRow->addWidget(histogramChoice_);
    choiceRow->addStretch(1);
    histogramBox->addLayout(choiceRow);
    histogramBox->addWidget(histogramSplit, 1);
    auto* charts = new QSplitter(Qt::Vertical);
    charts->addWidget(delta_);
    charts->addWidget(histograms);
    auto* right = new QWidget;
    auto* rightBox = new QVBoxLayout(right);
    rightBox->setContentsMargins(0, 0, 0, 0);
    rightBox->addWidget(summary_);
    rightBox->addWidget(charts, 1);

    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(left);
    layout->addWidget(right, 1);

    connect(settings_, &SettingsPanel::settingsChanged, this, [this] {
        QSettings().setValue(kSettingsKey, settings_->cliArguments());
        secondStale_ = true;
        analyseSecond();
        inspect();
    });
    connect(runner_, &AnalysisRunner::analysisReady, this, &ComparePanel::onSecondReady);
    connect(runner_, &AnalysisRunner::analysisFailed, this, [this](const QString& message) {
        summary_->setText(tr("B cannot be analysed: %1").arg(message.toHtmlEscaped()));
    });
    connect(delta_, &LayerDeltaChart::tensorSelected, this, &ComparePanel::tensorSelected);
    connect(histogramChoice_, &QComboBox::currentIndexChanged, this, &ComparePanel::drawHistograms);
    connect(&watcher_, &QFutureWatcher<Inspections>::finished, this, &ComparePanel::onInspected);
}

ComparePanel::~ComparePanel()
{
    if (inspectionCancel_)
        *inspectionCancel_ = true;
    watcher_.disconnect(this);
}

void ComparePanel::setModel(std::shared_ptr<const ModelFile> model)
{
    runner_->cancel(); // B of the old model must not be paired with the new one
    model_ = std::move(model);
    first_.reset();
    second_.reset();
    comparison_.reset();
    tensor_.reset();
    secondStale_ = true;
    delta_->clear();
    firstHistogram_->clear();
    secondHistogram_->clear();
    analyseSecond();
}

void ComparePanel::setFirst(const QuantConfig& config, std::shared_ptr<const ModelReport> report)
{
    firstConfig_ = config;
    first_ = std::move(report);
    pair();
    if (first_)
        inspect();
}

void ComparePanel::showTensor(std::size_t index)
{
    tensor_ = index;
    inspect();
}

void ComparePanel::showEvent(QShowEvent* event)
{
    QWidget::showEvent(event);
    analyseSecond();
    inspect();
}

void ComparePanel::analyseSecond()
{
    if (!model_ || !isVisible() || !secondStale_)
        return;
    comparison_.reset();
    second_.reset();
    try {
        const QuantConfig config = settings_->config();
        secondStale_ = false;
        summary_->setText(tr("Analysing B\u2026"));
        runner_->start(model_, config);
    } catch (const UsageError& error) {
        runner_->cancel();
        summary_->setText(tr("B: %1").arg(QString::fromStdString(error.what()).toHtmlEscaped()));
        delta_->clear();
    }
}

void ComparePanel::onSecondReady(std::shared_ptr<const ModelReport> report)
{
    second_ = std::move(report);
    pair();
}

void ComparePanel::pair()
{
    comparison_.reset();
    if (!first_ || !second_ || !model_) {
        delta_->clear();
        if (second_)
            summary_->setText(summaryLine(tr("B"), *second_) +
                              tr("<br>Waiting for A\u2019s analysis\u2026"));
        return;
    }
    comparison_ = pairWith(*first_, *second_);
    delta_->setComparison(*first_, *comparison_, model_->tensors());
    showSummary();
    Q_EMIT comparisonReady();
}

void ComparePanel::showSummary()
{
    const ModelReport& b = comparison_->other;
    std::size_t better = 0, worse = 0;
    for (std::size_t i = 0; i < first_->layers.size(); ++i)
        if (const auto& j = comparison_->otherLayer[i]) {
            const double d = sqnrDeltaDb(first_->layers[i].metrics, b.layers[*j].metrics);
            better += d > 0;
            worse += d < 0;
        }
    // Over A's tensors, those B cannot take counted as stored.
    const ComparedTotals totals = comparedTotals(*first_, *comparison_);
    QString text =
        summaryLine(tr("A"), first_->config, totals.firstSqnrDb, totals.firstBitsPerWeight) +
        QStringLiteral("<br>") +
        summaryLine(tr("B"), b.config, totals.secondSqnrDb, totals.secondBitsPerWeight) +
        tr("<br>B \u2212 A: %1 dB for the model; %2 tensors better, %3 worse")
            .arg(QString::number(totals.secondSqnrDb - totals.firstSqnrDb, 'f', 2))
            .arg(better)
            .arg(worse);
    if (totals.keptAsStored)
        text += tr(" (%1 that B cannot take counted as stored)").arg(totals.keptAsStored);
    summary_->setText(text);
}

void ComparePanel::inspect()
{
    if (!model_ || !tensor_ || !isVisible())
        return;
    QuantConfig second;
    try {
        second = settings_->config();
    } catch (const UsageError&) {
        return; // the summary says why
    }
    const std::uint64_t generation = ++generation_;
    if (inspectionCancel_)
        *inspectionCancel_ = true; // superseded: stop it between chunks
    auto cancel = std::make_shared<std::atomic<bool>>(false);
    inspectionCancel_ = cancel;
    watcher_.setFuture(QtConcurrent::run(
        [model = model_, index = *tensor_, first = firstConfig_, second, generation, cancel] {
            Inspections out;
            out.generation = generation;
            InspectOptions options;
            options.keepGoing = [&cancel] {
                return !*cancel;
            };
            try {
                out.first = inspectTensor(*model, index, first, options);
                out.second = inspectTensor(*model, index, second, options);
            } catch (const CancelledError&) {
                out.first.reset(); // a newer inspection is on its way
            } catch (const std::exception& error) {
                out.error = QString::fromStdString(error.what());
            }
            return out;
        }));
}

void ComparePanel::onInspected()
{
    const Inspections result = watcher_.result();
    if (result.generation != generation_)
        return; // settings or tensor changed since
    if (!result.first || !result.second) {
        shown_.reset();
        firstHistogram_->clear();
        secondHistogram_->clear();
        return;
    }
    shown_.emplace(*result.first, *result.second);
    drawHistograms();
    Q_EMIT histogramsShown();
}

void ComparePanel::drawHistograms()
{
    if (!shown_)
        return;
    const bool errors = histogramChoice_->currentIndex() == 1;
    const auto draw = [errors](HistogramChart* chart, const TensorInspection& in,
                               const QString& name) {
        if (errors)
            chart->setData(in.errors, CountScale::Log);
        else
            chart->setData(in.values, CountScale::Log, in.overlay);
        chart->valueAxis()->setTitleText(errors ? tr("error") : tr("weight value"));
        chart->chart()->setTitle(QStringLiteral("%1: %2 \u00B7 SQNR %3 dB")
                                     .arg(name, QString::fromStdString(in.layer.name),
                                          decibelText(in.layer.metrics.sqnrDb)));
    };
    const auto& [first, second] = *shown_;
    draw(firstHistogram_, first, tr("A"));
    draw(secondHistogram_, second, tr("B"));
    // One value axis for both, so that the two ranges and grids can be compared by eye.
    const Histogram& a = errors ? first.errors : first.values;
    const Histogram& b = errors ? second.errors : second.values;
    const double lo = std::min(a.lo, b.lo);
    const double hi = std::max(a.hi, b.hi);
    setRangeWithRoundTicks(firstHistogram_->valueAxis(), lo, hi);
    setRangeWithRoundTicks(secondHistogram_->valueAxis(), lo, hi);
}

} // namespace qs::ui
