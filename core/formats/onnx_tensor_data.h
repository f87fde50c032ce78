#pragma once
// Where an ONNX weight's values come from and how they are read: a TensorProto (raw_data,
// a typed *_data field, or an external file beside the model), a sparse tensor, the list
// attribute of a Constant node, or integer data behind a DequantizeLinear.

#include "tensor/tensor.h"

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace onnx {
class AttributeProto;
class SparseTensorProto;
class TensorProto;
} // namespace onnx

namespace qs {

class MappedFile;
struct DequantizeRecipe;

struct TensorSource {
    enum class Kind { Tensor, Sparse, Floats, Ints, Dequantized };
    Kind kind = Kind::Tensor;
    const onnx::TensorProto* tensor = nullptr;
    const onnx::SparseTensorProto* sparse = nullptr;
    const onnx::AttributeProto* attribute = nullptr; // value_float(s) / value_int(s)
    std::shared_ptr<const TensorSource> quantized;   // Dequantized: the stored integers
    std::shared_ptr<const DequantizeRecipe> recipe;

    static TensorSource ofTensor(const onnx::TensorProto& tensor);
    static TensorSource ofSparse(const onnx::SparseTensorProto& sparse);
    // The weight a Constant node's attribute holds; nullopt for attributes that are not
    // numeric data (value_string, ...).
    static std::optional<TensorSource> ofConstant(const onnx::AttributeProto& attribute);
    static TensorSource ofDequantized(TensorSource quantized, DequantizeRecipe recipe);
};

// y = (x - zero_point) * scale, per tensor, per axis or per block along `axis`.
struct DequantizeRecipe {
    TensorInfo quantized;
    TensorInfo scale;
    std::shared_ptr<const TensorSource> scaleSource;
    std::optional<TensorInfo> zeroPoint;
    std::shared_ptr<const TensorSource> zeroPointSource;
    std::int64_t axis = 1;
    std::int64_t blockSize = 0; // 0: not blocked
};

// "" when the recipe is consistent (and normalises a negative axis), else the problem.
std::string checkDequantizeRecipe(DequantizeRecipe& recipe);

class OnnxTensorData {
public:
    // `owner` keeps the parsed model (whose strings raw_data views point into) alive.
    OnnxTensorData(std::string path, std::shared_ptr<const void> owner);

    void setModelFolder(std::filesystem::path folder) { folder_ = std::move(folder); }

    // Checks the source against what it declares (sizes, counts, index ranges, external
    // paths and ranges) and describes it; throws InputError naming `name`.
    TensorInfo describe(const TensorSource& source, const std::string& name);

    // The values as little-endian bytes of `info.dtype`, C order. Thread-safe.
    TensorBytes read(const TensorSource& source, const TensorInfo& info) const;

private:
    struct ExternalRange {
        std::shared_ptr<const MappedFile> file;
        std::uint64_t offset = 0;
    };

    [[noreturn]] void fail(const std::string& name, const std::string& problem) const;
    // A TensorInfo named `name` with checked dimensions (non-negative, countable).
    template <typename Dims> TensorInfo shaped(const std::string& name, const Dims& dims) const;
    TensorInfo describeTensor(const onnx::TensorProto& tensor, const std::string& name);
    TensorInfo describeSparse(const onnx::SparseTensorProto& sparse, const std::string& name);
    ExternalRange resolveExternal(const onnx::TensorProto& tensor, const TensorInfo& info);
    TensorBytes readTensor(const onnx::TensorProto& tensor, const TensorInfo& info) const;
    TensorBytes readSparse(const onnx::SparseTensorProto& sparse, const TensorInfo& info) const;
    TensorBytes readDequantized(const TensorSource& source, const TensorInfo& info) const;

    std::string path_;
    std::shared_ptr<const void> owner_;
    std::filesystem::path folder_;
    std::map<const onnx::TensorProto*, ExternalRange> external_;
    std::map<std::string, std::shared_ptr<const MappedFile>> externalFiles_;
    std::map<const onnx::TensorProto*, TensorInfo> described_; // sparse values and indices
};

} // namespace qs
