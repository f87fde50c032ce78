// What the tensor dock computes on one core: the full inspection of a 4096 x 4096 float32
// tensor after a settings change (target: under 150 ms), and the requantization with a
// dragged clipping range of a 1024 x 1024 tensor (target: 20 updates a second, 50 ms).
// The baseline, in the same process, is a plain sum over the same tensor's floats.
#include "analysis/calibration_marks.h"
#include "analysis/tensor_inspection.h"
#include "formats/model_file.h"
#include "synthetic_model.h"

#include <benchmark/benchmark.h>
#include <tbb/global_control.h>

namespace qs::bench {
namespace {

std::shared_ptr<ModelFile> squareModel(std::int64_t side)
{
    return openModel(syntheticModel(DType::F32, 1, side, side));
}

// The GUI's worker gets one core: the other stays with the event loop.
tbb::global_control oneCore()
{
    return tbb::global_control(tbb::global_control::max_allowed_parallelism, 1);
}

void BM_InspectBaselineSum(benchmark::State& state)
{
    const auto model = squareModel(state.range(0));
    for (auto _ : state) {
        const TensorBytes bytes = model->read(0);
        const auto raw = bytes.bytes();
        const auto* data = reinterpret_cast<const float*>(raw.data());
        float sum0 = 0, sum1 = 0, sum2 = 0, sum3 = 0;
        for (std::size_t i = 0; i + 3 < raw.size() / 4; i += 4) {
            sum0 += data[i];
            sum1 += data[i + 1];
            sum2 += data[i + 2];
            sum3 += data[i + 3];
        }
        benchmark::DoNotOptimize(sum0 + sum1 + sum2 + sum3);
    }
}
BENCHMARK(BM_InspectBaselineSum)->Arg(4096)->Arg(1024)->Unit(benchmark::kMillisecond);

// A settings change: everything the dock draws (histograms, per-channel view, numbers).
void BM_InspectSettingsChange(benchmark::State& state, const char* granularity, const char* dtype)
{
    const auto model = squareModel(state.range(0));
    const auto limit = oneCore();
    QuantConfig config;
    config.format = parseNumberFormat(dtype);
    config.granularity = parseGranularity(granularity);
    for (auto _ : state) {
        const TensorInspection in = inspectTensor(*model, 0, config);
        benchmark::DoNotOptimize(in.layer.metrics.sqnrDb);
    }
}
BENCHMARK_CAPTURE(BM_InspectSettingsChange, int8_channel, "channel:0", "int8")
    ->Arg(4096)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_InspectSettingsChange, int4_tensor, "tensor", "int4")
    ->Arg(4096)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_InspectSettingsChange, int4_group128, "group:128", "int4")
    ->Arg(4096)
    ->Unit(benchmark::kMillisecond);

// One step of a drag: the same tensor with a new clipping range each time.
void BM_InspectDraggedClip(benchmark::State& state)
{
    const auto model = squareModel(state.range(0));
    const auto limit = oneCore();
    QuantConfig config;
    config.granularity = parseGranularity("tensor");
    const TensorInspection calibrated = inspectTensor(*model, 0, config);
    const float reach = calibrated.block->clip.hi;
    InspectOptions options;
    int step = 0;
    for (auto _ : state) {
        const float hi = reach * (0.5f + 0.01f * static_cast<float>(step++ % 50));
        options.clip = ClipRange{-hi, hi};
        const TensorInspection in = inspectTensor(*model, 0, config, options);
        benchmark::DoNotOptimize(in.layer.metrics.sqnrDb);
    }
}
BENCHMARK(BM_InspectDraggedClip)->Arg(1024)->Unit(benchmark::kMillisecond);

// The methods' marks, computed once per tensor and settings in the background.
void BM_CalibrationMarks(benchmark::State& state)
{
    const auto model = squareModel(state.range(0));
    const auto limit = oneCore();
    QuantConfig config;
    config.granularity = parseGranularity("tensor");
    for (auto _ : state)
        benchmark::DoNotOptimize(calibrationMarks(*model, 0, config).size());
}
BENCHMARK(BM_CalibrationMarks)->Arg(1024)->Unit(benchmark::kMillisecond);

} // namespace
} // namespace qs::bench
