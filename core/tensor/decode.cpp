#include "tensor/decode.h"

#include "common/error.h"
#include "quant/float_format.h"

#include <cstring>

namespace qs {

namespace {
template <typename Stored, typename Convert>
void widen(const std::uint8_t* src, std::size_t count, float* out, Convert convert)
{
    for (std::size_t i = 0; i < count; ++i) {
        Stored value;
        std::memcpy(&value, src + i * sizeof(Stored), sizeof(Stored));
        out[i] = convert(value);
    }
}
} // namespace

void decodeToFloat(DType type, std::span<const std::uint8_t> bytes, std::size_t first,
                   std::size_t count, float* out)
{
    const std::size_t size = dtypeSize(type);
    if (!isFloat(type) || (first + count) * size > bytes.size())
        throw Error("decodeToFloat: bad element range or non-float type");
    const std::uint8_t* src = bytes.data() + first * size;
    switch (type) {
    case DType::F32:
        std::memcpy(out, src, count * sizeof(float));
        break;
    case DType::F64:
        widen<double>(src, count, out, [](double v) { return static_cast<float>(v); });
        break;
    case DType::F16:
        widen<std::uint16_t>(src, count, out, halfBitsToFloat);
        break;
    case DType::BF16:
        widen<std::uint16_t>(src, count, out, bf16BitsToFloat);
        break;
    case DType::F8_E4M3:
        widen<std::uint8_t>(src, count, out, fp8E4M3BitsToFloat);
        break;
    case DType::F8_E5M2:
        widen<std::uint8_t>(src, count, out, fp8E5M2BitsToFloat);
        break;
    default:
        throw Error("decodeToFloat: non-float type");
    }
}

std::vector<float> decodeToFloat(DType type, std::span<const std::uint8_t> bytes)
{
    std::vector<float> out(bytes.size() / dtypeSize(type));
    decodeToFloat(type, bytes, 0, out.size(), out.data());
    return out;
}

} // namespace qs
