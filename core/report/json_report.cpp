#include "report/json_report.h"

#include "gemm/gemm_kernel.h"

#include <cmath>

namespace qs {

nlohmann::ordered_json metricJson(double value)
{
    if (std::isnan(value))
        return "nan";
    if (std::isinf(value))
        return value > 0 ? "inf" : "-inf";
    return value;
}

std::uint64_t floatParameters(const ModelFile& model)
{
    std::uint64_t count = 0;
    for (const TensorInfo& info : model.tensors())
        if (isFloat(info.dtype))
            count += info.numel;
    return count;
}

nlohmann::ordered_json infoJson(const ModelFile& model)
{
    nlohmann::ordered_json doc;
    doc["path"] = model.path();
    doc["format"] = model.format();
    doc["parameters"] = floatParameters(model);
    doc["metadata"] = model.metadata();
    auto& tensors = doc["tensors"] = nlohmann::ordered_json::array();
    for (const TensorInfo& info : model.tensors()) {
        nlohmann::ordered_json entry{
            {"name", info.name},   {"shape", info.shape},   {"dtype", storedTypeName(info)},
            {"numel", info.numel}, {"offset", info.offset}, {"nbytes", info.nbytes}};
        if (isBlockType(info.dtype))
            entry["bits_per_element"] = bitsPerElement(info.dtype);
        if (!info.unsupported.empty())
            entry["unsupported"] = info.unsupported;
        if (info.use) {
            nlohmann::ordered_json use{{"op", info.use->op},
                                       {"node", info.use->node},
                                       {"input", info.use->input},
                                       {"role", info.use->role}};
            if (info.use->outputChannelAxis >= 0)
                use["output_channel_axis"] = info.use->outputChannelAxis;
            entry["use"] = std::move(use);
        }
        tensors.push_back(std::move(entry));
    }
    return doc;
}

namespace {
nlohmann::ordered_json matmulJson(const ModelReport& report)
{
    const MatmulOptions& options = *report.matmul;
    nlohmann::ordered_json m;
    m["act_dtype"] = toString(options.activationType);
    m["act_calibration"] =
        toString(options.activationCalibration.value_or(report.config.calibration));
    m["activations"] = report.activations;
    const bool synthetic = options.activationsPath.empty();
    m["act_dist"] = synthetic ? nlohmann::ordered_json(toString(options.synthetic.distribution))
                              : nlohmann::ordered_json(nullptr);
    m["batch"] =
        synthetic ? nlohmann::ordered_json(options.batch) : nlohmann::ordered_json(nullptr);
    m["seed"] = synthetic ? nlohmann::ordered_json(options.synthetic.seed)
                          : nlohmann::ordered_json(nullptr);
    m["kernel"] = toString(bestGemmKernel());
    return m;
}

nlohmann::ordered_json outputJson(const LayerOutput& output)
{
    nlohmann::ordered_json o{{"m", output.m},
                             {"n", output.n},
                             {"k", output.k},
                             {"layout", output.layout},
                             {"weight_granularity", output.weightGranularity},
                             {"act_scale", metricJson(output.actScale)},
                             {"act_zero_point", output.actZeroPoint},
                             {"nonfinite", output.nonfinite}};
    addMetricsJson(o, output.metrics, false);
    return o;
}
} // namespace

nlohmann::ordered_json configJson(const QuantConfig& config)
{
    const bool isFloat = config.format.kind == NumberFormat::Kind::Float;
    nlohmann::ordered_json c;
    c["dtype"] = toString(config.format);
    c["preset"] = config.preset == Preset::None ? nlohmann::ordered_json(nullptr)
                                                : nlohmann::ordered_json(toString(config.preset));
    c["scheme"] = toString(config.scheme);
    c["granularity"] = toString(config.granularity);
    c["calibration"] = toString(config.calibration);
    c["narrow_range"] = config.narrowRange;
    c["fp_mode"] = isFloat && config.preset == Preset::None
                       ? nlohmann::ordered_json(toString(config.effectiveFpMode()))
                       : nlohmann::ordered_json(nullptr);
    c["convention"] = toString(config.convention);
    return c;
}

void addMetricsJson(nlohmann::ordered_json& out, const ErrorMetrics& m, bool withClipped)
{
    out["mse"] = metricJson(m.mse);
    out["rmse"] = metricJson(m.rmse);
    out["max_abs_err"] = metricJson(m.maxAbsErr);
    out["mean_err"] = metricJson(m.meanErr);
    out["sqnr_db"] = metricJson(m.sqnrDb);
    out["cosine"] = metricJson(m.cosine);
    out["rel_fro"] = metricJson(m.relFro);
    if (withClipped)
        out["clipped_frac"] = metricJson(m.clippedFrac);
}

nlohmann::ordered_json reportJson(const ModelReport& report)
{
    nlohmann::ordered_json doc;
    doc["quantscope_report"] = 1;
    doc["model"] = {{"path", report.path},
                    {"format", report.format},
                    {"tensors", report.tensorCount},
                    {"parameters", report.parameters}};
    doc["config"] = configJson(report.config);
    if (report.matmul)
        doc["matmul"] = matmulJson(report);
    auto& layers = doc["layers"] = nlohmann::ordered_json::array();
    for (const LayerReport& layer : report.layers) {
        nlohmann::ordered_json l;
        l["name"] = layer.name;
        l["shape"] = layer.shape;
        l["dtype"] = dtypeName(layer.dtype);
        l["numel"] = layer.numel;
        l["nonfinite"] = layer.nonfinite;
        l["blocks"] = layer.blocks;
        l["scale_min"] = metricJson(layer.scaleMin);
        l["scale_max"] = metricJson(layer.scaleMax);
        if (layer.scale)
            l["scale"] = metricJson(*layer.scale);
        if (layer.zeroPoint)
            l["zero_point"] = *layer.zeroPoint;
        addMetricsJson(l, layer.metrics);
        if (layer.casts) {
            l["overflow"] = layer.casts->overflow;
            l["underflow"] = layer.casts->underflow;
        }
        if (layer.output)
            l["output"] = outputJson(*layer.output);
        else if (report.matmul)
            l["output_skipped"] = layer.outputSkipped;
        layers.push_back(std::move(l));
    }
    auto& skipped = doc["skipped"] = nlohmann::ordered_json::array();
    for (const SkippedTensor& s : report.skipped)
        skipped.push_back({{"name", s.name}, {"reason", s.reason}});
    nlohmann::ordered_json summary;
    summary["parameters"] = report.summary.parameters;
    addMetricsJson(summary, report.summary.metrics);
    if (report.summary.output) {
        nlohmann::ordered_json output{{"layers", report.summary.outputLayers}};
        addMetricsJson(output, *report.summary.output, false);
        summary["output"] = std::move(output);
    }
    doc["summary"] = std::move(summary);
    return doc;
}

} // namespace qs
