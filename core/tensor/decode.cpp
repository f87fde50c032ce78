#include "tensor/decode.h"

#include "common/cpu_features.h"
#include "common/error.h"
#include "quant/float_format.h"
#include "tensor/decode_f16c.h"
#include "tensor/ggml_blocks.h"

#include <bit>
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

// Branch-light binary16 -> binary32 by moving exponent and fraction into place; inlined
// into the loop so that widening fp16 weights costs about as much as copying them.
inline float halfToFloat(std::uint16_t half)
{
    const std::uint32_t sign = static_cast<std::uint32_t>(half & 0x8000u) << 16;
    const std::uint32_t magnitude = half & 0x7fffu;
    std::uint32_t bits;
    if (magnitude >= 0x7c00u) // Inf and NaN keep their payload
        bits = sign | 0x7f800000u | ((magnitude & 0x3ffu) << 13);
    else if (magnitude >= 0x0400u) // normal: rebias the exponent from 15 to 127
        bits = sign | ((magnitude << 13) + ((127u - 15u) << 23));
    else // subnormal or zero: fraction * 2^-24 is exact in float
        return std::bit_cast<float>(
            sign | std::bit_cast<std::uint32_t>(static_cast<float>(magnitude) * 0x1p-24f));
    return std::bit_cast<float>(bits);
}

inline float bf16ToFloat(std::uint16_t bits)
{
    return std::bit_cast<float>(static_cast<std::uint32_t>(bits) << 16);
}
} // namespace

void widenHalfPortable(const std::uint8_t* src, std::size_t count, float* out)
{
    widen<std::uint16_t>(src, count, out, [](std::uint16_t h) { return halfToFloat(h); });
}

void decodeToFloat(DType type, std::span<const std::uint8_t> bytes, std::size_t first,
                   std::size_t count, float* out)
{
    if (!isFloat(type))
        throw Error("decodeToFloat: non-float type");
    const DTypeTraits& t = traits(type);
    if (first % t.blockElements != 0 || count % t.blockElements != 0 ||
        (first + count) / t.blockElements * t.blockBytes > bytes.size())
        throw Error("decodeToFloat: bad element range");
    if (count == 0)
        return; // an empty tensor's span may hold null pointers, which memcpy must not see
    const std::uint8_t* src = bytes.data() + first / t.blockElements * t.blockBytes;
    if (isBlockType(type)) {
        decodeGgmlBlocks(type, src, count / t.blockElements, out);
        return;
    }
    switch (type) {
    case DType::F32:
        std::memcpy(out, src, count * sizeof(float));
        break;
    case DType::F64:
        widen<double>(src, count, out, [](double v) { return static_cast<float>(v); });
        break;
    case DType::F16:
        if (cpuFeatures().f16c && !referenceKernelsForced())
            widenHalfF16c(src, count, out);
        else
            widenHalfPortable(src, count, out);
        break;
    case DType::BF16:
        widen<std::uint16_t>(src, count, out, [](std::uint16_t b) { return bf16ToFloat(b); });
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
    const DTypeTraits& t = traits(type);
    std::vector<float> out(bytes.size() / t.blockBytes * t.blockElements);
    decodeToFloat(type, bytes, 0, out.size(), out.data());
    return out;
}

std::vector<std::int64_t> decodeIntegers(DType type, std::span<const std::uint8_t> bytes)
{
    if (isFloat(type) || isBlockType(type))
        throw Error("decodeIntegers: not an integer type");
    const std::size_t size = dtypeSize(type);
    const bool isSigned =
        type == DType::I8 || type == DType::I16 || type == DType::I32 || type == DType::I64;
    std::vector<std::int64_t> out(bytes.size() / size);
    for (std::size_t i = 0; i < out.size(); ++i) {
        std::uint64_t bits = 0;
        std::memcpy(&bits, bytes.data() + i * size, size);
        if (isSigned && size < 8 && ((bits >> (8 * size - 1)) & 1))
            bits |= ~std::uint64_t{0} << (8 * size);
        out[i] = static_cast<std::int64_t>(bits);
    }
    return out;
}

} // namespace qs
