#pragma once
// What a reader knows about a stored tensor, and the bytes of one tensor once read.

#include "tensor/dtype.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace qs {

class MappedFile;

using Shape = std::vector<std::int64_t>;

std::string shapeToString(const Shape& shape, char separator = 'x'); // "192x256", scalar: ""

// The operator that reads a weight, where the file says (ONNX, TFLite): for labels and for
// picking the output-channel axis.
struct TensorUse {
    std::string op;             // "Conv", "Gemm", "MatMul", ...
    std::string node;           // the node's name ("" when unnamed)
    int input = -1;             // which input of the node
    std::string role;           // "weight", "bias", "scale", ... ("" when not known)
    int outputChannelAxis = -1; // axis of the output channels of a weight, -1 if not known
    // Every named node that reads the weight, in graph order: directly, or through nodes
    // that only reshape, retype or dequantize it (Transpose, Cast, Reshape, ...), which
    // are themselves listed. What a converter must leave alone to keep the weight in float.
    std::vector<std::string> readers;
    bool allReadersListed = true; // false: too many to list, `readers` left empty
};

struct TensorInfo {
    std::string name;
    Shape shape; // row-major, outermost first
    DType dtype = DType::F32;
    std::uint64_t numel = 0;
    std::uint64_t offset = 0; // absolute byte offset of the data in its file
    std::uint64_t nbytes = 0;
    std::string file; // the file holding the data (differs per shard)
    // The format's own name for the stored type when `dtype` cannot express it (a ggml
    // type this tool does not decode); shown instead of dtypeName.
    std::string storedType;
    // Why the tensor cannot be analysed although it is listed ("unsupported tensor type
    // IQ2_XXS"); empty for readable tensors.
    std::string unsupported;
    std::optional<TensorUse> use;
};

// The stored type as the user should see it: "F32", "Q4_K", "IQ2_XXS".
std::string storedTypeName(const TensorInfo& info);

// The bytes of one tensor, little-endian and in row-major (C) order. They are either a
// view into a mapped file (kept alive by `owner`) or a buffer the reader filled (a
// decompressed npz entry, a byte-swapped or transposed npy array). When a view is
// destroyed its pages are handed back to the OS (see MappedFile::release).
class TensorBytes {
public:
    TensorBytes() = default;
    TensorBytes(std::span<const std::uint8_t> view, std::shared_ptr<const void> owner,
                std::function<void()> onRelease = {});
    explicit TensorBytes(std::vector<std::uint8_t> buffer);
    // A view of [offset, offset + length) of a mapped file whose pages are handed back to
    // the OS when the view is destroyed. The range must lie inside the file.
    static TensorBytes mapped(const std::shared_ptr<const MappedFile>& file, std::uint64_t offset,
                              std::uint64_t length);
    ~TensorBytes();
    TensorBytes(TensorBytes&& other) noexcept;
    TensorBytes& operator=(TensorBytes&& other) noexcept;
    TensorBytes(const TensorBytes&) = delete;
    TensorBytes& operator=(const TensorBytes&) = delete;

    std::span<const std::uint8_t> bytes() const { return view_; }

private:
    void reset();

    std::span<const std::uint8_t> view_;
    std::shared_ptr<const void> owner_;
    std::vector<std::uint8_t> buffer_;
    std::function<void()> onRelease_;
};

} // namespace qs
