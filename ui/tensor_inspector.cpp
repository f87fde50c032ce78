#include "tensor_inspector.h"

#include "bits_sweep_view.h"
#include "channel_range_chart.h"
#include "common/error.h"
#include "display_text.h"
#include "histogram_chart.h"
#include "scale_formula.h"
#include "walkthrough_view.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QTabWidget>
#include <QValueAxis>
#include <QtConcurrent/QtConcurrentRun>
#include <cmath>

namespace qs::ui {

namespace {
QString number(double value, int precision = 4)
{
    if (std::isinf(value))
        return value > 0 ? QStringLiteral("\u221E") : QStringLiteral("-\u221E");
    return QString::number(value, 'g', precision);
}

QString metricsText(const ErrorMetrics& m)
{
    return TensorInspector::tr("SQNR %1 dB \u00B7 MSE %2 \u00B7 max |e| %3 \u00B7 mean e %4 "
                               "\u00B7 cosine %5 \u00B7 rel. Frobenius %6 \u00B7 clipped %7 %")
        .arg(number(m.sqnrDb, 5), number(m.mse), number(m.maxAbsErr), number(m.meanErr),
             QString::number(m.cosine, 'f', 6), number(m.relFro), number(100.0 * m.clippedFrac, 3));
}

bool isScaled(const QuantConfig& config)
{
    return config.preset == Preset::None && !(config.format.kind == NumberFormat::Kind::Float &&
                                              config.effectiveFpMode() == FpMode::Unscaled);
}

QString blockNoun(const QuantConfig& config)
{
    switch (config.preset != Preset::None ? Granularity::Kind::Group : config.granularity.kind) {
    case Granularity::Kind::Channel:
        return TensorInspector::tr("Channel");
    case Granularity::Kind::Group:
        return TensorInspector::tr("Group");
    case Granularity::Kind::Tensor:
        break;
    }
    return TensorInspector::tr("Block");
}
} // namespace

TensorInspector::TensorInspector(QWidget* parent)
    : QWidget(parent)
{
    title_ = new QLabel(tr("Select a tensor in the model browser or the table"));
    QFont bold = title_->font();
    bold.setBold(true);
    title_->setFont(bold);
    details_ = new QLabel;
    details_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    details_->setWordWrap(true);
    logCount_ = new QCheckBox(tr("Log count"));
    logCount_->setToolTip(tr("Heights as log\u2081\u2080(1 + count): shows the sparse tails"));
    logCount_->setChecked(true);
    bins_ = new QSpinBox;
    bins_->setRange(16, 2048);
    bins_->setValue(256);
    bins_->setSuffix(tr(" bins"));
    bins_->setToolTip(tr("Number of histogram bins"));
    blockLabel_ = new QLabel(tr("Block"));
    block_ = new QSpinBox;
    block_->setRange(-1, -1);
    block_->setSpecialValueText(tr("all"));
    block_->setToolTip(tr("Draw one channel or group alone, with its own grid and error"));
    blockLabel_->setBuddy(block_);
    resetClip_ = new QPushButton(tr("Calibrated range"));
    resetClip_->setToolTip(tr("Return from the dragged clipping range to the calibrated one"));
    resetClip_->setEnabled(false);
    values_ =
        new HistogramChart(tr("Weights, with the clipping range and grid"), tr("weight value"));
    values_->setToolTip(tr("Drag a red clipping line to try another range (per-tensor "
                           "granularity); dash-dotted lines are each method's choice"));
    errors_ =
        new HistogramChart(tr("Quantization error (dequantized \u2212 original)"), tr("error"));
    channels_ = new ChannelRangeChart;
    tabs_ = new QTabWidget;
    tabs_->addTab(errors_, tr("Error"));
    tabs_->addTab(channels_, tr("Per channel"));
    sweep_ = new BitsSweepView;
    tabs_->addTab(sweep_, tr("Bits sweep"));
    walkthrough_ = new WalkthroughView;
    tabs_->addTab(walkthrough_, tr("Walk-through"));
    connect(tabs_, &QTabWidget::currentChanged, this, [this] {
        sweep_->setActive(tabs_->currentWidget() == sweep_);
        if (tabs_->currentWidget() == walkthrough_ && model_)
            walkthrough_->setTarget(model_, index_, config_, clip_);
    });
    connect(values_, &HistogramChart::valueClicked, this, [this](double value) {
        if (!model_)
            return;
        tabs_->setCurrentWidget(walkthrough_);
        walkthrough_->pickValue(value);
    });

    auto* controls = new QHBoxLayout;
    controls->addWidget(title_, 1);
    controls->addWidget(resetClip_);
    controls->addWidget(blockLabel_);
    controls->addWidget(block_);
    controls->addWidget(logCount_);
    controls->addWidget(bins_);
    auto* charts = new QHBoxLayout;
    charts->addWidget(values_, 3);
    charts->addWidget(tabs_, 2);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(controls);
    layout->addLayout(charts, 1);
    layout->addWidget(details_);

    connect(logCount_, &QCheckBox::toggled, this, &TensorInspector::redraw);
    connect(bins_, &QSpinBox::valueChanged, this, [this] { changed(false); });
    connect(block_, &QSpinBox::valueChanged, this, [this](int value) {
        setBlock(value < 0 ? std::nullopt : std::optional<std::uint64_t>(value));
    });
    connect(resetClip_, &QPushButton::clicked, this, [this] { setClip(std::nullopt); });
    connect(values_, &HistogramChart::clipDragged, this, [this](double lo, double hi) {
        setClip(ClipRange{static_cast<float>(lo), static_cast<float>(hi)});
    });
    connect(channels_, &ChannelRangeChart::channelClicked, this, [this](std::uint64_t channel) {
        // The channel drawn alone is a block only when blocks are the output channels.
        if (config_.preset == Preset::None &&
            config_.granularity.kind == Granularity::Kind::Channel && config_.granularity.axis == 0)
            setBlock(channel);
    });
    connect(&watcher_, &QFutureWatcher<Outcome>::finished, this, &TensorInspector::onFinished);
    connect(&marksWatcher_, &QFutureWatcher<MarksOutcome>::finished, this,
            &TensorInspector::onMarksFinished);
}

TensorInspector::~TensorInspector()
{
    // The workers read the model this object keeps alive: ask the marks search to stop (it
    // can take seconds), then wait.
    latestGeneration_->store(++generation_);
    watcher_.disconnect(this);
    marksWatcher_.disconnect(this);
    watcher_.waitForFinished();
    marksWatcher_.waitForFinished();
}

void TensorInspector::inspect(std::shared_ptr<const ModelFile> model, std::size_t index,
                              const QuantConfig& config)
{
    model_ = std::move(model);
    index_ = index;
    config_ = config;
    clip_.reset();
    block_->blockSignals(true);
    block_->setValue(-1);
    block_->blockSignals(false);
    shownBlock_.reset();
    sweep_->setTarget(model_, index_, config_);
    if (tabs_->currentWidget() == walkthrough_)
        walkthrough_->setTarget(model_, index_, config_, clip_);
    changed(false);
}

void TensorInspector::setClip(std::optional<ClipRange> clip)
{
    clip_ = clip;
    resetClip_->setEnabled(clip_.has_value());
    // The walked-through weight follows the range drawn (collapsed while dragging).
    if (tabs_->currentWidget() == walkthrough_ && model_)
        walkthrough_->setTarget(model_, index_, config_, clip_);
    // A dragged range keeps the generation: the results on the way are still this tensor's.
    changed(true);
}

void TensorInspector::setBlock(std::optional<std::uint64_t> block)
{
    if (block == shownBlock_)
        return;
    shownBlock_ = block;
    block_->blockSignals(true);
    block_->setValue(block ? static_cast<int>(*block) : -1);
    block_->blockSignals(false);
    changed(false);
}

void TensorInspector::clear()
{
    model_.reset();
    latestGeneration_->store(++generation_); // what is under way is for the tensor shown
    inspection_.reset();
    marks_.clear();
    values_->clear();
    errors_->clear();
    channels_->clear();
    sweep_->clear();
    walkthrough_->clear();
    title_->setText(tr("Select a tensor in the model browser or the table"));
    details_->clear();
}

TensorInspector::Request TensorInspector::currentRequest() const
{
    Request request{generation_, index_, config_, {}};
    request.options.bins = static_cast<std::size_t>(bins_->value());
    request.options.block = shownBlock_;
    request.options.clip = clip_;
    return request;
}

void TensorInspector::changed(bool keepGeneration)
{
    if (!model_)
        return;
    if (!keepGeneration) {
        latestGeneration_->store(++generation_);
        const TensorInfo& info = model_->tensors().at(index_);
        title_->setText(tr("%1  [%2]  %3")
                            .arg(QString::fromStdString(info.name), shapeText(info.shape),
                                 QString::fromStdString(storedTypeName(info))));
        details_->setText(tr("Computing\u2026"));
    }
    if (watcher_.isRunning()) {
        pending_ = true; // started when the running one ends: at most one waits
        return;
    }
    startInspection();
}

void TensorInspector::startInspection()
{
    pending_ = false;
    watcher_.setFuture(QtConcurrent::run([model = model_, request = currentRequest()]() -> Outcome {
        try {
            return {
                request, inspectTensor(*model, request.index, request.config, request.options), {}};
        } catch (const std::exception& error) {
            return {request, std::nullopt, QString::fromStdString(error.what())};
        }
    }));
}

void TensorInspector::onFinished()
{
    Outcome outcome = watcher_.result();
    const bool current = outcome.request.generation == generation_;
    if (pending_ && model_)
        startInspection();
    if (!current)
        return; // another tensor or other settings: never shown
    inspection_ = std::move(outcome.inspection);
    if (!inspection_) {
        values_->clear();
        errors_->clear();
        channels_->clear();
        marks_.clear();
        details_->setText(tr("Not analysed: %1").arg(outcome.error));
        updateBlockControls();
        Q_EMIT inspectionReady();
        return;
    }
    // The methods' ranges belong to one tensor, setting and block: those of another go
    // before anything is drawn (they are computed anew below, where there are any).
    const bool newMarks = marksGeneration_ != generation_;
    if (newMarks) {
        marksGeneration_ = generation_;
        marks_.clear();
        values_->setMarks({});
    }
    updateBlockControls();
    redraw();
    Q_EMIT inspectionReady();

    // Once per tensor, settings and block (not per dragged range).
    const bool oneBlockShown = inspection_->blocks == 1 || inspection_->blockIndex;
    if (newMarks && oneBlockShown && isScaled(config_)) {
        marksWatcher_.setFuture(QtConcurrent::run([model = model_, index = index_, config = config_,
                                                   block = shownBlock_, generation = generation_,
                                                   latest = latestGeneration_]() -> MarksOutcome {
            // An mse search over a large tensor takes seconds: stop once another tensor
            // or other settings are asked for.
            const auto keepGoing = [&] {
                return latest->load() == generation;
            };
            try {
                return {generation, calibrationMarks(*model, index, config, block, keepGoing)};
            } catch (const std::exception&) {
                return {generation, {}}; // the inspection has shown why already
            }
        }));
    }
}

void TensorInspector::onMarksFinished()
{
    MarksOutcome outcome = marksWatcher_.result();
    if (outcome.generation != generation_)
        return;
    marks_ = std::move(outcome.marks);
    QList<HistogramChart::Mark> drawn;
    for (const CalibrationMark& mark : marks_)
        drawn.append({tr("%1 (%2 dB)")
                          .arg(QString::fromStdString(markLabel(mark.calibration)),
                               number(mark.metrics.sqnrDb, 4)),
                      mark.clip.lo, mark.clip.hi});
    values_->setMarks(drawn);
    updateDetails();
    Q_EMIT marksReady();
}

void TensorInspector::updateBlockControls()
{
    const std::size_t blocks = inspection_ ? inspection_->blocks : 0;
    blockLabel_->setText(blockNoun(config_));
    block_->blockSignals(true);
    block_->setRange(-1, blocks > 1 ? static_cast<int>(std::min<std::size_t>(blocks, INT_MAX) - 1)
                                    : -1);
    block_->setValue(shownBlock_ ? static_cast<int>(*shownBlock_) : -1);
    block_->blockSignals(false);
    block_->setEnabled(blocks > 1);
    using Drag = HistogramChart::ClipDrag;
    Drag drag = Drag::Off;
    if (blocks == 1 && isScaled(config_))
        drag =
            config_.format.kind == NumberFormat::Kind::Float || config_.scheme == Scheme::Symmetric
                ? Drag::Symmetric
                : Drag::Independent;
    values_->setClipDrag(drag);
}

void TensorInspector::redraw()
{
    if (!inspection_)
        return;
    const TensorInspection& in = *inspection_;
    const CountScale scale = logCount_->isChecked() ? CountScale::Log : CountScale::Linear;
    values_->setData(in.values, scale, in.overlay);
    errors_->setData(in.errors, scale);
    const std::uint64_t beyond = in.errors.below + in.errors.above;
    errors_->valueAxis()->setTitleText(
        beyond
            ? tr("error (+%1 clipped, |e| \u2264 %2)")
                  .arg(static_cast<qulonglong>(beyond))
                  .arg(number(
                      in.blockMetrics ? in.blockMetrics->maxAbsErr : in.layer.metrics.maxAbsErr, 3))
            : tr("error"));
    channels_->setChannels(in.channels);
    updateDetails();
}

void TensorInspector::updateDetails()
{
    if (!inspection_)
        return;
    const TensorInspection& in = *inspection_;
    QStringList lines;
    QString scales;
    if (in.block)
        scales =
            tr("scale %1, zero point %2").arg(number(in.block->scale, 6)).arg(in.block->zeroPoint);
    else
        scales = tr("%1 blocks, scales %2 \u2026 %3")
                     .arg(in.blocks)
                     .arg(number(in.layer.scaleMin, 6), number(in.layer.scaleMax, 6));
    QString rangeNote;
    if (in.manualClip)
        rangeNote = tr(" (dragged)");
    else if (in.blockIndex)
        rangeNote = tr(" (%1 %2)").arg(blockNoun(config_).toLower()).arg(*in.blockIndex);
    else if (in.blocks > 1)
        rangeNote = tr(" (all blocks)");
    lines << tr("%1; clipping range [%2, %3]%4")
                 .arg(scales, number(in.overlay.clipLo, 6), number(in.overlay.clipHi, 6),
                      rangeNote);
    if (in.block) {
        const QString formula = scaleFormula(*in.block, config_);
        if (!formula.isEmpty())
            lines << formula;
    }
    lines << metricsText(in.layer.metrics);
    if (in.blockMetrics)
        lines << tr("%1 %2 alone: %3")
                     .arg(blockNoun(config_))
                     .arg(*in.blockIndex)
                     .arg(metricsText(*in.blockMetrics));
    if (!marks_.empty()) {
        QStringList parts;
        for (const CalibrationMark& mark : marks_)
            parts << tr("%1 [%2, %3] %4 dB")
                         .arg(QString::fromStdString(markLabel(mark.calibration)),
                              number(mark.clip.lo, 4), number(mark.clip.hi, 4),
                              number(mark.metrics.sqnrDb, 4));
        lines << tr("Each method's range: %1").arg(parts.join(QStringLiteral(" \u00B7 ")));
    }
    if (in.layer.nonfinite)
        lines << tr("%1 NaN/Inf values left out").arg(static_cast<qulonglong>(in.layer.nonfinite));
    if (in.layer.casts)
        lines << tr("overflow %1 \u00B7 underflow %2")
                     .arg(static_cast<qulonglong>(in.layer.casts->overflow))
                     .arg(static_cast<qulonglong>(in.layer.casts->underflow));
    details_->setText(lines.join(QLatin1Char('\n')));
}

} // namespace qs::ui
