#include "bits_sweep_view.h"

#include "bits_sweep_chart.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

namespace qs::ui {

BitsSweepView::BitsSweepView(QWidget* parent)
    : QWidget(parent)
{
    chart_ = new BitsSweepChart;
    wholeModel_ = new QCheckBox(tr("Whole model"));
    wholeModel_->setToolTip(tr("Also sweep every tensor of the model (one full analysis a "
                               "point: slow on large models)"));
    status_ = new QLabel;
    auto* controls = new QHBoxLayout;
    controls->addWidget(wholeModel_);
    controls->addWidget(status_, 1);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(controls);
    layout->addWidget(chart_, 1);

    connect(wholeModel_, &QCheckBox::toggled, this, [this](bool on) {
        if (on) {
            if (!modelWatcher_.isRunning())
                startModelSweep();
            return;
        }
        // Off: the sweep under way stops, and its result will not be drawn.
        latestModel_->store(++modelGeneration_);
        modelDone_ = false;
        chart_->setModelPoints({});
        status_->clear();
    });
    connect(&tensorWatcher_, &QFutureWatcher<Outcome>::finished, this, [this] {
        const Outcome outcome = tensorWatcher_.result();
        if (outcome.generation != tensorGeneration_) {
            // A stale job kept the current one from starting (see setActive): start it now.
            if (active_ && !tensorDone_ && model_)
                startTensorSweep();
            return;
        }
        tensorDone_ = true;
        chart_->setTensorPoints(outcome.points);
        status_->setText(!outcome.error.isEmpty()    ? outcome.error
                         : modelWatcher_.isRunning() ? tr("Sweeping the whole model\u2026")
                                                     : QString());
        Q_EMIT tensorSweepReady();
    });
    connect(&modelWatcher_, &QFutureWatcher<Outcome>::finished, this, [this] {
        const Outcome outcome = modelWatcher_.result();
        if (outcome.generation != modelGeneration_) {
            if (active_ && wholeModel_->isChecked() && !modelDone_ && model_)
                startModelSweep();
            return;
        }
        modelDone_ = true;
        chart_->setModelPoints(outcome.points);
        status_->setText(outcome.error);
        Q_EMIT modelSweepReady();
    });
}

BitsSweepView::~BitsSweepView()
{
    // The workers read the model this object keeps alive: stop them, then wait.
    latestTensor_->store(++tensorGeneration_);
    latestModel_->store(++modelGeneration_);
    tensorWatcher_.disconnect(this);
    modelWatcher_.disconnect(this);
    tensorWatcher_.waitForFinished();
    modelWatcher_.waitForFinished();
}

void BitsSweepView::setTarget(std::shared_ptr<const ModelFile> model, std::size_t index,
                              const QuantConfig& config)
{
    const bool sameModelSweep =
        model == model_ && toString(config.format) == toString(config_.format) &&
        config.preset == config_.preset && config.scheme == config_.scheme &&
        toString(config.granularity) == toString(config_.granularity) &&
        toString(config.calibration) == toString(config_.calibration) &&
        config.narrowRange == config_.narrowRange && config.convention == config_.convention &&
        config.fpMode == config_.fpMode;
    model_ = std::move(model);
    index_ = index;
    config_ = config;
    tensorDone_ = false;
    latestTensor_->store(++tensorGeneration_);
    chart_->setTensorPoints({});
    if (!sameModelSweep) {
        modelDone_ = false;
        latestModel_->store(++modelGeneration_);
        chart_->setModelPoints({});
    }
    // One job of each kind at a time: one running for an older target stops (its generation
    // changed) and its finished handler starts the current one.
    if (active_ && !tensorWatcher_.isRunning())
        startTensorSweep();
    if (active_ && wholeModel_->isChecked() && !modelDone_ && !modelWatcher_.isRunning())
        startModelSweep();
}

void BitsSweepView::clear()
{
    model_.reset();
    latestTensor_->store(++tensorGeneration_);
    latestModel_->store(++modelGeneration_);
    tensorDone_ = modelDone_ = false;
    chart_->clear();
    status_->clear();
}

void BitsSweepView::setActive(bool active)
{
    active_ = active;
    if (!active_ || !model_)
        return;
    if (!tensorDone_ && !tensorWatcher_.isRunning())
        startTensorSweep();
    if (wholeModel_->isChecked() && !modelDone_ && !modelWatcher_.isRunning())
        startModelSweep();
}

void BitsSweepView::startTensorSweep()
{
    if (!model_)
        return;
    status_->setText(tr("Sweeping\u2026"));
    tensorWatcher_.setFuture(
        QtConcurrent::run([model = model_, index = index_, config = config_,
                           generation = tensorGeneration_, latest = latestTensor_]() -> Outcome {
            const auto keepGoing = [&] {
                return latest->load() == generation;
            };
            try {
                return {generation, sweepTensor(*model, index, config, keepGoing), {}};
            } catch (const std::exception& error) {
                return {generation, {}, QString::fromStdString(error.what())};
            }
        }));
}

void BitsSweepView::startModelSweep()
{
    if (!model_)
        return;
    status_->setText(tr("Sweeping the whole model\u2026"));
    modelWatcher_.setFuture(
        QtConcurrent::run([model = model_, config = config_, generation = modelGeneration_,
                           latest = latestModel_]() -> Outcome {
            const auto keepGoing = [&] {
                return latest->load() == generation;
            };
            try {
                return {generation, sweepModel(*model, config, keepGoing), {}};
            } catch (const std::exception& error) {
                return {generation, {}, QString::fromStdString(error.what())};
            }
        }));
}

} // namespace qs::ui
