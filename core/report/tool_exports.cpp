#include "report/tool_exports.h"

#include "common/error.h"
#include "report/csv_text.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <optional>
#include <set>
#include <unordered_map>

namespace qs {

namespace {
constexpr const char* kDebuggerColumns[] = {
    "op_name",       "tensor_idx",         "num_elements", "stddev",     "mean_error",
    "max_abs_error", "mean_squared_error", "scale",        "zero_point", "tensor_name"};

struct DebuggerRow {
    std::string opName;
    std::optional<std::size_t> tensorIndex;
    std::uint64_t elements = 0;
    double stddev = 0;
    double meanError = 0;
    double maxAbsError = 0;
    double meanSquaredError = 0;
    std::optional<double> scale; // when the tensor is one block: one pair describes it
    std::optional<std::int32_t> zeroPoint;
    std::string tensorName;
};

std::vector<DebuggerRow> debuggerRows(const ModelReport& report,
                                      const std::vector<TensorInfo>& tensors)
{
    std::unordered_map<std::string, std::size_t> indexOf;
    for (std::size_t i = 0; i < tensors.size(); ++i)
        indexOf.emplace(tensors[i].name, i);
    std::vector<DebuggerRow> rows;
    for (const LayerReport& layer : report.layers) {
        DebuggerRow row;
        const auto found = indexOf.find(layer.name);
        if (found != indexOf.end()) {
            row.tensorIndex = found->second;
            if (const auto& use = tensors[found->second].use)
                row.opName = use->op;
        }
        const ErrorMetrics& m = layer.metrics;
        row.elements = m.count;
        // Population deviation of the error, as numpy's std: E[e²] - E[e]².
        row.stddev = std::sqrt(std::max(0.0, m.mse - m.meanErr * m.meanErr));
        row.meanError = m.meanErr;
        row.maxAbsError = m.maxAbsErr;
        row.meanSquaredError = m.mse;
        if (layer.scale) {
            row.scale = *layer.scale;
            row.zeroPoint = layer.zeroPoint.value_or(0);
        }
        row.tensorName = layer.name;
        rows.push_back(std::move(row));
    }
    return rows;
}

} // namespace

std::string llamaTensorPattern(const std::string& text)
{
    // llama-quantize lowercases each pattern before matching it, case-sensitively.
    if (std::any_of(text.begin(), text.end(), [](unsigned char c) { return std::isupper(c); }))
        throw UsageError("llama-quantize lowercases its patterns: '" + text +
                         "' has capitals and could not be matched");
    static const std::string special = R"(\^$.|?*+()[]{})";
    std::string escaped;
    for (char c : text) {
        if (special.find(c) != std::string::npos)
            escaped += '\\';
        escaped += c;
    }
    return '^' + escaped + '$';
}

void writeDebuggerCsv(std::ostream& out, const ModelReport& report,
                      const std::vector<TensorInfo>& tensors)
{
    const char* separator = "";
    for (const char* column : kDebuggerColumns) {
        out << separator << column;
        separator = ",";
    }
    out << "\r\n";
    for (const DebuggerRow& row : debuggerRows(report, tensors))
        out << csvText(row.opName) << ','
            << (row.tensorIndex ? std::to_string(*row.tensorIndex) : "") << ',' << row.elements
            << ',' << csvNumber(row.stddev) << ',' << csvNumber(row.meanError) << ','
            << csvNumber(row.maxAbsError) << ',' << csvNumber(row.meanSquaredError) << ','
            << (row.scale ? csvNumber(*row.scale) : "") << ','
            << (row.zeroPoint ? std::to_string(*row.zeroPoint) : "") << ','
            << csvText(row.tensorName) << "\r\n";
}

nlohmann::ordered_json debuggerJson(const ModelReport& report,
                                    const std::vector<TensorInfo>& tensors)
{
    auto records = nlohmann::ordered_json::array();
    const auto orNull = [](const auto& value) {
        return value ? nlohmann::ordered_json(*value) : nlohmann::ordered_json(nullptr);
    };
    for (const DebuggerRow& row : debuggerRows(report, tensors))
        records.push_back({{"op_name", row.opName},
                           {"tensor_idx", orNull(row.tensorIndex)},
                           {"num_elements", row.elements},
                           {"stddev", row.stddev},
                           {"mean_error", row.meanError},
                           {"max_abs_error", row.maxAbsError},
                           {"mean_squared_error", row.meanSquaredError},
                           {"scale", orNull(row.scale)},
                           {"zero_point", orNull(row.zeroPoint)},
                           {"tensor_name", row.tensorName}});
    return records;
}

nlohmann::ordered_json ortNodesToExclude(const ModelReport& report,
                                         const std::vector<TensorInfo>& tensors,
                                         const std::vector<std::size_t>& kept)
{
    if (report.format != "onnx")
        throw UsageError("nodes_to_exclude names ONNX graph nodes: " + report.path + " is " +
                         report.format + ", not ONNX");
    std::unordered_map<std::string, const TensorInfo*> byName;
    for (const TensorInfo& info : tensors)
        byName.emplace(info.name, &info);
    auto nodes = nlohmann::ordered_json::array();
    std::set<std::string> listed;
    for (std::size_t index : kept) {
        const std::string& name = report.layers.at(index).name;
        const auto found = byName.find(name);
        const TensorInfo* info = found == byName.end() ? nullptr : found->second;
        if (info && info->use && !info->use->allReadersListed)
            throw UsageError("nodes_to_exclude: " + name +
                             " is read by too many nodes to list; exclude by op type instead");
        if (!info || !info->use || info->use->readers.empty())
            throw UsageError("nodes_to_exclude: no named node reads " + name +
                             " (name the graph's nodes, e.g. with onnx's ensure names)");
        // Every reader: a weight shared by two layers, or passed through a Transpose or a
        // Cast, stays in float only if none of them is quantized.
        for (const std::string& node : info->use->readers)
            if (listed.insert(node).second)
                nodes.push_back(node);
    }
    return {{"nodes_to_exclude", nodes}};
}

bool isLlamaKeepType(const std::string& type)
{
    static const std::set<std::string> types = {"f32",  "f16",  "bf16", "q8_0",   "q6_k",
                                                "q5_k", "q5_0", "q5_1", "q4_k",   "q4_0",
                                                "q4_1", "q3_k", "q2_k", "iq4_nl", "iq4_xs"};
    std::string lower = type;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return char(std::tolower(c)); });
    return types.count(lower) > 0;
}

void writeLlamaTensorTypes(std::ostream& out, const ModelReport& report,
                           const std::vector<std::size_t>& kept, const std::string& type)
{
    if (!isLlamaKeepType(type))
        throw UsageError("--keep-type: '" + type +
                         "' is not a ggml type llama-quantize takes (f16, bf16, q8_0, q6_K ...)");
    for (std::size_t index : kept)
        out << llamaTensorPattern(report.layers.at(index).name) << '=' << type << '\n';
}

nlohmann::ordered_json torchQconfigMapping(const ModelReport& report,
                                           const std::vector<std::size_t>& kept)
{
    auto modules = nlohmann::ordered_json::array();
    std::set<std::string> listed;
    for (std::size_t index : kept) {
        const std::string& name = report.layers.at(index).name;
        const std::size_t dot = name.rfind('.');
        const std::string module = dot == std::string::npos ? name : name.substr(0, dot);
        if (listed.insert(module).second)
            modules.push_back(nlohmann::ordered_json::array({module, nullptr}));
    }
    return {{"module_name", modules}};
}

} // namespace qs
