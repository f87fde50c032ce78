#include "formats/onnx_reader.h"

#include "common/error.h"
#include "common/mapped_file.h"
#include "formats/json_header.h"
#include "formats/onnx_tensor_data.h"
#include "tensor/decode.h"

#include <algorithm>
#include <deque>
#include <filesystem>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/stubs/logging.h>
#include <map>
#include <mutex>
#include <onnx/onnx_pb.h>
#include <set>

namespace qs {

namespace {
namespace fs = std::filesystem;

// Protobuf refuses messages nested deeper than this; a graph inside an If inside a graph
// costs three levels, so it allows about 30 levels of subgraphs.
constexpr int kProtobufRecursionLimit = 100;

// Protobuf reports parse problems through its log; keep them for the error message
// instead of letting them reach stderr (the CLI prints exactly one line on bad input).
thread_local std::string lastProtobufMessage;

void captureProtobufLog(google::protobuf::LogLevel, const char*, int, const std::string& message)
{
    lastProtobufMessage = message;
}

void installProtobufLogHandler()
{
    static std::once_flag once;
    std::call_once(once, [] { google::protobuf::SetLogHandler(captureProtobufLog); });
}

// One weight as found in the model, before it becomes a TensorInfo.
struct Definition {
    std::string name;      // unique, with the subgraph path
    std::string localName; // the value name inside its graph
    const onnx::GraphProto* graph = nullptr;
    TensorSource source;
    const onnx::NodeProto* consumer = nullptr;
};

struct Use {
    const onnx::NodeProto* node = nullptr;
    int input = -1;
};

std::string nodeLabel(const onnx::NodeProto& node, int index)
{
    return node.name().empty() ? node.op_type() + "#" + std::to_string(index) : node.name();
}

std::int64_t intAttribute(const onnx::NodeProto& node, const std::string& name,
                          std::int64_t fallback)
{
    for (const auto& attribute : node.attribute())
        if (attribute.name() == name && attribute.type() == onnx::AttributeProto::INT)
            return attribute.i();
    return fallback;
}

// What an input of an operator is, and where a weight's output channels are.
void describeUse(const onnx::NodeProto& node, int input, std::size_t rank, TensorUse& use)
{
    const std::string& op = node.op_type();
    use.op = op;
    use.node = node.name();
    use.input = input;
    const auto lastAxis = rank >= 2 ? static_cast<int>(rank) - 1 : -1;
    if (op == "Conv" || op == "ConvTranspose") {
        use.role = input == 1 ? "weight" : input == 2 ? "bias" : "";
        if (input == 1)
            use.outputChannelAxis = op == "Conv" ? 0 : 1;
    } else if (op == "Gemm") {
        use.role = input == 1 ? "weight" : input == 2 ? "bias" : "";
        if (input == 1 && rank == 2)
            use.outputChannelAxis = intAttribute(node, "transB", 0) ? 0 : 1;
    } else if (op == "MatMul") {
        use.role = input == 1 ? "weight" : "";
        if (input == 1)
            use.outputChannelAxis = lastAxis;
    } else if (op == "LSTM" || op == "GRU" || op == "RNN") {
        use.role = input == 1 ? "weight" : input == 2 ? "recurrence" : input == 3 ? "bias" : "";
        if (input == 1 || input == 2)
            use.outputChannelAxis = 1;
    } else if (op == "BatchNormalization") {
        static const char* roles[] = {"", "scale", "bias", "mean", "variance"};
        use.role = input >= 1 && input <= 4 ? roles[input] : "";
    } else if (op == "LayerNormalization" || op == "InstanceNormalization" ||
               op == "GroupNormalization") {
        use.role = input == 1 ? "scale" : input == 2 ? "bias" : "";
    } else if (op == "DequantizeLinear") {
        use.role = input == 0 ? "quantized weight" : input == 1 ? "scale" : "zero point";
    } else if (op == "Gather" && input == 0) {
        use.role = "embedding";
        use.outputChannelAxis = 0;
    }
}

class OnnxModel final : public ModelFile {
public:
    explicit OnnxModel(std::shared_ptr<const MappedFile> file)
        : ModelFile(file->path())
        , file_(std::move(file))
        , proto_(std::make_shared<onnx::ModelProto>())
        , data_(path_, proto_)
    {
    }

