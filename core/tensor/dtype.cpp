#include "tensor/dtype.h"

#include <array>

namespace qs {

namespace {
constexpr std::array<DTypeTraits, 31> kTraits{{
    {DType::F64, "F64", 8, 1, true},
    {DType::F32, "F32", 4, 1, true},
    {DType::F16, "F16", 2, 1, true},
    {DType::BF16, "BF16", 2, 1, true},
    {DType::F8_E4M3, "F8_E4M3", 1, 1, true},
    {DType::F8_E5M2, "F8_E5M2", 1, 1, true},
    {DType::I64, "I64", 8, 1, false},
    {DType::I32, "I32", 4, 1, false},
    {DType::I16, "I16", 2, 1, false},
    {DType::I8, "I8", 1, 1, false},
    {DType::U64, "U64", 8, 1, false},
    {DType::U32, "U32", 4, 1, false},
    {DType::U16, "U16", 2, 1, false},
    {DType::U8, "U8", 1, 1, false},
    {DType::Bool, "BOOL", 1, 1, false},
    // Block sizes from ggml's block structs: fp16 scales (2 bytes) plus packed codes.
    {DType::Q4_0, "Q4_0", 2 + 16, 32, true},
    {DType::Q4_1, "Q4_1", 2 + 2 + 16, 32, true},
    {DType::Q5_0, "Q5_0", 2 + 4 + 16, 32, true},
    {DType::Q5_1, "Q5_1", 2 + 2 + 4 + 16, 32, true},
    {DType::Q8_0, "Q8_0", 2 + 32, 32, true},
    {DType::Q8_1, "Q8_1", 2 + 2 + 32, 32, true},
    {DType::Q2_K, "Q2_K", 16 + 64 + 2 + 2, 256, true},
    {DType::Q3_K, "Q3_K", 32 + 64 + 12 + 2, 256, true},
    {DType::Q4_K, "Q4_K", 2 + 2 + 12 + 128, 256, true},
    {DType::Q5_K, "Q5_K", 2 + 2 + 12 + 32 + 128, 256, true},
    {DType::Q6_K, "Q6_K", 128 + 64 + 16 + 2, 256, true},
    {DType::Q8_K, "Q8_K", 4 + 256 + 32, 256, true},
    {DType::IQ4_NL, "IQ4_NL", 2 + 16, 32, true},
    {DType::IQ4_XS, "IQ4_XS", 2 + 2 + 4 + 128, 256, true},
    {DType::MXFP4, "MXFP4", 1 + 16, 32, true},
    {DType::Opaque, "OPAQUE", 1, 1, false},
}};

constexpr bool tableMatchesEnum()
{
    for (std::size_t i = 0; i < kTraits.size(); ++i)
        if (static_cast<std::size_t>(kTraits[i].type) != i)
            return false;
    return true;
}
static_assert(tableMatchesEnum(), "kTraits rows must follow the DType enum order");
} // namespace

const DTypeTraits& traits(DType type)
{
    return kTraits[static_cast<std::size_t>(type)];
}

double bitsPerElement(DType type)
{
    const DTypeTraits& t = traits(type);
    return 8.0 * static_cast<double>(t.blockBytes) / static_cast<double>(t.blockElements);
}

std::optional<DType> dtypeFromName(std::string_view name)
{
    for (const auto& row : kTraits)
        if (row.name == name && row.type != DType::Opaque)
            return row.type;
    return std::nullopt;
}

bool storageBytes(DType type, std::uint64_t numel, std::uint64_t& bytes)
{
    const DTypeTraits& t = traits(type);
    if (numel % t.blockElements != 0)
        return false;
    return !__builtin_mul_overflow(numel / t.blockElements, t.blockBytes, &bytes);
}

} // namespace qs
