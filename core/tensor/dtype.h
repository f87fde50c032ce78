#pragma once
// Element types that model files store, as data: one traits row per type. Besides plain
// scalars this covers ggml's block-quantized types, where a fixed run of elements shares
// one block of bytes (scales, minimums and packed codes).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace qs {

enum class DType : std::uint8_t {
    F64,
    F32,
    F16,
    BF16,
    F8_E4M3,
    F8_E5M2,
    I64,
    I32,
    I16,
    I8,
    U64,
    U32,
    U16,
    U8,
    Bool,
    // ggml block types, decoded to float exactly as ggml's reference dequantizers do.
    Q4_0,
    Q4_1,
    Q5_0,
    Q5_1,
    Q8_0,
    Q8_1,
    Q2_K,
    Q3_K,
    Q4_K,
    Q5_K,
    Q6_K,
    Q8_K,
    IQ4_NL,
    IQ4_XS,
    MXFP4,
    // Data of a type the tool cannot decode; listed, never analysed.
    Opaque,
};

struct DTypeTraits {
    DType type;
    std::string_view name;     // as safetensors / ggml spell it ("F32", "BF16", "Q4_K")
    std::size_t blockBytes;    // bytes of one block (of one element for plain types)
    std::size_t blockElements; // elements sharing one block; 1 for plain types
    bool isFloat;              // analysed as weights; integers and bools are skipped
};

const DTypeTraits& traits(DType type);
inline std::string_view dtypeName(DType type)
{
    return traits(type).name;
}
// Bytes per element of a plain (non-block) type.
inline std::size_t dtypeSize(DType type)
{
    return traits(type).blockBytes;
}
inline bool isFloat(DType type)
{
    return traits(type).isFloat;
}
inline bool isBlockType(DType type)
{
    return traits(type).blockElements > 1;
}
// Stored bits per element: 32 for F32, 4.5 for Q4_0.
double bitsPerElement(DType type);
std::optional<DType> dtypeFromName(std::string_view name);

// Bytes that `numel` elements occupy. False when numel is not a whole number of blocks or
// the size does not fit in 64 bits.
bool storageBytes(DType type, std::uint64_t numel, std::uint64_t& bytes);

} // namespace qs
