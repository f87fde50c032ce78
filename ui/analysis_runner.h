#pragma once
// Runs qs::analyzeModel off the GUI thread. One request is current at a time: a newer
// request, or cancel(), cancels the running one and its result is dropped, so the window
// only ever sees the answer to the settings it shows now. While it runs, the tensors done
// so far come as partial reports, so a large model fills in as it goes.
//
// Results come back through a QFutureWatcher owned by this object rather than through
// QFuture::then(this, ...): in Qt 6.4 a context continuation runs in the worker thread and
// reads its QPointer to the context there, racing with the context's destruction, whereas
// a destroyed watcher is detached from the future under the future's own lock.

#include "analysis/model_analyzer.h"

#include <QFuture>
#include <QFutureWatcher>
#include <QObject>
#include <QString>
#include <QTimer>
#include <functional>
#include <memory>
#include <mutex>

namespace qs::ui {

class AnalysisRunner : public QObject {
    Q_OBJECT

public:
    // What runs on the worker thread; tests replace it with a controllable stand-in.
    using AnalyzeFunction =
        std::function<ModelReport(const ModelFile&, const QuantConfig&, const AnalyzeOptions&)>;
    // Progress is reported in 1/kProgressSteps of the model's elements.
    static constexpr int kProgressSteps = 1000;
    static constexpr int kPartialIntervalMs = 200;

    explicit AnalysisRunner(QObject* parent = nullptr);
    // Cancels the running analysis; its worker may finish later, unseen.
    ~AnalysisRunner() override;

    void setAnalyzeFunction(AnalyzeFunction function);

    // Starts analysing `model` under `config`, superseding any running request.
    void start(std::shared_ptr<const ModelFile> model, const QuantConfig& config);
    // Cancels the running request, if any, and emits analysisCancelled().
    void cancel();
    bool isRunning() const { return running_; }

Q_SIGNALS:
    void started();
    void progressChanged(int value); // 0 .. kProgressSteps
    // While running, every kPartialIntervalMs when tensors have finished since the last
    // one: a report of the tensors done so far, in file order (no summary, no skipped list).
    void partialReport(std::shared_ptr<const qs::ModelReport> report);
    void analysisReady(std::shared_ptr<const qs::ModelReport> report);
    void analysisFailed(const QString& message);
    void analysisCancelled();

private:
    // What a worker hands back: a report, or else the message saying why there is none.
    struct Outcome {
        std::shared_ptr<const ModelReport> report;
        QString error;
    };

    // Layers the worker has finished, shared between it and this object.
    struct Finished {
        std::mutex mutex;
        std::vector<std::pair<std::size_t, LayerReport>> layers;
    };

    static Outcome run(const AnalyzeFunction& analyze, const ModelFile& model,
                       const QuantConfig& config, Progress& progress,
                       const std::shared_ptr<Finished>& finished);
    void onFinished();
    void emitPartial();

    AnalyzeFunction analyze_;
    QFuture<Outcome> future_;
    // Watches the current request only: setFuture() detaches it from a superseded one.
    QFutureWatcher<Outcome> watcher_;
    // Set by start(), cleared by delivery and by cancel(); a signal from the watcher while
    // it is clear is a leftover of an earlier request.
    bool running_ = false;
    std::shared_ptr<Finished> finished_;
    std::size_t finishedShown_ = 0; // layers in the last partial report
    std::shared_ptr<const ModelFile> model_;
    QuantConfig config_;
    QTimer partialTimer_;
};

} // namespace qs::ui
