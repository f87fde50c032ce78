#include "quant/float_format.h"

#include <bit>
#include <cmath>
#include <limits>

namespace qs {

namespace {
// Rounds |x| onto the grid of a format with `mantissaBits` and exponents >= minNormal
// (subnormals share the quantum of the smallest binade). Exact in double for every
// format narrower than float32.
double roundMagnitude(double magnitude, int mantissaBits, int minNormalExponent)
{
    int exponent = 0;
    std::frexp(magnitude, &exponent); // magnitude = m * 2^exponent, m in [0.5, 1)
    const int binade = std::max(exponent - 1, minNormalExponent);
    const double quantum = std::ldexp(1.0, binade - mantissaBits);
    return std::nearbyint(magnitude / quantum) * quantum;
}
} // namespace

float castToFormat(float x, const FloatFormat& format, CastCounts& counts)
{
    const double magnitude = std::fabs(static_cast<double>(x));
    if (magnitude == 0.0)
        return x;
    if (magnitude > format.maxFinite) {
        ++counts.overflow;
        return std::copysign(static_cast<float>(format.maxFinite), x);
    }
    const double rounded = roundMagnitude(magnitude, format.mantissaBits, format.minNormalExponent);
    if (rounded == 0.0)
        ++counts.underflow;
    return std::copysign(static_cast<float>(rounded), x);
}

float roundToHalf(float x)
{
    if (!std::isfinite(x) || x == 0.0f)
        return x;
    const double rounded = roundMagnitude(std::fabs(static_cast<double>(x)), kFp16.mantissaBits,
                                          kFp16.minNormalExponent);
    if (rounded > kFp16.maxFinite)
        return std::copysign(std::numeric_limits<float>::infinity(), x);
    return std::copysign(static_cast<float>(rounded), x);
}

float halfBitsToFloat(std::uint16_t bits)
{
    const bool negative = bits & 0x8000u;
    const int exponent = (bits >> 10) & 0x1f;
    const int fraction = bits & 0x3ff;
    float value;
    if (exponent == 0)
        value = std::ldexp(static_cast<float>(fraction), -24);
    else if (exponent == 31)
        value = fraction ? std::numeric_limits<float>::quiet_NaN()
                         : std::numeric_limits<float>::infinity();
    else
        value = std::ldexp(static_cast<float>(fraction | 0x400), exponent - 25);
    return negative ? -value : value;
}

float bf16BitsToFloat(std::uint16_t bits)
{
    return std::bit_cast<float>(static_cast<std::uint32_t>(bits) << 16);
}

float fp8E4M3BitsToFloat(std::uint8_t bits)
{
    const bool negative = bits & 0x80u;
    const int exponent = (bits >> 3) & 0xf;
    const int fraction = bits & 0x7;
    float value;
    if (exponent == 15 && fraction == 7)
        value = std::numeric_limits<float>::quiet_NaN();
    else if (exponent == 0)
        value = std::ldexp(static_cast<float>(fraction), -9);
    else
        value = std::ldexp(static_cast<float>(fraction | 0x8), exponent - 10);
    return negative ? -value : value;
}

float fp8E5M2BitsToFloat(std::uint8_t bits)
{
    return halfBitsToFloat(static_cast<std::uint16_t>(bits) << 8);
}

} // namespace qs
