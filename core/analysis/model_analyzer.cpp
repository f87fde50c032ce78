#include "analysis/model_analyzer.h"

#include "analysis/float_values.h"
#include "common/error.h"

#include <algorithm>
#include <atomic>
#include <functional>
#include <mutex>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

namespace qs {

namespace {
std::optional<std::string> skipReason(const TensorInfo& info, const QuantConfig& config)
{
    if (!info.unsupported.empty())
        return info.unsupported;
    if (!isFloat(info.dtype)) {
        const bool isBool = info.dtype == DType::Bool;
        return std::string(isBool ? "boolean tensor (" : "integer tensor (") +
               std::string(dtypeName(info.dtype)) + ")";
    }
    return whyNotApplicable(info.shape, config);
}

} // namespace

LayerReport analyzeTensor(const TensorInfo& info, std::span<const float> values,
                          const QuantConfig& config,
                          const std::function<bool(std::uint64_t)>& progress)
{
    QuantizeRequest request;
    request.progress = progress;
    return layerReport(info, quantizeTensor(values, info.shape, config, request), config);
}

LayerReport layerReport(const TensorInfo& info, const TensorQuantization& q,
                        const QuantConfig& config)
{
    LayerReport layer;
    layer.name = info.name;
    layer.shape = info.shape;
    layer.dtype = info.dtype;
    layer.numel = info.numel;
    layer.nonfinite = q.nonfinite;
    layer.blocks = q.blocks;
    layer.scaleMin = q.scaleMin;
    layer.scaleMax = q.scaleMax;
    if (q.blocks == 1) {
        layer.scale = q.blockRecords.front().scale;
        layer.zeroPoint = q.blockRecords.front().zeroPoint;
    }
    if (config.format.kind == NumberFormat::Kind::Float)
        layer.casts = q.casts;
    layer.metrics = computeMetrics(q.sums);
    layer.sums = q.sums;
    return layer;
}

namespace {
void addLayerOutput(LayerReport& layer, const ModelFile& model, std::size_t index,
                    std::span<const float> values, const QuantConfig& config,
                    const MatmulOptions& options, const ActivationSource& source)
{
    const TensorInfo& info = model.tensors()[index];
    const MatmulEligibility eligibility = matmulView(info, model.tensors());
    if (!eligibility.view) {
        layer.outputSkipped = eligibility.reason;
        return;
    }
    auto rows = source.rowsFor(info.name, *eligibility.view);
    if (auto* reason = std::get_if<std::string>(&rows)) {
        layer.outputSkipped = *reason;
        return;
    }
    const auto& x = std::get<ActivationSource::Rows>(rows);
    auto measured =
        measureLayerOutput(values, info.shape, *eligibility.view, x.values, x.m, config, options);
    if (auto* reason = std::get_if<std::string>(&measured))
        layer.outputSkipped = *reason;
    else
        layer.output = std::get<LayerOutput>(std::move(measured));
}
} // namespace

ModelReport analyzeModel(const ModelFile& model, const QuantConfig& config,
                         const AnalyzeOptions& options)
{
    validate(config);
    std::optional<ActivationSource> activations;
    if (options.matmul) {
        validateMatmul(config, *options.matmul);
        activations.emplace(*options.matmul);
    }
    std::optional<tbb::global_control> threadLimit;
    if (options.threads > 0)
        threadLimit.emplace(tbb::global_control::max_allowed_parallelism,
                            static_cast<std::size_t>(options.threads));

    ModelReport report;
    report.path = model.path();
    report.format = model.format();
    report.tensorCount = model.tensors().size();
    report.config = config;
    report.matmul = options.matmul;
    if (activations)
        report.activations = activations->describe();

    const auto& tensors = model.tensors();
    std::vector<std::size_t> selected;
    std::uint64_t totalElements = 0;
    for (std::size_t i = 0; i < tensors.size(); ++i) {
        const TensorInfo& info = tensors[i];
        if (isFloat(info.dtype))
            report.parameters += info.numel;
        if (options.tensorFilter && !std::regex_search(info.name, *options.tensorFilter))
            continue;
        if (auto reason = skipReason(info, config)) {
            report.skipped.push_back({info.name, *reason});
            continue;
        }
        selected.push_back(i);
        totalElements += info.numel;
    }
    if (activations && activations->singleArray()) {
        const auto eligible = std::count_if(selected.begin(), selected.end(), [&](std::size_t i) {
            return matmulView(tensors[i], tensors).view.has_value();
        });
        if (eligible > 1)
            throw UsageError("--activations: a .npy holds one layer's inputs, but " +
                             std::to_string(eligible) +
                             " layers are selected; pick one with --tensors or give an .npz");
    }

    // Progress counts elements as their blocks finish, so a single large tensor reports (and
    // can be cancelled) while it is being worked on.
    std::atomic<std::uint64_t> done{0};
    std::mutex progressMutex;
    std::function<bool(std::uint64_t)> progress;
    if (options.progress)
        progress = [&](std::uint64_t finished) {
            const std::uint64_t total = done += finished;
            std::lock_guard lock(progressMutex);
            return options.progress->report(total, totalElements);
        };
    std::vector<LayerReport> layers(selected.size());
    tbb::parallel_for(std::size_t{0}, selected.size(), [&](std::size_t k) {
        const TensorInfo& info = tensors[selected[k]];
        // Isolated: while this thread waits inside the tensor's own parallel loops, TBB must
        // not hand it another tensor, which would reuse its widening buffer underneath.
        tbb::this_task_arena::isolate([&] {
            withFloatValues(model, selected[k], [&](std::span<const float> values) {
                layers[k] = analyzeTensor(info, values, config, progress);
                if (activations)
                    addLayerOutput(layers[k], model, selected[k], values, config, *options.matmul,
                                   *activations);
            });
            if (options.layerDone)
                options.layerDone(selected[k], layers[k]);
        });
    });
    report.layers = std::move(layers);

    ErrorSums total;
    for (const LayerReport& layer : report.layers)
        total.merge(layer.sums);
    report.summary.parameters = total.count;
    report.summary.metrics = computeMetrics(total);
    if (activations) {
        ErrorSums outputs;
        for (const LayerReport& layer : report.layers) {
            if (layer.output) {
                outputs.merge(layer.output->sums);
                ++report.summary.outputLayers;
            }
        }
        report.summary.output = computeMetrics(outputs);
    }
    return report;
}

} // namespace qs
