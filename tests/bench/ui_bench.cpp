// The tensor dock end to end, as the user sees it: a request goes to the worker, the result
// comes back to the GUI thread and the dock is painted. Two cases from the issue: a
// settings change on a 4096 x 4096 float32 tensor (target: under 150 ms on one core) and
// one step of dragging a clip line on a 1024 x 1024 tensor (target: 20 updates a second).
// Each has its baseline in the same process: the core's inspectTensor alone.
#include "analysis/tensor_inspection.h"
#include "histogram_chart.h"
#include "synthetic_model.h"
#include "tensor_inspector.h"

#include <QApplication>
#include <QEventLoop>
#include <QPixmap>
#include <benchmark/benchmark.h>
#include <tbb/global_control.h>

namespace qs::bench {
namespace {

std::shared_ptr<const ModelFile> squareModel(std::int64_t side)
{
    return openModel(syntheticModel(DType::F32, 1, side, side));
}

QuantConfig configNumber(int i)
{
    QuantConfig config;
    config.format = parseNumberFormat(i % 2 ? "int4" : "int8");
    return config;
}

// Waits for the dock's next shown result, then paints it (grab renders every child).
void showNext(ui::TensorInspector& inspector, const std::function<void()>& request)
{
    QEventLoop loop;
    const auto connection = QObject::connect(&inspector, &ui::TensorInspector::inspectionReady,
                                             &loop, &QEventLoop::quit);
    request();
    loop.exec();
    QObject::disconnect(connection);
    benchmark::DoNotOptimize(inspector.grab().width());
}

void BM_CoreInspectSettingsChange(benchmark::State& state)
{
    const auto model = squareModel(4096);
    int i = 0;
    for (auto _ : state)
        benchmark::DoNotOptimize(inspectTensor(*model, 0, configNumber(i++)).blocks);
}
BENCHMARK(BM_CoreInspectSettingsChange)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_DockSettingsChange(benchmark::State& state)
{
    const auto model = squareModel(4096);
    ui::TensorInspector inspector;
    inspector.resize(1400, 420);
    inspector.show();
    int i = 0;
    showNext(inspector, [&] { inspector.inspect(model, 0, configNumber(i++)); });
    for (auto _ : state)
        showNext(inspector, [&] { inspector.inspect(model, 0, configNumber(i++)); });
}
BENCHMARK(BM_DockSettingsChange)->Unit(benchmark::kMillisecond)->UseRealTime();

QuantConfig perTensor()
{
    QuantConfig config;
    config.granularity = parseGranularity("tensor");
    return config;
}

ClipRange dragStep(float reach, int step)
{
    const float hi = reach * (0.5f + 0.01f * static_cast<float>(step % 50));
    return {-hi, hi};
}

void BM_CoreInspectDraggedClip(benchmark::State& state)
{
    const auto model = squareModel(1024);
    const float reach = inspectTensor(*model, 0, perTensor()).block->clip.hi;
    InspectOptions options;
    int step = 0;
    for (auto _ : state) {
        options.clip = dragStep(reach, step++);
        benchmark::DoNotOptimize(inspectTensor(*model, 0, perTensor(), options).blocks);
    }
}
BENCHMARK(BM_CoreInspectDraggedClip)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_DockDraggedClip(benchmark::State& state)
{
    const auto model = squareModel(1024);
    ui::TensorInspector inspector;
    inspector.resize(1400, 420);
    inspector.show();
    showNext(inspector, [&] { inspector.inspect(model, 0, perTensor()); });
    const float reach = inspector.inspection()->block->clip.hi;
    int step = 0;
    for (auto _ : state)
        showNext(inspector, [&] { inspector.setClip(dragStep(reach, step++)); });
    state.counters["fps"] =
        benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_DockDraggedClip)->Unit(benchmark::kMillisecond)->UseRealTime();

} // namespace
} // namespace qs::bench

int main(int argc, char** argv)
{
    qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    // One core for the work, as the targets are stated.
    tbb::global_control oneCore(tbb::global_control::max_allowed_parallelism, 1);
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
