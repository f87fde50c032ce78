#include "formats/gguf_reader.h"

#include "common/byte_reader.h"
#include "common/error.h"
#include "common/mapped_file.h"
#include "formats/json_header.h"

#include <array>
#include <bit>
#include <cstring>
#include <limits>
#include <optional>
#include <set>

namespace qs {

namespace {
constexpr std::uint32_t kDefaultAlignment = 32;
constexpr std::uint32_t kMaxDims = 4;             // GGML_MAX_DIMS: ggml refuses more
constexpr int kMaxArrayNesting = 8;               // arrays of arrays deeper than this are refused
constexpr std::uint64_t kArrayElementsShown = 64; // longer arrays are summarised in metadata

enum class ValueType : std::uint32_t {
    U8 = 0,
    I8 = 1,
    U16 = 2,
    I16 = 3,
    U32 = 4,
    I32 = 5,
    F32 = 6,
    Bool = 7,
    String = 8,
    Array = 9,
    U64 = 10,
    I64 = 11,
    F64 = 12,
};

const char* valueTypeName(std::uint32_t type)
{
    static constexpr std::array<const char*, 13> names{
        "uint8", "int8",   "uint16", "int16",  "uint32", "int32",  "float32",
        "bool",  "string", "array",  "uint64", "int64",  "float64"};
    return type < names.size() ? names[type] : "unknown";
}

// Bytes a value of this type needs at least, to bound array counts before reading them.
std::uint64_t minimumValueBytes(std::uint32_t type)
{
    switch (static_cast<ValueType>(type)) {
    case ValueType::U8:
    case ValueType::I8:
    case ValueType::Bool:
        return 1;
    case ValueType::U16:
    case ValueType::I16:
        return 2;
    case ValueType::U32:
    case ValueType::I32:
    case ValueType::F32:
        return 4;
    case ValueType::String:
    case ValueType::U64:
    case ValueType::I64:
    case ValueType::F64:
        return 8;
    case ValueType::Array:
        return 12; // element type + count
    }
    return 0;
}

// One row per ggml type id: the decoded type, or the name and block geometry of a type
// this tool lists but does not decode (so its data can still be bounds-checked).
struct GgmlType {
    std::uint32_t id;
    const char* name;
    std::optional<DType> dtype;
    std::uint32_t blockBytes = 0;
    std::uint32_t blockElements = 0;
};

constexpr GgmlType kGgmlTypes[] = {
    {0, "F32", DType::F32},
    {1, "F16", DType::F16},
    {2, "Q4_0", DType::Q4_0},
    {3, "Q4_1", DType::Q4_1},
    {6, "Q5_0", DType::Q5_0},
    {7, "Q5_1", DType::Q5_1},
    {8, "Q8_0", DType::Q8_0},
    {9, "Q8_1", DType::Q8_1},
    {10, "Q2_K", DType::Q2_K},
    {11, "Q3_K", DType::Q3_K},
    {12, "Q4_K", DType::Q4_K},
    {13, "Q5_K", DType::Q5_K},
    {14, "Q6_K", DType::Q6_K},
    {15, "Q8_K", DType::Q8_K},
    {16, "IQ2_XXS", std::nullopt, 66, 256},
    {17, "IQ2_XS", std::nullopt, 74, 256},
    {18, "IQ3_XXS", std::nullopt, 98, 256},
    {19, "IQ1_S", std::nullopt, 50, 256},
    {20, "IQ4_NL", DType::IQ4_NL},
    {21, "IQ3_S", std::nullopt, 110, 256},
    {22, "IQ2_S", std::nullopt, 82, 256},
    {23, "IQ4_XS", DType::IQ4_XS},
    {24, "I8", DType::I8},
    {25, "I16", DType::I16},
    {26, "I32", DType::I32},
    {27, "I64", DType::I64},
    {28, "F64", DType::F64},
    {29, "IQ1_M", std::nullopt, 56, 256},
    {30, "BF16", DType::BF16},
    {34, "TQ1_0", std::nullopt, 54, 256},
    {35, "TQ2_0", std::nullopt, 66, 256},
    {39, "MXFP4", DType::MXFP4},
};

const GgmlType* ggmlType(std::uint32_t id)
{
    for (const GgmlType& t : kGgmlTypes)
        if (t.id == id)
            return &t;
    return nullptr;
}

class GgufModel final : public ModelFile {
public:
    explicit GgufModel(std::shared_ptr<const MappedFile> file)
        : ModelFile(file->path())
        , file_(std::move(file))
    {
    }

