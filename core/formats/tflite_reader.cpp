#include "formats/tflite_reader.h"

#include "common/error.h"
#include "common/mapped_file.h"
#include "formats/json_header.h"
#include "tensor/decode.h"
#include "tflite_schema_generated.h"

#include <cmath>
#include <cstring>
#include <map>
#include <set>

namespace qs {

namespace {
struct TfliteType {
    int id;
    const char* name;
    std::optional<DType> dtype;
};

// TensorType; types the tool cannot hold are listed with their name.
constexpr TfliteType kTfliteTypes[] = {
    {0, "FLOAT32", DType::F32},
    {1, "FLOAT16", DType::F16},
    {2, "INT32", DType::I32},
    {3, "UINT8", DType::U8},
    {4, "INT64", DType::I64},
    {5, "STRING", std::nullopt},
    {6, "BOOL", DType::Bool},
    {7, "INT16", DType::I16},
    {8, "COMPLEX64", std::nullopt},
    {9, "INT8", DType::I8},
    {10, "FLOAT64", DType::F64},
    {11, "COMPLEX128", std::nullopt},
    {12, "UINT64", DType::U64},
    {13, "RESOURCE", std::nullopt},
    {14, "VARIANT", std::nullopt},
    {15, "UINT32", DType::U32},
    {16, "UINT16", DType::U16},
    {17, "INT4", std::nullopt},
    {18, "BFLOAT16", DType::BF16},
    {19, "INT2", std::nullopt},
    {20, "UINT4", std::nullopt},
    {21, "FLOAT8_E4M3FN", DType::F8_E4M3},
    {22, "FLOAT8_E5M2", DType::F8_E5M2},
};

const TfliteType* tfliteType(int id)
{
    for (const TfliteType& t : kTfliteTypes)
        if (t.id == id)
            return &t;
    return nullptr;
}

// BuiltinOperator names by code: 0..126 in order, then the later ones weights meet.
const char* builtinName(int code)
{
    static constexpr const char* kFirst[] = {
        "ADD",
        "AVERAGE_POOL_2D",
        "CONCATENATION",
        "CONV_2D",
        "DEPTHWISE_CONV_2D",
        "DEPTH_TO_SPACE",
        "DEQUANTIZE",
        "EMBEDDING_LOOKUP",
        "FLOOR",
        "FULLY_CONNECTED",
        "HASHTABLE_LOOKUP",
        "L2_NORMALIZATION",
        "L2_POOL_2D",
        "LOCAL_RESPONSE_NORMALIZATION",
        "LOGISTIC",
        "LSH_PROJECTION",
        "LSTM",
        "MAX_POOL_2D",
        "MUL",
        "RELU",
        "RELU_N1_TO_1",
        "RELU6",
        "RESHAPE",
        "RESIZE_BILINEAR",
        "RNN",
        "SOFTMAX",
        "SPACE_TO_DEPTH",
        "SVDF",
        "TANH",
        "CONCAT_EMBEDDINGS",
        "SKIP_GRAM",
        "CALL",
        "CUSTOM",
        "EMBEDDING_LOOKUP_SPARSE",
        "PAD",
        "UNIDIRECTIONAL_SEQUENCE_RNN",
        "GATHER",
        "BATCH_TO_SPACE_ND",
        "SPACE_TO_BATCH_ND",
        "TRANSPOSE",
        "MEAN",
        "SUB",
        "DIV",
        "SQUEEZE",
        "UNIDIRECTIONAL_SEQUENCE_LSTM",
        "STRIDED_SLICE",
        "BIDIRECTIONAL_SEQUENCE_RNN",
        "EXP",
        "TOPK_V2",
        "SPLIT",
        "LOG_SOFTMAX",
        "DELEGATE",
        "BIDIRECTIONAL_SEQUENCE_LSTM",
        "CAST",
        "PRELU",
        "MAXIMUM",
        "ARG_MAX",
        "MINIMUM",
        "LESS",
        "NEG",
        "PADV2",
        "GREATER",
        "GREATER_EQUAL",
        "LESS_EQUAL",
        "SELECT",
        "SLICE",
        "SIN",
        "TRANSPOSE_CONV",
        "SPARSE_TO_DENSE",
        "TILE",
        "EXPAND_DIMS",
        "EQUAL",
        "NOT_EQUAL",
        "LOG",
        "SUM",
        "SQRT",
        "RSQRT",
        "SHAPE",
        "POW",
        "ARG_MIN",
        "FAKE_QUANT",
        "REDUCE_PROD",
        "REDUCE_MAX",
        "PACK",
        "LOGICAL_OR",
        "ONE_HOT",
        "LOGICAL_AND",
        "LOGICAL_NOT",
        "UNPACK",
        "REDUCE_MIN",
        "FLOOR_DIV",
        "REDUCE_ANY",
        "SQUARE",
        "ZEROS_LIKE",
        "FILL",
        "FLOOR_MOD",
        "RANGE",
        "RESIZE_NEAREST_NEIGHBOR",
        "LEAKY_RELU",
        "SQUARED_DIFFERENCE",
        "MIRROR_PAD",
        "ABS",
        "SPLIT_V",
        "UNIQUE",
        "CEIL",
        "REVERSE_V2",
        "ADD_N",
        "GATHER_ND",
        "COS",
        "WHERE",
        "RANK",
        "ELU",
        "REVERSE_SEQUENCE",
        "MATRIX_DIAG",
        "QUANTIZE",
        "MATRIX_SET_DIAG",
        "ROUND",
        "HARD_SWISH",
        "IF",
        "WHILE",
        "NON_MAX_SUPPRESSION_V4",
        "NON_MAX_SUPPRESSION_V5",
        "SCATTER_ND",
        "SELECT_V2",
        "DENSIFY",
        "SEGMENT_SUM",
        "BATCH_MATMUL",
    };
    if (code >= 0 && code < static_cast<int>(std::size(kFirst)))
        return kFirst[code];
    static const std::map<int, const char*> later{{132, "CONV_3D"}, {150, "GELU"}};
    const auto found = later.find(code);
    return found == later.end() ? nullptr : found->second;
}

void describeUse(const std::string& op, int input, std::size_t rank, TensorUse& use)
{
    use.op = op;
    use.input = input;
    const int last = rank >= 1 ? static_cast<int>(rank) - 1 : -1;
    if (op == "CONV_2D" || op == "FULLY_CONNECTED" || op == "TRANSPOSE_CONV") {
        // CONV_2D filters are OHWI, FULLY_CONNECTED weights [out, in].
        const int biasInput = op == "TRANSPOSE_CONV" ? 3 : 2;
        use.role = input == 1 ? "weight" : input == biasInput ? "bias" : "";
        if (input == 1)
            use.outputChannelAxis = 0;
    } else if (op == "DEPTHWISE_CONV_2D") {
        use.role = input == 1 ? "weight" : input == 2 ? "bias" : "";
        if (input == 1)
            use.outputChannelAxis = last; // [1, h, w, out]
    } else if (op == "CONV_3D") {
        use.role = input == 1 ? "weight" : input == 2 ? "bias" : "";
        if (input == 1)
            use.outputChannelAxis = last; // [d, h, w, in, out]
    } else if (op == "BATCH_MATMUL") {
        use.role = input == 1 ? "weight" : "";
        if (input == 1)
            use.outputChannelAxis = last;
    } else if (op == "EMBEDDING_LOOKUP") {
        use.role = input == 1 ? "embedding" : "";
        if (input == 1)
            use.outputChannelAxis = 0;
    } else if (op == "DEQUANTIZE") {
        use.role = "quantized weight";
    }
}

// The values an integer type holds, as int64 (U64 is capped at INT64_MAX).
std::pair<std::int64_t, std::int64_t> integerRange(DType type)
{
    switch (type) {
    case DType::I8:
        return {INT8_MIN, INT8_MAX};
    case DType::U8:
        return {0, UINT8_MAX};
    case DType::I16:
        return {INT16_MIN, INT16_MAX};
    case DType::U16:
        return {0, UINT16_MAX};
    case DType::I32:
        return {INT32_MIN, INT32_MAX};
    case DType::U32:
        return {0, UINT32_MAX};
    case DType::U64:
        return {0, INT64_MAX};
    default:
        return {INT64_MIN, INT64_MAX};
    }
}

// Per-tensor or per-channel affine quantization of an integer weight.
struct Quantization {
    std::vector<float> scales;
    std::vector<std::int64_t> zeroPoints;
    int axis = 0;
};

struct Weight {
    std::uint64_t offset = 0; // absolute, in the file
    DType storedType = DType::F32;
    std::optional<Quantization> quantization;
};

class TfliteModel final : public ModelFile {
public:
    explicit TfliteModel(std::shared_ptr<const MappedFile> file)
        : ModelFile(file->path())
        , file_(std::move(file))
    {
    }