    std::string format() const override { return "onnx"; }
    TensorBytes read(std::size_t index) const override
    {
        return data_.read(definitions_.at(index).source, tensors_.at(index));
    }

    void parse();

private:
    [[noreturn]] void fail(const std::string& problem) const
    {
        throw InputError(path_, std::nullopt, problem);
    }
    void parseProtobuf();
    void collect(const onnx::GraphProto& graph, const std::string& prefix);
    void addTensor(const onnx::GraphProto& graph, const std::string& prefix,
                   const std::string& localName, TensorSource source);
    const std::map<std::string, std::vector<Use>>& uses(const onnx::GraphProto& graph);
    std::vector<std::string> readersOf(const onnx::GraphProto& graph, const std::string& value,
                                       bool& complete);
    void labelUses();
    void decodeDequantized();
    const Definition* lookUp(const onnx::GraphProto* graph, const std::string& name) const;
    void describeModel();

    std::shared_ptr<const MappedFile> file_;
    std::shared_ptr<onnx::ModelProto> proto_;
    OnnxTensorData data_;
    std::vector<Definition> definitions_; // parallel to tensors_
    std::map<const onnx::GraphProto*, const onnx::GraphProto*> parents_;
    std::map<const onnx::GraphProto*, std::map<std::string, std::vector<Use>>> uses_;
    std::set<std::string> names_;
    std::map<std::pair<const onnx::GraphProto*, std::string>, std::size_t> byScope_;
};

void OnnxModel::parseProtobuf()
{
    const auto bytes = file_->bytes();
    if (bytes.size() > static_cast<std::uint64_t>(std::numeric_limits<int>::max()))
        fail("an ONNX protobuf larger than 2 GiB cannot be parsed (such models keep their "
             "weights in external data files)");
    installProtobufLogHandler();
    google::protobuf::io::ArrayInputStream stream(bytes.data(), static_cast<int>(bytes.size()));
    google::protobuf::io::CodedInputStream coded(&stream);
    coded.SetTotalBytesLimit(static_cast<int>(bytes.size()));
    coded.SetRecursionLimit(kProtobufRecursionLimit);
    lastProtobufMessage.clear();
    if (!proto_->ParseFromCodedStream(&coded) || !coded.ConsumedEntireMessage())
        fail("not a valid ONNX model (protobuf parse failed" +
             (lastProtobufMessage.empty() ? std::string(")")
                                          : ": " + printable(lastProtobufMessage) + ")"));
    if (!proto_->has_graph())
        fail("the ONNX model has no graph");
}

void OnnxModel::addTensor(const onnx::GraphProto& graph, const std::string& prefix,
                          const std::string& localName, TensorSource source)
{
    Definition definition;
    definition.localName = localName;
    definition.name = prefix + localName;
    definition.graph = &graph;
    if (!names_.insert(definition.name).second)
        fail("two weights are named \"" + printable(definition.name) + "\"");
    TensorInfo info = data_.describe(source, definition.name);
    byScope_.try_emplace({&graph, localName}, definitions_.size());
    definition.source = std::move(source);
    tensors_.push_back(std::move(info));
    definitions_.push_back(std::move(definition));
}

void OnnxModel::collect(const onnx::GraphProto& graph, const std::string& prefix)
{
    for (const auto& initializer : graph.initializer())
        addTensor(graph, prefix, initializer.name(), TensorSource::ofTensor(initializer));
    for (const auto& sparse : graph.sparse_initializer())
        addTensor(graph, prefix, sparse.values().name(), TensorSource::ofSparse(sparse));
    for (int n = 0; n < graph.node_size(); ++n) {
        const onnx::NodeProto& node = graph.node(n);
        if (node.op_type() == "Constant" && node.domain().empty() && node.output_size() > 0) {
            for (const auto& attribute : node.attribute()) {
                // The output name is what the graph refers to; Paddle2ONNX names it after
                // the weight, the inner TensorProto's name is often different or empty.
                if (auto source = TensorSource::ofConstant(attribute))
                    addTensor(graph, prefix, node.output(0), std::move(*source));
            }
        }
        for (const auto& attribute : node.attribute()) {
            const std::string path = prefix + nodeLabel(node, n) + "/" + attribute.name() + "/";
            if (attribute.has_g()) {
                parents_[&attribute.g()] = &graph;
                collect(attribute.g(), path);
            }
            for (int g = 0; g < attribute.graphs_size(); ++g) {
                parents_[&attribute.graphs(g)] = &graph;
                collect(attribute.graphs(g), prefix + nodeLabel(node, n) + "/" + attribute.name() +
                                                 std::to_string(g) + "/");
            }
        }
    }
}

// Every node that reads each value name of `graph`, in graph order (a node's inputs before
// its subgraphs), including reads from inside subgraphs of values of outer scopes.
const std::map<std::string, std::vector<Use>>& OnnxModel::uses(const onnx::GraphProto& graph)
{
    if (const auto found = uses_.find(&graph); found != uses_.end())
        return found->second;
    std::map<std::string, std::vector<Use>> all;
    const auto addFrom = [&all](const std::map<std::string, std::vector<Use>>& inner) {
        for (const auto& [name, reads] : inner)
            all[name].insert(all[name].end(), reads.begin(), reads.end());
    };
    for (const auto& node : graph.node()) {
        for (int i = 0; i < node.input_size(); ++i)
            all[node.input(i)].push_back(Use{&node, i});
        for (const auto& attribute : node.attribute()) {
            if (attribute.has_g())
                addFrom(uses(attribute.g()));
            for (const auto& subgraph : attribute.graphs())
                addFrom(uses(subgraph));
        }
    }
    return uses_[&graph] = std::move(all);
}

// The named nodes that read `value`, following it (as their data input) through nodes
// that pass a weight on reshaped, retyped or dequantized. Bounded: past kMostReaders the
// list is given up (empty, and `complete` false) rather than cut short.
std::vector<std::string> OnnxModel::readersOf(const onnx::GraphProto& graph,
                                              const std::string& value, bool& complete)
{
    static const std::set<std::string> passOn = {
        "Transpose", "Cast",    "Reshape",          "Identity",      "Squeeze",
        "Unsqueeze", "Flatten", "DequantizeLinear", "QuantizeLinear"};
    constexpr std::size_t kMostReaders = 256;
    const auto& all = uses(graph);
    std::vector<std::string> readers;
    std::set<std::string> followed{value};
    std::deque<std::string> pending{value};
    complete = true;
    while (!pending.empty()) {
        if (readers.size() > kMostReaders) {
            complete = false;
            return {};
        }
        const auto found = all.find(pending.front());
        pending.pop_front();
        if (found == all.end())
            continue;
        for (const Use& use : found->second) {
            const onnx::NodeProto& node = *use.node;
            if (!node.name().empty() &&
                std::find(readers.begin(), readers.end(), node.name()) == readers.end())
                readers.push_back(node.name());
            if (use.input == 0 && passOn.count(node.op_type()) && node.output_size() > 0 &&
                followed.insert(node.output(0)).second)
                pending.push_back(node.output(0));
        }
    }
    return readers;
}

void OnnxModel::labelUses()
{
    for (std::size_t i = 0; i < definitions_.size(); ++i) {
        Definition& definition = definitions_[i];
        const auto& reads = uses(*definition.graph);
        const auto found = reads.find(definition.localName);
        if (found == reads.end())
            continue;
        const Use& first = found->second.front();
        definition.consumer = first.node;
        TensorUse use;
        describeUse(*first.node, first.input, tensors_[i].shape.size(), use);
        use.readers = readersOf(*definition.graph, definition.localName, use.allReadersListed);
        tensors_[i].use = std::move(use);
    }
}

const Definition* OnnxModel::lookUp(const onnx::GraphProto* graph, const std::string& name) const
{
    // Inner scopes first, as ONNX resolves names.
    for (; graph; graph = parents_.count(graph) ? parents_.at(graph) : nullptr)
        if (const auto found = byScope_.find({graph, name}); found != byScope_.end())
            return &definitions_[found->second];
    return nullptr;
}

// Integer weights read by DequantizeLinear with constant scales become the real values
// the model computes with; the stored integer type stays visible as the stored type.
void OnnxModel::decodeDequantized()
{
    for (std::size_t i = 0; i < definitions_.size(); ++i) {
        Definition& definition = definitions_[i];
        TensorInfo& info = tensors_[i];
        if (!definition.consumer || !info.use || info.use->op != "DequantizeLinear" ||
            info.use->input != 0 || !info.unsupported.empty() || isFloat(info.dtype))
            continue;
        const onnx::NodeProto& node = *definition.consumer;
        const Definition* scale =
            node.input_size() > 1 ? lookUp(definition.graph, node.input(1)) : nullptr;
        const Definition* zeroPoint = node.input_size() > 2 && !node.input(2).empty()
                                          ? lookUp(definition.graph, node.input(2))
                                          : nullptr;
        if (!scale)
            continue; // a scale computed at run time: the integers are all the file holds
        const auto index = [&](const Definition* d) {
            return static_cast<std::size_t>(d - definitions_.data());
        };
        DequantizeRecipe recipe;
        recipe.quantized = info;
        recipe.scale = tensors_[index(scale)];
        recipe.scaleSource = std::make_shared<TensorSource>(scale->source);
        if (zeroPoint) {
            recipe.zeroPoint = tensors_[index(zeroPoint)];
            recipe.zeroPointSource = std::make_shared<TensorSource>(zeroPoint->source);
        }
        recipe.axis = intAttribute(node, "axis", 1);
        recipe.blockSize = intAttribute(node, "block_size", 0);
        const std::string problem = checkDequantizeRecipe(recipe);
        if (!problem.empty())
            fail("weight \"" + printable(info.name) + "\" (DequantizeLinear \"" +
                 printable(node.name()) + "\"): " + problem);
        definition.source =
            TensorSource::ofDequantized(std::move(definition.source), std::move(recipe));
        info.storedType = std::string(dtypeName(info.dtype)) + " (dequantized)";
        info.dtype = DType::F32;
        if (!storageBytes(DType::F32, info.numel, info.nbytes))
            fail("weight \"" + printable(info.name) + "\" is too large to dequantize");
        // Label the weight by what reads the dequantized values (a Conv, a Gemm, ...).
        const auto& reads = uses(*definition.graph);
        if (const auto use = reads.find(node.output_size() ? node.output(0) : "");
            use != reads.end()) {
            TensorUse described;
            describeUse(*use->second.front().node, use->second.front().input, info.shape.size(),
                        described);
            described.readers = std::move(info.use->readers); // from the integer weight on
            described.allReadersListed = info.use->allReadersListed;
            info.use = std::move(described);
        }
    }
}

void OnnxModel::describeModel()
{
    const onnx::ModelProto& m = *proto_;
    metadata_["ir_version"] = m.ir_version();
    if (!m.producer_name().empty())
        metadata_["producer"] = validUtf8(m.producer_name() + " " + m.producer_version());
    if (!m.domain().empty())
        metadata_["domain"] = validUtf8(m.domain());
    nlohmann::json opsets = nlohmann::json::object();
    for (const auto& opset : m.opset_import())
        opsets[opset.domain().empty() ? "ai.onnx" : validUtf8(opset.domain())] = opset.version();
    metadata_["opset"] = std::move(opsets);
    if (!m.graph().name().empty())
        metadata_["graph"] = validUtf8(m.graph().name());
    for (const auto& property : m.metadata_props())
        metadata_[validUtf8(property.key())] = validUtf8(property.value().substr(0, 1000));
}

void OnnxModel::parse()
{
    parseProtobuf();
    data_.setModelFolder(fs::path(path_).parent_path());
    collect(proto_->graph(), "");
    labelUses();
    decodeDequantized();
    describeModel();
}
} // namespace

bool looksLikeOnnx(std::span<const std::uint8_t> head, const std::string& path)
{
    return (!head.empty() && head[0] == 0x08) || fs::path(path).extension() == ".onnx";
}

std::unique_ptr<ModelFile> openOnnx(std::shared_ptr<const MappedFile> file)
{
    auto model = std::make_unique<OnnxModel>(std::move(file));
    model->parse();
    return model;
}

} // namespace qs
