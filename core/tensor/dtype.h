#pragma once
// Element types that model files store, as data: one traits row per type.

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
};

struct DTypeTraits {
    DType type;
    std::string_view name; // as safetensors spells it ("F32", "BF16", "BOOL")
    std::size_t size;      // bytes per element
    bool isFloat;          // analysed as weights; integers and bools are skipped
};

const DTypeTraits& traits(DType type);
inline std::string_view dtypeName(DType type)
{
    return traits(type).name;
}
inline std::size_t dtypeSize(DType type)
{
    return traits(type).size;
}
inline bool isFloat(DType type)
{
    return traits(type).isFloat;
}
std::optional<DType> dtypeFromName(std::string_view name);

} // namespace qs
