#include "analysis_runner.h"

#include "common/error.h"

#include <QPromise>
#include <QtConcurrent/QtConcurrentRun>
#include <algorithm>

namespace qs::ui {

namespace {
// The core's Progress seen through the worker's QPromise: progress goes to the future (and
// from there to the watcher in the GUI thread), a cancelled future asks the core to stop.
// The core calls report() from several threads, but serialised; QPromise is thread-safe.
template <typename T> class PromiseProgress final : public Progress {
public:
    explicit PromiseProgress(QPromise<T>& promise)
        : promise_(promise)
    {
    }

    bool report(std::uint64_t done, std::uint64_t total) override
    {
        // In double: done * steps could overflow 64 bits on a (hypothetical) huge model.
        const double fraction = total ? static_cast<double>(done) / static_cast<double>(total) : 1;
        promise_.setProgressValue(static_cast<int>(fraction * AnalysisRunner::kProgressSteps));
        return !promise_.isCanceled();
    }

private:
    QPromise<T>& promise_;
};
} // namespace

AnalysisRunner::AnalysisRunner(QObject* parent)
    : QObject(parent)
    , analyze_(&analyzeModel)
{
    connect(&watcher_, &QFutureWatcherBase::progressValueChanged, this, [this](int value) {
        if (running_)
            Q_EMIT progressChanged(value);
    });
    connect(&watcher_, &QFutureWatcherBase::finished, this, &AnalysisRunner::onFinished);
    partialTimer_.setInterval(kPartialIntervalMs);
    connect(&partialTimer_, &QTimer::timeout, this, &AnalysisRunner::emitPartial);
}

AnalysisRunner::~AnalysisRunner()
{
    // Not waited for: the worker owns what it uses and nothing of it can reach this object
    // any more (the watcher detaches as it is destroyed). The core notices the cancellation
    // at its next progress check-in, between chunks of blocks: soon, but not at once.
    future_.cancel();
}

void AnalysisRunner::setAnalyzeFunction(AnalyzeFunction function)
{
    analyze_ = std::move(function);
}

void AnalysisRunner::start(std::shared_ptr<const ModelFile> model, const QuantConfig& config)
{
    // The superseded worker stops at its next progress report; a queued one never starts.
    future_.cancel();
    running_ = true;
    finished_ = std::make_shared<Finished>();
    finishedShown_ = 0;
    model_ = model;
    config_ = config;
    partialTimer_.start();
    // The worker owns copies of everything it touches, so it may outlive this object.
    future_ = QtConcurrent::run([analyze = analyze_, model = std::move(model), config,
                                 finished = finished_](QPromise<Outcome>& promise) {
        promise.setProgressRange(0, kProgressSteps);
        PromiseProgress<Outcome> progress(promise);
        Outcome outcome = run(analyze, *model, config, progress, finished);
        if (!promise.isCanceled())
            promise.addResult(std::move(outcome));
    });
    watcher_.setFuture(future_);
    Q_EMIT started();
}

void AnalysisRunner::cancel()
{
    if (!running_)
        return;
    future_.cancel();
    running_ = false;
    partialTimer_.stop();
    Q_EMIT analysisCancelled();
}

void AnalysisRunner::onFinished()
{
    // A finished event of a superseded future may still be queued when its successor is
    // watched: only a finished, uncancelled current future with its result counts.
    if (!running_ || !future_.isFinished() || future_.isCanceled() || future_.resultCount() == 0)
        return;
    running_ = false;
    partialTimer_.stop();
    const Outcome outcome = future_.result();
    if (outcome.report)
        Q_EMIT analysisReady(outcome.report);
    else
        Q_EMIT analysisFailed(outcome.error);
}

void AnalysisRunner::emitPartial()
{
    if (!running_ || !finished_ || !model_)
        return;
    auto partial = std::make_shared<ModelReport>();
    {
        std::lock_guard lock(finished_->mutex);
        if (finished_->layers.size() == finishedShown_)
            return;
        finishedShown_ = finished_->layers.size();
        auto done = finished_->layers;
        std::sort(done.begin(), done.end(),
                  [](const auto& a, const auto& b) { return a.first < b.first; });
        for (auto& [index, layer] : done)
            partial->layers.push_back(std::move(layer));
    }
    partial->path = model_->path();
    partial->format = model_->format();
    partial->tensorCount = model_->tensors().size();
    partial->config = config_;
    Q_EMIT partialReport(std::move(partial));
}

AnalysisRunner::Outcome AnalysisRunner::run(const AnalyzeFunction& analyze, const ModelFile& model,
                                            const QuantConfig& config, Progress& progress,
                                            const std::shared_ptr<Finished>& finished)
{
    AnalyzeOptions options;
    options.progress = &progress;
    options.layerDone = [&finished](std::size_t index, const LayerReport& layer) {
        std::lock_guard lock(finished->mutex);
        finished->layers.emplace_back(index, layer);
    };
    Outcome outcome;
    try {
        outcome.report = std::make_shared<const ModelReport>(analyze(model, config, options));
    } catch (const CancelledError&) {
        outcome.error = tr("Analysis cancelled");
    } catch (const InputError& error) {
        outcome.error = QString::fromStdString(error.what());
    } catch (const UsageError& error) {
        outcome.error = QString::fromStdString(error.what());
    } catch (const std::exception& error) {
        // Not the user's fault: say so, but keep the window alive.
        outcome.error = tr("Internal error: %1").arg(QString::fromStdString(error.what()));
    }
    return outcome;
}

} // namespace qs::ui