    std::string format() const override { return "tflite"; }
    TensorBytes read(std::size_t index) const override;
    void parse();

private:
    [[noreturn]] void fail(const std::string& problem) const
    {
        throw InputError(path_, std::nullopt, problem);
    }
    void addSubgraph(const tflite::Model& model, const tflite::SubGraph& graph, std::size_t index);
    std::string operatorName(const tflite::Model& model, const tflite::Operator& op) const;

    std::shared_ptr<const MappedFile> file_;
    // Entries walked so far. The verifier accepts tables shared by many references, which
    // lets a small file describe a huge graph; a real model's entries each take bytes.
    void charge(std::uint64_t entries)
    {
        walked_ += entries;
        if (walked_ > file_->size() / 4 + 1024)
            fail("the FlatBuffer describes more entries than its size allows (shared tables)");
    }

    std::vector<Weight> weights_; // parallel to tensors_
    std::uint64_t walked_ = 0;
    std::map<std::string, int> copies_; // names seen more than once, and how often
    std::set<std::string> names_;
};

std::string TfliteModel::operatorName(const tflite::Model& model, const tflite::Operator& op) const
{
    const auto* codes = model.operator_codes();
    if (!codes || op.opcode_index() >= codes->size())
        fail("an operator names operator code " + std::to_string(op.opcode_index()) +
             ", which does not exist");
    const tflite::OperatorCode& code = *codes->Get(op.opcode_index());
    const int builtin = std::max<int>(code.deprecated_builtin_code(), code.builtin_code());
    if (code.custom_code() && builtin == 32) // CUSTOM
        return validUtf8(code.custom_code()->str());
    const char* name = builtinName(builtin);
    return name ? name : "BUILTIN_" + std::to_string(builtin);
}

void TfliteModel::addSubgraph(const tflite::Model& model, const tflite::SubGraph& graph,
                              std::size_t graphIndex)
{
    const auto* tensors = graph.tensors();
    const auto* buffers = model.buffers();
    if (!tensors)
        return;
    const std::uint64_t tensorCount = tensors->size();
    charge(tensorCount);
    // The first operator input that reads each tensor, and what reads each operator's output
    // (to label fp16 and int8 weights that reach their layer through a DEQUANTIZE).
    std::vector<std::pair<const tflite::Operator*, int>> firstUse(tensorCount, {nullptr, -1});
    if (const auto* operators = graph.operators()) {
        charge(operators->size());
        for (const tflite::Operator* op : *operators) {
            operatorName(model, *op); // checks the opcode index
            charge((op->inputs() ? op->inputs()->size() : 0) +
                   (op->outputs() ? op->outputs()->size() : 0));
            if (const auto* inputs = op->inputs()) {
                for (int i = 0; i < static_cast<int>(inputs->size()); ++i) {
                    const int t = inputs->Get(static_cast<unsigned>(i));
                    if (t < -1 || t >= static_cast<int>(tensorCount))
                        fail("an operator reads tensor " + std::to_string(t) + " of " +
                             std::to_string(tensorCount));
                    if (t >= 0 && !firstUse[static_cast<std::size_t>(t)].first)
                        firstUse[static_cast<std::size_t>(t)] = {op, i};
                }
            }
            if (const auto* outputs = op->outputs())
                for (int t : *outputs)
                    if (t < -1 || t >= static_cast<int>(tensorCount))
                        fail("an operator writes tensor " + std::to_string(t) + " of " +
                             std::to_string(tensorCount));
        }
    }
    const std::string prefix = graphIndex == 0 ? ""
                                               : (graph.name() && graph.name()->size()
                                                      ? validUtf8(graph.name()->str())
                                                      : "subgraph" + std::to_string(graphIndex)) +
                                                     "/";
    for (std::uint64_t t = 0; t < tensorCount; ++t) {
        const tflite::Tensor& tensor = *tensors->Get(static_cast<unsigned>(t));
        const std::uint32_t bufferIndex = tensor.buffer();
        const std::string name = prefix + (tensor.name() ? validUtf8(tensor.name()->str())
                                                         : "tensor" + std::to_string(t));
        const std::string where = "tensor \"" + printable(name) + "\": ";
        if (!buffers || bufferIndex >= buffers->size())
            fail(where + "buffer " + std::to_string(bufferIndex) + " does not exist");
        const tflite::Buffer& buffer = *buffers->Get(bufferIndex);
        // Where the bytes are: inline (a vector inside the FlatBuffer) or appended after it.
        std::uint64_t offset = 0, size = 0;
        if (buffer.data() && buffer.data()->size() > 0) {
            offset = static_cast<std::uint64_t>(buffer.data()->data() - file_->bytes().data());
            size = buffer.data()->size();
        } else if (buffer.offset() > 1) {
            offset = buffer.offset();
            size = buffer.size();
            if (size > file_->size() || offset > file_->size() - size)
                fail(where + "buffer " + std::to_string(bufferIndex) + " at offset " +
                     std::to_string(offset) + " (" + std::to_string(size) +
                     " bytes) lies past the end of the file");
        }
        if (size == 0)
            continue; // an activation or an input: no constant data
        if (bufferIndex == 0)
            fail(where + "uses buffer 0, which must stay empty");

        TensorInfo info;
        info.name = name;
        info.file = path_;
        info.offset = offset;
        if (const auto* shape = tensor.shape())
            for (int dim : *shape) {
                if (dim < 0)
                    fail(where + "negative dimension " + std::to_string(dim));
                info.shape.push_back(dim);
            }
        if (!checkedNumel(info.shape, info.numel))
            fail(where + "shape " + shapeToString(info.shape) +
                 " has more elements than 64 bits can count");
        const TfliteType* type = tfliteType(tensor.type());
        Weight weight;
        weight.offset = offset;
        if (tensor.sparsity()) {
            // Its buffer holds a compressed (block-sparse) encoding, not the dense values.
            info.dtype = DType::Opaque;
            info.storedType = type ? std::string(type->name) + " (sparse)" : "sparse";
            info.unsupported = "sparse TFLite tensors are not decoded";
            info.nbytes = size;
        } else if (!type || !type->dtype) {
            info.dtype = DType::Opaque;
            info.storedType = type ? type->name : "type " + std::to_string(tensor.type());
            info.unsupported = "unsupported TFLite tensor type " + info.storedType;
            info.nbytes = size;
        } else {
            info.dtype = *type->dtype;
            if (!storageBytes(info.dtype, info.numel, info.nbytes) || info.nbytes != size)
                fail(where + "buffer holds " + std::to_string(size) + " bytes, shape " +
                     shapeToString(info.shape) + " of " + type->name + " needs " +
                     (storageBytes(info.dtype, info.numel, info.nbytes)
                          ? std::to_string(info.nbytes)
                          : std::string("more than 64 bits can count")));
        }
        weight.storedType = info.dtype;

        const auto* q = tensor.quantization();
        const bool integer =
            info.unsupported.empty() && !isFloat(info.dtype) && info.dtype != DType::Bool;
        if (q && q->scale() && q->scale()->size() > 0 && integer) {
            Quantization quantization;
            quantization.scales.assign(q->scale()->begin(), q->scale()->end());
            if (const auto* zeros = q->zero_point()) {
                // Copied bytewise: the verifier checks a vector's length field for 4-byte
                // alignment only, so 8-byte elements may sit misaligned (found by fuzzing).
                quantization.zeroPoints.resize(zeros->size());
                if (zeros->size() > 0)
                    std::memcpy(quantization.zeroPoints.data(), zeros->Data(),
                                zeros->size() * sizeof(std::int64_t));
            }
            quantization.axis = q->quantized_dimension();
            const std::size_t channels = quantization.scales.size();
            if (!quantization.zeroPoints.empty() && quantization.zeroPoints.size() != channels)
                fail(where + std::to_string(quantization.zeroPoints.size()) + " zero points for " +
                     std::to_string(channels) + " scales");
            // A zero point is a value of the stored type (found by fuzzing: an int64 one
            // far outside it overflowed the subtraction below).
            const auto [lowest, highest] = integerRange(info.dtype);
            for (std::int64_t zero : quantization.zeroPoints)
                if (zero < lowest || zero > highest)
                    fail(where + "zero point " + std::to_string(zero) +
                         " lies outside the range of " + std::string(dtypeName(info.dtype)));
            for (float s : quantization.scales)
                if (!std::isfinite(s))
                    fail(where + "a quantization scale is not finite");
            if (channels > 1) {
                if (quantization.axis < 0 ||
                    quantization.axis >= static_cast<int>(info.shape.size()))
                    fail(where + "quantized_dimension " + std::to_string(quantization.axis) +
                         " is out of range for a " + std::to_string(info.shape.size()) +
                         "-D tensor");
                if (static_cast<std::int64_t>(channels) !=
                    info.shape[static_cast<std::size_t>(quantization.axis)])
                    fail(where + std::to_string(channels) + " per-channel scales for dimension " +
                         std::to_string(quantization.axis) + " of size " +
                         std::to_string(info.shape[static_cast<std::size_t>(quantization.axis)]));
            }
            info.storedType = std::string(dtypeName(info.dtype)) + " (dequantized)";
            info.dtype = DType::F32;
            info.nbytes = info.numel * 4;
            weight.quantization = std::move(quantization);
        }

        if (const auto& [op, input] = firstUse[t]; op) {
            TensorUse use;
            describeUse(operatorName(model, *op), input, info.shape.size(), use);
            // A weight stored as fp16 or int8 reaches its layer through a DEQUANTIZE: label
            // it by that layer.
            if (use.op == "DEQUANTIZE" && op->outputs() && op->outputs()->size() == 1) {
                const int out = op->outputs()->Get(0);
                if (out >= 0) {
                    if (const auto& [next, nextInput] = firstUse[static_cast<std::size_t>(out)];
                        next)
                        describeUse(operatorName(model, *next), nextInput, info.shape.size(), use);
                }
            }
            info.use = std::move(use);
        }
        // TFLite does not require unique names; the tool does (compare pairs by name).
        // The copy counter is kept per name, so many equal names cost linear time (a fuzzed
        // file repeating one name 10 000 times took seconds with a fresh count each time).
        for (int& copy = copies_[name]; !names_.insert(info.name).second;)
            info.name = name + "#" + std::to_string(++copy + 1);
        tensors_.push_back(std::move(info));
        weights_.push_back(std::move(weight));
    }
}

void TfliteModel::parse()
{
    const auto bytes = file_->bytes();
    if (bytes.size() < 8 || !tflite::ModelBufferHasIdentifier(bytes.data()))
        throw InputError(path_, 4, "not a TFLite model (no \"TFL3\" identifier)");
    // The FlatBuffer is verified as a whole before any field is read; data appended after it
    // (large models) is checked range by range.
    const std::size_t verified =
        std::min<std::size_t>(bytes.size(), FLATBUFFERS_MAX_BUFFER_SIZE - 1);
    // Tables may be shared by many references, each of which the verifier walks: allow
    // no more table visits than the file has room for distinct tables (4 bytes at least).
    const auto maxTables = static_cast<flatbuffers::uoffset_t>(
        std::min<std::uint64_t>(bytes.size() / 4 + 1024, 100'000'000));
    flatbuffers::Verifier verifier(bytes.data(), verified, /*max_depth=*/64, maxTables);
    if (!tflite::VerifyModelBuffer(verifier))
        throw InputError(
            path_, std::nullopt,
            "the TFLite FlatBuffer is malformed (offsets or sizes point outside it, or its "
            "tables are shared more often than a real model's)");
    const tflite::Model& model = *tflite::GetModel(bytes.data());
    metadata_["version"] = model.version();
    if (model.description())
        metadata_["description"] = validUtf8(model.description()->str());
    if (const auto* subgraphs = model.subgraphs())
        for (unsigned g = 0; g < subgraphs->size(); ++g)
            addSubgraph(model, *subgraphs->Get(g), g);
}

TensorBytes TfliteModel::read(std::size_t index) const
{
    const TensorInfo& info = tensors_.at(index);
    const Weight& weight = weights_.at(index);
    if (!info.unsupported.empty())
        throw InputError(path_, info.offset,
                         "tensor \"" + printable(info.name) + "\": " + info.unsupported);
    if (!weight.quantization)
        return TensorBytes::mapped(file_, weight.offset, info.nbytes);
    // f = scale * (q - zero_point), evaluated in double and rounded once, as TFLite's
    // reference Dequantize does.
    const Quantization& q = *weight.quantization;
    const auto codes = decodeIntegers(
        weight.storedType,
        file_->bytes().subspan(weight.offset, info.numel * dtypeSize(weight.storedType)));
    std::uint64_t inner = 1, dim = 1;
    const bool perChannel = q.scales.size() > 1;
    if (perChannel) {
        const auto axis = static_cast<std::size_t>(q.axis);
        dim = static_cast<std::uint64_t>(info.shape[axis]);
        for (std::size_t d = axis + 1; d < info.shape.size(); ++d)
            inner *= static_cast<std::uint64_t>(info.shape[d]);
    }
    std::vector<std::uint8_t> out(info.numel * sizeof(float));
    for (std::uint64_t i = 0; i < info.numel; ++i) {
        const std::uint64_t channel = perChannel ? i / inner % dim : 0;
        const std::int64_t zero = q.zeroPoints.empty() ? 0 : q.zeroPoints[channel];
        const float value =
            static_cast<float>(static_cast<double>(q.scales[channel]) *
                               (static_cast<double>(codes[i]) - static_cast<double>(zero)));
        std::memcpy(out.data() + i * sizeof(float), &value, sizeof(float));
    }
    return TensorBytes(std::move(out));
}
} // namespace

bool isTflite(std::span<const std::uint8_t> head)
{
    return head.size() >= 8 && std::memcmp(head.data() + 4, "TFL3", 4) == 0;
}

std::unique_ptr<ModelFile> openTflite(std::shared_ptr<const MappedFile> file)
{
    auto model = std::make_unique<TfliteModel>(std::move(file));
    model->parse();
    return model;
}

} // namespace qs
