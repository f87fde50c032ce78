#pragma once
// Narrow floating-point formats as data, and the exact round-to-nearest-even cast of
// spec §6 with its overflow/underflow counting.

#include <cstdint>
#include <string_view>

namespace qs {

struct FloatFormat {
    std::string_view name;
    int mantissaBits;      // explicit fraction bits
    int minNormalExponent; // unbiased exponent of the smallest normal number
    double maxFinite;      // the largest finite magnitude
    int maxExponent;       // floor(log2(maxFinite)): the "emax" of OCP MX
};

inline constexpr FloatFormat kFp16{"fp16", 10, -14, 65504.0, 15};
inline constexpr FloatFormat kBf16{"bf16", 7, -126, 3.38953138925153547590470800371487866880e38,
                                   127};
inline constexpr FloatFormat kFp8E4M3{"fp8-e4m3", 3, -6, 448.0, 8};
inline constexpr FloatFormat kFp8E5M2{"fp8-e5m2", 2, -14, 57344.0, 15};
inline constexpr FloatFormat kFp4E2M1{"fp4-e2m1", 1, 0, 6.0, 2};

struct CastCounts {
    std::uint64_t overflow = 0;
    std::uint64_t underflow = 0;
    CastCounts& operator+=(const CastCounts& other)
    {
        overflow += other.overflow;
        underflow += other.underflow;
        return *this;
    }
};

// Rounds a finite x to the nearest value of `format` (ties to even). Magnitudes above
// maxFinite saturate to it and count as overflow; a nonzero x that becomes ±0 counts as
// underflow. The arithmetic is done in double, where every step is exact.
float castToFormat(float x, const FloatFormat& format, CastCounts& counts);

// IEEE binary16 rounding as the hardware does it (ties to even, overflow to ±Inf): used
// where a format stores its scale as fp16 (GGUF blocks).
float roundToHalf(float x);

// Decoders for stored narrow types.
float halfBitsToFloat(std::uint16_t bits);
float bf16BitsToFloat(std::uint16_t bits);
float fp8E4M3BitsToFloat(std::uint8_t bits); // OCP E4M3FN: no Inf, S.1111.111 is NaN
float fp8E5M2BitsToFloat(std::uint8_t bits);

} // namespace qs