    std::string format() const override { return "gguf"; }

    TensorBytes read(std::size_t index) const override
    {
        const TensorInfo& info = tensors_.at(index);
        if (!info.unsupported.empty())
            throw InputError(path_, info.offset,
                             "tensor \"" + printable(info.name) + "\": " + info.unsupported);
        return TensorBytes::mapped(file_, info.offset, info.nbytes);
    }

    void parse();

private:
    std::string readString(ByteReader& in, std::string_view what);
    nlohmann::json readValue(ByteReader& in, std::uint32_t type, int depth);
    nlohmann::json readArray(ByteReader& in, int depth);
    void skipValue(ByteReader& in, std::uint32_t type, int depth);
    void readTensorInfo(ByteReader& in, std::set<std::string>& names);
    void placeTensors(std::uint64_t dataStart, std::uint32_t alignment);

    std::shared_ptr<const MappedFile> file_;
};

std::string GgufModel::readString(ByteReader& in, std::string_view what)
{
    const auto start = in.position();
    const auto length = in.readLE<std::uint64_t>(what);
    if (length > in.remaining())
        in.fail(start, std::string(what) + " claims " + std::to_string(length) +
                           " bytes, past the end of the file");
    const auto bytes = in.take(length, what);
    return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

nlohmann::json GgufModel::readValue(ByteReader& in, std::uint32_t type, int depth)
{
    switch (static_cast<ValueType>(type)) {
    case ValueType::U8:
        return in.readLE<std::uint8_t>("uint8 value");
    case ValueType::I8:
        return in.readLE<std::int8_t>("int8 value");
    case ValueType::U16:
        return in.readLE<std::uint16_t>("uint16 value");
    case ValueType::I16:
        return in.readLE<std::int16_t>("int16 value");
    case ValueType::U32:
        return in.readLE<std::uint32_t>("uint32 value");
    case ValueType::I32:
        return in.readLE<std::int32_t>("int32 value");
    case ValueType::F32:
        return in.readLE<float>("float32 value");
    case ValueType::Bool: {
        const auto position = in.position();
        const auto value = in.readLE<std::uint8_t>("bool value");
        if (value > 1)
            in.fail(position, "bool value " + std::to_string(value) + " is neither 0 nor 1");
        return value == 1;
    }
    case ValueType::String:
        return validUtf8(readString(in, "string value"));
    case ValueType::Array:
        return readArray(in, depth + 1);
    case ValueType::U64:
        return in.readLE<std::uint64_t>("uint64 value");
    case ValueType::I64:
        return in.readLE<std::int64_t>("int64 value");
    case ValueType::F64:
        return in.readLE<double>("float64 value");
    }
    in.fail(in.position() - 4, "unknown metadata value type " + std::to_string(type));
}

nlohmann::json GgufModel::readArray(ByteReader& in, int depth)
{
    const auto start = in.position();
    if (depth > kMaxArrayNesting)
        in.fail(start, "arrays nested more than " + std::to_string(kMaxArrayNesting) + " deep");
    const auto elementType = in.readLE<std::uint32_t>("array element type");
    const std::uint64_t minimum = minimumValueBytes(elementType);
    if (minimum == 0)
        in.fail(start, "unknown array element type " + std::to_string(elementType));
    const auto count = in.readLE<std::uint64_t>("array length");
    if (count > in.remaining() / minimum)
        in.fail(start, "array of " + std::to_string(count) + " " + valueTypeName(elementType) +
                           " values cannot fit in the " + std::to_string(in.remaining()) +
                           " bytes left in the file");
    nlohmann::json shown = nlohmann::json::array();
    for (std::uint64_t i = 0; i < std::min(count, kArrayElementsShown); ++i)
        shown.push_back(readValue(in, elementType, depth));
    if (count <= kArrayElementsShown)
        return shown;
    // A tokenizer vocabulary has 100 000+ entries: keep the first ones and the count, and
    // step over the rest without building values.
    const auto type = static_cast<ValueType>(elementType);
    const std::uint64_t rest = count - kArrayElementsShown;
    if (type == ValueType::String || type == ValueType::Array)
        for (std::uint64_t i = 0; i < rest; ++i)
            skipValue(in, elementType, depth);
    else
        in.take(rest * minimum, "array values"); // fixed-size values; rest * minimum fits
    return nlohmann::json{
        {"array_of", valueTypeName(elementType)}, {"count", count}, {"first", std::move(shown)}};
}

void GgufModel::skipValue(ByteReader& in, std::uint32_t type, int depth)
{
    if (static_cast<ValueType>(type) == ValueType::String) {
        const auto start = in.position();
        const auto length = in.readLE<std::uint64_t>("string length");
        if (length > in.remaining())
            in.fail(start, "string value claims " + std::to_string(length) +
                               " bytes, past the end of the file");
        in.take(length, "string value");
    } else if (static_cast<ValueType>(type) == ValueType::Array) {
        readArray(in, depth + 1); // nested arrays are rare and short
    } else {
        in.take(minimumValueBytes(type), "array value");
    }
}

void GgufModel::readTensorInfo(ByteReader& in, std::set<std::string>& names)
{
    const auto start = in.position();
    TensorInfo info;
    info.file = path_;
    info.name = validUtf8(readString(in, "tensor name"));
    if (!names.insert(info.name).second)
        in.fail(start, "duplicate tensor name \"" + printable(info.name) + "\"");
    const auto fail = [&](const std::string& problem) {
        in.fail(start, "tensor \"" + printable(info.name) + "\": " + problem);
    };
    const auto dims = in.readLE<std::uint32_t>("tensor dimension count");
    if (dims > kMaxDims)
        fail(std::to_string(dims) + " dimensions (at most " + std::to_string(kMaxDims) +
             " allowed)");
    std::array<std::uint64_t, kMaxDims> ne{};
    for (std::uint32_t d = 0; d < dims; ++d) {
        ne[d] = in.readLE<std::uint64_t>("tensor dimension");
        if (ne[d] > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
            fail("dimension " + std::to_string(ne[d]) + " is too large");
    }
    // ggml lists dimensions innermost first; the tool shows them outermost first.
    for (std::uint32_t d = dims; d-- > 0;)
        info.shape.push_back(static_cast<std::int64_t>(ne[d]));
    if (!checkedNumel(info.shape, info.numel))
        fail("shape " + shapeToString(info.shape) + " has more elements than 64 bits can count");

    const auto typeId = in.readLE<std::uint32_t>("tensor type");
    info.offset = in.readLE<std::uint64_t>("tensor data offset"); // relative until placed
    const GgmlType* type = ggmlType(typeId);
    std::uint64_t blockBytes = 0, blockElements = 1;
    if (type && type->dtype) {
        info.dtype = *type->dtype;
        blockBytes = traits(info.dtype).blockBytes;
        blockElements = traits(info.dtype).blockElements;
    } else {
        info.dtype = DType::Opaque;
        info.storedType = type ? type->name : "type " + std::to_string(typeId);
        info.unsupported = type ? "unsupported tensor type " + std::string(type->name) +
                                      " (ggml type " + std::to_string(typeId) + ")"
                                : "unknown ggml tensor type " + std::to_string(typeId);
        blockBytes = type ? type->blockBytes : 0;
        blockElements = type ? type->blockElements : 1;
    }
    // A row of a block type is a whole number of blocks, as ggml requires; so is a tensor
    // without dimensions (one element).
    if (dims == 0 && blockElements > 1)
        fail("a tensor without dimensions (one element) is not a whole " +
             std::to_string(blockElements) + "-element block of " + storedTypeName(info));
    if (dims > 0 && ne[0] % blockElements != 0)
        fail("row length " + std::to_string(ne[0]) + " is not a multiple of the " +
             std::to_string(blockElements) + "-element blocks of " + storedTypeName(info));
    if (__builtin_mul_overflow(info.numel / blockElements, blockBytes, &info.nbytes))
        fail("data size does not fit in 64 bits");
    tensors_.push_back(std::move(info));
}

void GgufModel::placeTensors(std::uint64_t dataStart, std::uint32_t alignment)
{
    const std::uint64_t fileSize = file_->size();
    for (TensorInfo& info : tensors_) {
        const std::uint64_t relative = info.offset;
        const std::string where = "tensor \"" + printable(info.name) + "\": ";
        if (relative % alignment != 0)
            throw InputError(path_, std::nullopt,
                             where + "data offset " + std::to_string(relative) +
                                 " is not a multiple of the alignment " +
                                 std::to_string(alignment));
        std::uint64_t end = 0;
        if (__builtin_add_overflow(dataStart, relative, &info.offset) ||
            __builtin_add_overflow(info.offset, info.nbytes, &end) || end > fileSize)
            throw InputError(path_, std::nullopt,
                             where + std::to_string(info.nbytes) + " bytes at data offset " +
                                 std::to_string(relative) + " lie past the end of the file (" +
                                 std::to_string(fileSize) + " bytes)");
    }
}

void GgufModel::parse()
{
    ByteReader in(file_->bytes(), path_);
    in.seek(8, "header"); // magic and version were checked by openGguf
    const auto tensorCount = in.readLE<std::uint64_t>("tensor count");
    const auto kvCount = in.readLE<std::uint64_t>("metadata count");
    // The smallest key/value is 8 (key length) + 4 (type) + 1 bytes; a tensor info
    // 8 (name length) + 4 (dims) + 4 (type) + 8 (offset).
    if (kvCount > in.remaining() / 13)
        in.fail(16, std::to_string(kvCount) + " metadata entries cannot fit in the file");
    if (tensorCount > in.remaining() / 24)
        in.fail(8, std::to_string(tensorCount) + " tensors cannot fit in the file");

    std::uint32_t alignment = kDefaultAlignment;
    for (std::uint64_t i = 0; i < kvCount; ++i) {
        const auto start = in.position();
        std::string key = validUtf8(readString(in, "metadata key"));
        if (metadata_.contains(key))
            in.fail(start, "duplicate metadata key \"" + printable(key) + "\"");
        const auto type = in.readLE<std::uint32_t>("metadata value type");
        if (minimumValueBytes(type) == 0)
            in.fail(start + 8 + key.size(), "metadata \"" + printable(key) +
                                                "\": unknown value type " + std::to_string(type));
        nlohmann::json value = readValue(in, type, 0);
        if (key == "general.alignment") {
            const bool valid = type == static_cast<std::uint32_t>(ValueType::U32) &&
                               value.get<std::uint32_t>() != 0 &&
                               std::has_single_bit(value.get<std::uint32_t>());
            if (!valid)
                in.fail(start, "general.alignment must be a uint32 power of two, found " +
                                   std::string(valueTypeName(type)) + " " + value.dump());
            alignment = value.get<std::uint32_t>();
        }
        metadata_[std::move(key)] = std::move(value);
    }

    std::set<std::string> names;
    // The count is bounded by the file's size, not by what a TensorInfo takes in memory.
    tensors_.reserve(std::min<std::uint64_t>(tensorCount, 4096));
    for (std::uint64_t i = 0; i < tensorCount; ++i)
        readTensorInfo(in, names);

    const std::uint64_t end = in.position();
    const std::uint64_t dataStart = (end + alignment - 1) / alignment * alignment;
    if (tensorCount > 0 && dataStart > file_->size())
        in.fail(end, "the data section starts past the end of the file");
    placeTensors(dataStart, alignment);
}
} // namespace

std::unique_ptr<ModelFile> openGguf(std::shared_ptr<const MappedFile> file)
{
    ByteReader in(file->bytes(), file->path());
    const auto magic = in.take(4, "GGUF magic");
    if (std::memcmp(magic.data(), "GGUF", 4) != 0)
        in.fail(0, "not a GGUF file");
    const auto version = in.readLE<std::uint32_t>("GGUF version");
    if (version == 1)
        in.fail(4, "GGUF version 1 (32-bit counts) is not supported; re-save the model with a "
                   "current llama.cpp");
    if ((version & 0xffffu) == 0 && version != 0)
        in.fail(4, "big-endian GGUF is not supported");
    if (version != 2 && version != 3)
        in.fail(4, "unsupported GGUF version " + std::to_string(version));
    auto model = std::make_unique<GgufModel>(std::move(file));
    model->parse();
    return model;
}

} // namespace qs
