#include "formats/onnx_tensor_data.h"

#include "common/error.h"
#include "common/mapped_file.h"
#include "formats/json_header.h"
#include "formats/model_file.h"
#include "tensor/decode.h"

#include <charconv>
#include <cstring>
#include <onnx/onnx_pb.h>

namespace qs {

namespace {
namespace fs = std::filesystem;

constexpr std::uint64_t kMaxSparseDenseBytes = 4ull << 30;
// A sparse tensor expands to its dense shape, which no file bytes back: a 60-byte file can
// declare a billion elements around one stored value. Real sparse weights keep far more
// than one value in 4096 (pruning rarely goes past 99.9 %), so beyond a small dense size
// that any file may ask for, each stored value pays for at most 4096 dense elements.
constexpr std::uint64_t kFreeSparseDenseElements = 1ull << 22;
constexpr std::uint64_t kMaxDenseElementsPerStoredValue = 4096;

struct OnnxType {
    int id;
    const char* name;
    std::optional<DType> dtype;
};

// TensorProto.DataType; types the tool cannot hold are listed with their name.
constexpr OnnxType kOnnxTypes[] = {
    {1, "FLOAT", DType::F32},
    {2, "UINT8", DType::U8},
    {3, "INT8", DType::I8},
    {4, "UINT16", DType::U16},
    {5, "INT16", DType::I16},
    {6, "INT32", DType::I32},
    {7, "INT64", DType::I64},
    {8, "STRING", std::nullopt},
    {9, "BOOL", DType::Bool},
    {10, "FLOAT16", DType::F16},
    {11, "DOUBLE", DType::F64},
    {12, "UINT32", DType::U32},
    {13, "UINT64", DType::U64},
    {14, "COMPLEX64", std::nullopt},
    {15, "COMPLEX128", std::nullopt},
    {16, "BFLOAT16", DType::BF16},
    {17, "FLOAT8E4M3FN", DType::F8_E4M3},
    {18, "FLOAT8E4M3FNUZ", std::nullopt},
    {19, "FLOAT8E5M2", DType::F8_E5M2},
    {20, "FLOAT8E5M2FNUZ", std::nullopt},
    {21, "UINT4", std::nullopt},
    {22, "INT4", std::nullopt},
    {23, "FLOAT4E2M1", std::nullopt},
};

const OnnxType* onnxType(int id)
{
    for (const OnnxType& t : kOnnxTypes)
        if (t.id == id)
            return &t;
    return nullptr;
}

std::vector<std::int64_t> integersOf(const TensorBytes& bytes, DType type)
{
    return decodeIntegers(type, bytes.bytes());
}

std::vector<std::uint8_t> bytesOfFloats(const std::vector<float>& values)
{
    std::vector<std::uint8_t> out(values.size() * sizeof(float));
    if (!out.empty())
        std::memcpy(out.data(), values.data(), out.size());
    return out;
}
} // namespace

TensorSource TensorSource::ofTensor(const onnx::TensorProto& tensor)
{
    TensorSource source;
    source.tensor = &tensor;
    return source;
}

TensorSource TensorSource::ofSparse(const onnx::SparseTensorProto& sparse)
{
    TensorSource source;
    source.kind = Kind::Sparse;
    source.sparse = &sparse;
    return source;
}

std::optional<TensorSource> TensorSource::ofConstant(const onnx::AttributeProto& attribute)
{
    const std::string& name = attribute.name();
    if (name == "value" && attribute.has_t())
        return ofTensor(attribute.t());
    if (name == "sparse_value" && attribute.has_sparse_tensor())
        return ofSparse(attribute.sparse_tensor());
    TensorSource source;
    source.attribute = &attribute;
    if (name == "value_float" || name == "value_floats")
        source.kind = Kind::Floats;
    else if (name == "value_int" || name == "value_ints")
        source.kind = Kind::Ints;
    else
        return std::nullopt;
    return source;
}

TensorSource TensorSource::ofDequantized(TensorSource quantized, DequantizeRecipe recipe)
{
    TensorSource source;
    source.kind = Kind::Dequantized;
    source.quantized = std::make_shared<TensorSource>(std::move(quantized));
    source.recipe = std::make_shared<DequantizeRecipe>(std::move(recipe));
    return source;
}

std::string checkDequantizeRecipe(DequantizeRecipe& r)
{
    const DType x = r.quantized.dtype;
    if (x != DType::I8 && x != DType::U8 && x != DType::I16 && x != DType::U16 && x != DType::I32)
        return "quantized type " + std::string(dtypeName(x)) + " is not supported";
    if (r.scale.dtype != DType::F32 && r.scale.dtype != DType::F16 && r.scale.dtype != DType::BF16)
        return "scale of type " + std::string(dtypeName(r.scale.dtype)) + " is not a float";
    if (r.zeroPoint && (isFloat(r.zeroPoint->dtype) || r.zeroPoint->shape != r.scale.shape))
        return "the zero point must be an integer tensor shaped like the scale";
    const auto rank = static_cast<std::int64_t>(r.quantized.shape.size());
    if (r.scale.numel == 1 && r.blockSize == 0)
        return ""; // per tensor
    if (r.axis < -rank || r.axis >= rank)
        return "axis " + std::to_string(r.axis) + " is out of range for a " + std::to_string(rank) +
               "-D tensor";
    if (r.axis < 0)
        r.axis += rank;
    const std::int64_t dim = r.quantized.shape[static_cast<std::size_t>(r.axis)];
    if (r.blockSize == 0) {
        if (r.scale.shape.size() != 1 || r.scale.shape[0] != dim)
            return "a per-axis scale must have " + std::to_string(dim) + " values (axis " +
                   std::to_string(r.axis) + "), found shape [" + shapeToString(r.scale.shape, ',') +
                   "]";
        return "";
    }
    if (r.blockSize < 0)
        return "negative block_size";
    Shape expected = r.quantized.shape;
    expected[static_cast<std::size_t>(r.axis)] = dim == 0 ? 0 : 1 + (dim - 1) / r.blockSize;
    if (r.scale.shape != expected)
        return "a blocked scale must have shape [" + shapeToString(expected, ',') + "], found [" +
               shapeToString(r.scale.shape, ',') + "]";
    return "";
}

OnnxTensorData::OnnxTensorData(std::string path, std::shared_ptr<const void> owner)
    : path_(std::move(path))
    , owner_(std::move(owner))
{
}

void OnnxTensorData::fail(const std::string& name, const std::string& problem) const
{
    throw InputError(path_, std::nullopt, "tensor \"" + printable(name) + "\": " + problem);
}

TensorInfo OnnxTensorData::describe(const TensorSource& source, const std::string& name)
{
    switch (source.kind) {
    case TensorSource::Kind::Tensor:
        return describeTensor(*source.tensor, name);
    case TensorSource::Kind::Sparse:
        return describeSparse(*source.sparse, name);
    case TensorSource::Kind::Floats:
    case TensorSource::Kind::Ints: {
        const onnx::AttributeProto& a = *source.attribute;
        const bool floats = source.kind == TensorSource::Kind::Floats;
        const bool list = a.name().ends_with('s');
        TensorInfo info;
        info.name = name;
        info.file = path_;
        info.dtype = floats ? DType::F32 : DType::I64;
        info.numel =
            list ? static_cast<std::uint64_t>(floats ? a.floats_size() : a.ints_size()) : 1;
        if (list)
            info.shape = {static_cast<std::int64_t>(info.numel)};
        info.nbytes = info.numel * dtypeSize(info.dtype);
        return info;
    }
    case TensorSource::Kind::Dequantized:
        break;
    }
    throw Error("OnnxTensorData::describe: dequantized sources are described by the model");
}

template <typename Dims>
TensorInfo OnnxTensorData::shaped(const std::string& name, const Dims& dims) const
{
    TensorInfo info;
    info.name = name;
    info.file = path_;
    for (std::int64_t dim : dims) {
        if (dim < 0)
            fail(name, "negative dimension " + std::to_string(dim));
        info.shape.push_back(dim);
    }
    if (!checkedNumel(info.shape, info.numel))
        fail(name,
             "shape " + shapeToString(info.shape) + " has more elements than 64 bits can count");
    return info;
}

TensorInfo OnnxTensorData::describeTensor(const onnx::TensorProto& tensor, const std::string& name)
{
    TensorInfo info = shaped(name, tensor.dims());
    const OnnxType* type = onnxType(tensor.data_type());
    if (!type || !type->dtype) {
        info.dtype = DType::Opaque;
        info.storedType = type ? type->name : "type " + std::to_string(tensor.data_type());
        info.unsupported = "unsupported ONNX tensor type " + info.storedType;
        return info;
    }
    info.dtype = *type->dtype;
    if (!storageBytes(info.dtype, info.numel, info.nbytes))
        fail(name, "data size does not fit in 64 bits");

    if (tensor.data_location() == onnx::TensorProto::EXTERNAL) {
        const ExternalRange range = resolveExternal(tensor, info);
        info.file = range.file->path();
        info.offset = range.offset;
        external_[&tensor] = range;
        return info;
    }
    std::uint64_t typedCount = 0;
    switch (info.dtype) {
    case DType::F32:
        typedCount = static_cast<std::uint64_t>(tensor.float_data_size());
        break;
    case DType::F64:
        typedCount = static_cast<std::uint64_t>(tensor.double_data_size());
        break;
    case DType::I64:
        typedCount = static_cast<std::uint64_t>(tensor.int64_data_size());
        break;
    case DType::U32:
    case DType::U64:
        typedCount = static_cast<std::uint64_t>(tensor.uint64_data_size());
        break;
    default:
        typedCount = static_cast<std::uint64_t>(tensor.int32_data_size());
    }
    if (tensor.has_raw_data()) {
        if (tensor.raw_data().size() != info.nbytes)
            fail(name, "raw_data holds " + std::to_string(tensor.raw_data().size()) +
                           " bytes, shape " + shapeToString(info.shape) + " of " +
                           std::string(dtypeName(info.dtype)) + " needs " +
                           std::to_string(info.nbytes));
    } else if (typedCount != info.numel) {
        fail(name, typedCount == 0 && info.numel > 0
                       ? "holds no data"
                       : "its typed data holds " + std::to_string(typedCount) + " values, shape " +
                             shapeToString(info.shape) + " needs " + std::to_string(info.numel));
    }
    return info;
}

OnnxTensorData::ExternalRange OnnxTensorData::resolveExternal(const onnx::TensorProto& tensor,
                                                              const TensorInfo& info)
{
    std::string location;
    std::optional<std::uint64_t> offset, length;
    const auto number = [&](const std::string& key, const std::string& text) {
        std::uint64_t value = 0;
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (error != std::errc() || end != text.data() + text.size())
            fail(info.name,
                 "external data " + key + " \"" + printable(text) + "\" is not a number");
        return value;
    };
    for (const auto& entry : tensor.external_data()) {
        if (entry.key() == "location")
            location = entry.value();
        else if (entry.key() == "offset")
            offset = number("offset", entry.value());
        else if (entry.key() == "length")
            length = number("length", entry.value());
    }
    if (location.empty())
        fail(info.name, "external data without a location");
    // The file must lie inside the model's folder: a model must not make the tool read
    // arbitrary files of the user's.
    const fs::path relative(location);
    if (relative.is_absolute() || location.find('\0') != std::string::npos)
        fail(info.name, "external data location \"" + printable(location) +
                            "\" is an absolute path; it must lie in the model's folder");
    for (const auto& part : relative)
        if (part == "..")
            fail(info.name, "external data location \"" + printable(location) +
                                "\" leaves the model's folder");
    std::error_code folderError, resolvedError;
    const fs::path folder = fs::weakly_canonical(folder_.empty() ? "." : folder_, folderError);
    const fs::path resolved = fs::weakly_canonical(folder / relative, resolvedError);
    const auto [folderEnd, resolvedAt] =
        std::mismatch(folder.begin(), folder.end(), resolved.begin(), resolved.end());
    if (folderError || resolvedError || folder.empty() || folderEnd != folder.end())
        fail(info.name, "external data location \"" + printable(location) +
                            "\" leads out of the model's folder");
    if (!fs::is_regular_file(resolved, resolvedError))
        fail(info.name,
             "external data file \"" + printable(location) + "\" not found beside the model");

    auto& file = externalFiles_[resolved.string()];
    if (!file)
        file = MappedFile::open(resolved.string());
    const std::uint64_t start = offset.value_or(0);
    const std::uint64_t size = length.value_or(info.nbytes);
    if (size != info.nbytes)
        fail(info.name, "external data length " + std::to_string(size) + " differs from the " +
                            std::to_string(info.nbytes) + " bytes shape " +
                            shapeToString(info.shape) + " needs");
    if (start > file->size() || size > file->size() - start)
        fail(info.name, "external data [" + std::to_string(start) + ", +" + std::to_string(size) +
                            ") lies past the end of \"" + printable(location) + "\" (" +
                            std::to_string(file->size()) + " bytes)");
    return {file, start};
}

TensorInfo OnnxTensorData::describeSparse(const onnx::SparseTensorProto& sparse,
                                          const std::string& name)
{
    TensorInfo info = shaped(name, sparse.dims());
    // The dense form is what analysis reads; a few values may claim terabytes.
    if (!storageBytes(DType::F64, info.numel, info.nbytes) || info.nbytes > kMaxSparseDenseBytes)
        fail(name, "a sparse tensor of shape " + shapeToString(info.shape) +
                       " is too large to expand (at most " +
                       std::to_string(kMaxSparseDenseBytes >> 30) + " GiB of float64)");
    const TensorInfo values = describeTensor(sparse.values(), name + " (values)");
    const TensorInfo indices = describeTensor(sparse.indices(), name + " (indices)");
    if (!values.unsupported.empty())
        fail(name, values.unsupported);
    if (indices.dtype != DType::I64)
        fail(name, "sparse indices must be INT64");
    info.dtype = values.dtype;
    if (!storageBytes(info.dtype, info.numel, info.nbytes))
        fail(name, "data size does not fit in 64 bits");
    const std::uint64_t count = values.numel;
    if (info.numel > kFreeSparseDenseElements &&
        info.numel / kMaxDenseElementsPerStoredValue > count)
        fail(name, "a sparse tensor of " + std::to_string(info.numel) + " elements stores only " +
                       std::to_string(count) + " values (more than " +
                       std::to_string(kMaxDenseElementsPerStoredValue) +
                       " elements per stored value is refused)");
    const std::size_t rank = info.shape.size();
    const bool linear = indices.shape == Shape{static_cast<std::int64_t>(count)};
    const bool coordinates =
        indices.shape == Shape{static_cast<std::int64_t>(count), static_cast<std::int64_t>(rank)};
    if (values.shape.size() != 1 || (!linear && !coordinates))
        fail(name, "sparse values must be [NNZ] and indices [NNZ] or [NNZ, rank]");
    // Every index is checked now, so that reading can scatter without checks.
    const auto positions = integersOf(readTensor(sparse.indices(), indices), DType::I64);
    for (std::uint64_t k = 0; k < count; ++k) {
        if (linear) {
            if (positions[k] < 0 || static_cast<std::uint64_t>(positions[k]) >= info.numel)
                fail(name, "sparse index " + std::to_string(positions[k]) + " at position " +
                               std::to_string(k) + " is outside the " + std::to_string(info.numel) +
                               " elements");
            continue;
        }
        for (std::size_t d = 0; d < rank; ++d) {
            const std::int64_t p = positions[k * rank + d];
            if (p < 0 || p >= info.shape[d])
                fail(name, "sparse coordinate " + std::to_string(p) + " of entry " +
                               std::to_string(k) + " is outside dimension " + std::to_string(d));
        }
    }
    described_[&sparse.values()] = values;
    described_[&sparse.indices()] = indices;
    return info;
}

TensorBytes OnnxTensorData::read(const TensorSource& source, const TensorInfo& info) const
{
    switch (source.kind) {
    case TensorSource::Kind::Tensor:
        return readTensor(*source.tensor, info);
    case TensorSource::Kind::Sparse:
        return readSparse(*source.sparse, info);
    case TensorSource::Kind::Floats: {
        const onnx::AttributeProto& a = *source.attribute;
        if (a.name() == "value_float")
            return TensorBytes(bytesOfFloats({a.f()}));
        return TensorBytes(bytesOfFloats({a.floats().begin(), a.floats().end()}));
    }
    case TensorSource::Kind::Ints: {
        const onnx::AttributeProto& a = *source.attribute;
        std::vector<std::int64_t> values;
        if (a.name() == "value_int")
            values = {a.i()};
        else
            values.assign(a.ints().begin(), a.ints().end());
        std::vector<std::uint8_t> out(values.size() * 8);
        if (!out.empty())
            std::memcpy(out.data(), values.data(), out.size());
        return TensorBytes(std::move(out));
    }
    case TensorSource::Kind::Dequantized:
        return readDequantized(source, info);
    }
    throw Error("OnnxTensorData::read: unknown source");
}

TensorBytes OnnxTensorData::readTensor(const onnx::TensorProto& tensor,
                                       const TensorInfo& info) const
{
    if (!info.unsupported.empty())
        throw InputError(path_, std::nullopt,
                         "tensor \"" + printable(info.name) + "\": " + info.unsupported);
    if (const auto external = external_.find(&tensor); external != external_.end())
        return TensorBytes::mapped(external->second.file, external->second.offset, info.nbytes);
    if (tensor.has_raw_data()) {
        const std::string& raw = tensor.raw_data();
        return TensorBytes({reinterpret_cast<const std::uint8_t*>(raw.data()), raw.size()}, owner_);
    }
    // Typed fields: each value in the field the ONNX schema assigns to its type; narrower
    // types (16-bit floats, small integers, bools) sit in the low bits of int32_data.
    std::vector<std::uint8_t> out(info.nbytes);
    const std::size_t size = dtypeSize(info.dtype);
    const auto put = [&](std::size_t i, auto value) {
        std::memcpy(out.data() + i * size, &value, size);
    };
    for (std::size_t i = 0; i < info.numel; ++i) {
        switch (info.dtype) {
        case DType::F32:
            put(i, tensor.float_data(static_cast<int>(i)));
            break;
        case DType::F64:
            put(i, tensor.double_data(static_cast<int>(i)));
            break;
        case DType::I64:
            put(i, tensor.int64_data(static_cast<int>(i)));
            break;
        case DType::U32:
        case DType::U64:
            put(i, tensor.uint64_data(static_cast<int>(i)));
            break;
        default:
            put(i, static_cast<std::uint32_t>(tensor.int32_data(static_cast<int>(i))));
        }
    }
    return TensorBytes(std::move(out));
}

TensorBytes OnnxTensorData::readSparse(const onnx::SparseTensorProto& sparse,
                                       const TensorInfo& info) const
{
    const TensorInfo& values = described_.at(&sparse.values());
    const TensorInfo& indices = described_.at(&sparse.indices());
    const TensorBytes valueBytes = readTensor(sparse.values(), values);
    const auto positions = integersOf(readTensor(sparse.indices(), indices), DType::I64);
    std::vector<std::uint8_t> out(info.nbytes, 0);
    const std::size_t size = dtypeSize(info.dtype);
    const std::size_t rank = info.shape.size();
    const bool linear = indices.shape.size() == 1;
    for (std::uint64_t k = 0; k < values.numel; ++k) {
        std::uint64_t at = 0;
        if (linear) {
            at = static_cast<std::uint64_t>(positions[k]);
        } else {
            for (std::size_t d = 0; d < rank; ++d)
                at = at * static_cast<std::uint64_t>(info.shape[d]) +
                     static_cast<std::uint64_t>(positions[k * rank + d]);
        }
        std::memcpy(out.data() + at * size, valueBytes.bytes().data() + k * size, size);
    }
    return TensorBytes(std::move(out));
}

TensorBytes OnnxTensorData::readDequantized(const TensorSource& source,
                                            const TensorInfo& info) const
{
    const DequantizeRecipe& r = *source.recipe;
    const auto codes = integersOf(read(*source.quantized, r.quantized), r.quantized.dtype);
    const std::vector<float> scales =
        decodeToFloat(r.scale.dtype, read(*r.scaleSource, r.scale).bytes());
    std::vector<std::int64_t> zeros(scales.size(), 0);
    if (r.zeroPoint)
        zeros = integersOf(read(*r.zeroPointSource, *r.zeroPoint), r.zeroPoint->dtype);
    // Element i sits at (o, a, in) around the axis; its scale is per tensor, per
    // index a, or per block of a.
    std::uint64_t inner = 1, dim = 1;
    const bool perTensor = r.scale.numel == 1 && r.blockSize == 0;
    if (!perTensor) {
        const auto axis = static_cast<std::size_t>(r.axis);
        dim = static_cast<std::uint64_t>(info.shape[axis]);
        for (std::size_t d = axis + 1; d < info.shape.size(); ++d)
            inner *= static_cast<std::uint64_t>(info.shape[d]);
    }
    const std::uint64_t block = r.blockSize > 0 ? static_cast<std::uint64_t>(r.blockSize) : 0;
    const std::uint64_t blocksPerAxis = block ? (dim + block - 1) / block : dim;
    std::vector<float> out(info.numel);
    for (std::uint64_t i = 0; i < info.numel; ++i) {
        std::uint64_t k = 0;
        if (!perTensor) {
            const std::uint64_t o = i / (dim * inner), a = i / inner % dim, in = i % inner;
            k = block ? (o * blocksPerAxis + a / block) * inner + in : a;
        }
        // ONNX's reference: (float(x) - float(zero_point)) * scale, in float32.
        out[i] = (static_cast<float>(codes[i]) - static_cast<float>(zeros[k])) * scales[k];
    }
    return TensorBytes(bytesOfFloats(out));
}

} // namespace qs
