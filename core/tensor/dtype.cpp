#include "tensor/dtype.h"

#include <array>

namespace qs {

namespace {
constexpr std::array<DTypeTraits, 15> kTraits{{
    {DType::F64, "F64", 8, true},
    {DType::F32, "F32", 4, true},
    {DType::F16, "F16", 2, true},
    {DType::BF16, "BF16", 2, true},
    {DType::F8_E4M3, "F8_E4M3", 1, true},
    {DType::F8_E5M2, "F8_E5M2", 1, true},
    {DType::I64, "I64", 8, false},
    {DType::I32, "I32", 4, false},
    {DType::I16, "I16", 2, false},
    {DType::I8, "I8", 1, false},
    {DType::U64, "U64", 8, false},
    {DType::U32, "U32", 4, false},
    {DType::U16, "U16", 2, false},
    {DType::U8, "U8", 1, false},
    {DType::Bool, "BOOL", 1, false},
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

std::optional<DType> dtypeFromName(std::string_view name)
{
    for (const auto& row : kTraits)
        if (row.name == name)
            return row.type;
    return std::nullopt;
}

} // namespace qs
