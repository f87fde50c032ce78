#include "analysis/format_options.h"

#include "analysis/storage_size.h"
#include "common/error.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <unordered_map>

namespace qs {

FormatOption parseFormatOption(const std::string& spec, const QuantConfig& base)
{
    FormatOption option;
    option.label = spec;
    if (spec == "stored") {
        option.stored = true;
        return option;
    }
    const std::size_t slash = spec.find('/');
    const std::string format = spec.substr(0, slash);
    try {
        if (format.rfind("gguf-", 0) == 0 || format.rfind("mx", 0) == 0) {
            if (slash != std::string::npos)
                throw UsageError("a preset fixes its granularity");
            option.config = applyPreset(base, parsePreset(format));
            if (option.config.preset == Preset::GgufQ8_0)
                option.ggmlType = "q8_0";
            else if (option.config.preset == Preset::GgufQ4_0)
                option.ggmlType = "q4_0";
            else if (option.config.preset == Preset::Mxfp4)
                option.ggmlType = "mxfp4";
        } else {
            option.config = base;
            option.config.preset = Preset::None;
            option.config.format = parseNumberFormat(format);
            option.config.fpMode.reset();
            if (option.config.format.kind == NumberFormat::Kind::Float) {
                option.config.scheme = Scheme::Symmetric;
                option.config.narrowRange = false;
                if (option.config.calibration.method == Calibration::Method::Kl)
                    option.config.calibration = {};
            }
            if (slash != std::string::npos)
                option.config.granularity = parseGranularity(spec.substr(slash + 1));
            if (format == "fp16" && option.config.effectiveFpMode() == FpMode::Unscaled)
                option.ggmlType = "f16";
            if (format == "bf16" && option.config.effectiveFpMode() == FpMode::Unscaled)
                option.ggmlType = "bf16";
        }
        validate(option.config);
    } catch (const UsageError& error) {
        throw UsageError("--formats: '" + spec + "': " + error.what());
    }
    return option;
}

std::vector<FormatOption> defaultFormatOptions(const QuantConfig& base)
{
    std::vector<std::string> specs = {"stored", "fp16", "bf16"};
    for (int bits : {8, 6, 5, 4, 3, 2})
        for (const char* granularity : {"channel", "group:32", "group:128"})
            specs.push_back("int" + std::to_string(bits) + "/" + granularity);
    specs.insert(specs.end(),
                 {"int8/tensor", "int4/tensor", "fp8-e4m3/channel", "fp4-e2m1/group:32",
                  "gguf-q8_0", "gguf-q4_0", "mxfp4", "mxfp8-e4m3"});
    // The base's scheme and calibration, minus what a grid of few levels cannot take.
    QuantConfig integerBase = base;
    integerBase.narrowRange = false;
    std::vector<FormatOption> options;
    for (const std::string& spec : specs) {
        try {
            options.push_back(parseFormatOption(spec, integerBase));
        } catch (const UsageError&) {
            // A combination the base's settings cannot take (kl on a float format ...).
        }
    }
    return options;
}

std::vector<FormatOption> ggmlFormatOptions()
{
    std::vector<FormatOption> options;
    for (const char* spec : {"stored", "fp16", "bf16", "gguf-q8_0", "gguf-q4_0", "mxfp4"})
        options.push_back(parseFormatOption(spec, QuantConfig{}));
    return options;
}

std::uint64_t FormatTable::weights() const
{
    std::uint64_t total = 0;
    for (auto n : numel)
        total += n;
    return total;
}

FormatTable::ModelPoint FormatTable::modelPoint(std::size_t option) const
{
    ModelPoint point;
    double bits = 0, signal = 0, error = 0;
    std::uint64_t weights = 0;
    const std::size_t storedOption = std::find_if(options.begin(), options.end(),
                                                  [](const FormatOption& o) { return o.stored; }) -
                                     options.begin();
    for (std::size_t layer = 0; layer < layers.size(); ++layer) {
        const OptionCell& own = cells[layer][option];
        const OptionCell& cell =
            own.applies || storedOption == options.size() ? own : cells[layer][storedOption];
        point.layersTaken += own.applies;
        bits += cell.bits;
        signal += cell.sums.sumX2;
        error += cell.sums.sumE2;
        weights += numel[layer];
    }
    point.bitsPerWeight = weights ? bits / double(weights) : 0.0;
    point.sqnrDb =
        error == 0 ? std::numeric_limits<double>::infinity() : 10.0 * std::log10(signal / error);
    return point;
}

namespace {
// Asks the option callback again as blocks finish, so that a stop request does not wait
// for a whole-model analysis to end.
class OptionProgress final : public Progress {
public:
    OptionProgress(const std::function<bool(std::size_t, std::size_t)>& onOption,
                   std::size_t option, std::size_t total)
        : onOption_(onOption)
        , option_(option)
        , total_(total)
    {
    }
    bool report(std::uint64_t, std::uint64_t) override { return onOption_(option_, total_); }

private:
    const std::function<bool(std::size_t, std::size_t)>& onOption_;
    std::size_t option_;
    std::size_t total_;
};
} // namespace

FormatTable measureFormatOptions(const ModelFile& model, std::vector<FormatOption> options,
                                 const AnalyzeOptions& analyzeOptions,
                                 const std::function<bool(std::size_t, std::size_t)>& onOption)
{
    FormatTable table;
    table.options = std::move(options);
    const auto& tensors = model.tensors();
    std::unordered_map<std::string, std::size_t> tensorIndex;
    for (std::size_t i = 0; i < tensors.size(); ++i)
        tensorIndex.emplace(tensors[i].name, i);
    // Per tensor of the file: its row in the table once some option analysed it.
    std::vector<std::vector<OptionCell>> byTensor(tensors.size());
    std::vector<const LayerReport*> anyLayer(tensors.size(), nullptr);
    std::vector<ModelReport> reports;
    reports.reserve(table.options.size());
    const std::size_t total = table.options.size();
    for (std::size_t o = 0; o < total; ++o) {
        if (onOption && !onOption(o, total))
            throw CancelledError();
        if (table.options[o].stored) {
            reports.emplace_back();
            continue;
        }
        AnalyzeOptions runOptions;
        runOptions.threads = analyzeOptions.threads;
        runOptions.tensorFilter = analyzeOptions.tensorFilter;
        std::optional<OptionProgress> progress;
        if (onOption)
            runOptions.progress = &progress.emplace(onOption, o, total);
        reports.push_back(analyzeModel(model, table.options[o].config, runOptions));
        for (const LayerReport& layer : reports.back().layers) {
            const std::size_t t = tensorIndex.at(layer.name);
            auto& row = byTensor[t];
            row.resize(total);
            OptionCell& cell = row[o];
            cell.applies = true;
            cell.bits = layerStorage(layer, table.options[o].config).bitsAfter;
            cell.sums = layer.sums;
            cell.metrics = layer.metrics;
            anyLayer[t] = &layer;
        }
    }
    for (std::size_t t = 0; t < tensors.size(); ++t) {
        if (!anyLayer[t])
            continue;
        auto& row = byTensor[t];
        for (std::size_t o = 0; o < total; ++o) {
            if (!table.options[o].stored)
                continue;
            // As stored: the file's own bits, no error, the same signal.
            OptionCell& cell = row[o];
            cell.applies = true;
            cell.bits = double(anyLayer[t]->numel) * bitsPerElement(anyLayer[t]->dtype);
            cell.sums.sumX2 = anyLayer[t]->sums.sumX2;
            cell.sums.count = anyLayer[t]->sums.count;
            cell.metrics = computeMetrics(cell.sums);
        }
        table.layers.push_back(anyLayer[t]->name);
        table.numel.push_back(anyLayer[t]->numel);
        table.dtype.push_back(anyLayer[t]->dtype);
        table.rank.push_back(anyLayer[t]->shape.size());
        table.cells.push_back(std::move(row));
    }
    return table;
}

void keepOnlyWhatLlamaQuantizes(FormatTable& table)
{
    const std::string suffix = "weight";
    for (std::size_t l = 0; l < table.layers.size(); ++l) {
        const std::string& name = table.layers[l];
        const bool quantizable =
            table.rank[l] >= 2 && name.size() >= suffix.size() &&
            name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
        if (quantizable)
            continue;
        for (std::size_t o = 0; o < table.options.size(); ++o)
            if (!table.options[o].stored)
                table.cells[l][o].applies = false;
    }
}

std::vector<bool> paretoOptimal(const std::vector<std::pair<double, double>>& bitsAndError)
{
    std::vector<std::size_t> order(bitsAndError.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return bitsAndError[a] < bitsAndError[b]; // by bits, then by error
    });
    std::vector<bool> optimal(bitsAndError.size(), false);
    double bestError = std::numeric_limits<double>::infinity();
    for (std::size_t i : order) {
        if (bitsAndError[i].second < bestError) {
            optimal[i] = true;
            bestError = bitsAndError[i].second;
        }
    }
    return optimal;
}

} // namespace qs
