// fp16 widening with the F16C conversion instruction, 8 values at a time. Compiled with
// -mf16c -mavx; decode.cpp calls it only after cpuFeatures() confirmed F16C. The hardware
// conversion is exact for every binary16 value, like the portable path.

#include "tensor/decode_f16c.h"

#if defined(__x86_64__)
#include <cstring>
#include <immintrin.h>

namespace qs {

void widenHalfF16c(const std::uint8_t* src, std::size_t count, float* out)
{
    std::size_t i = 0;
    for (; i + 8 <= count; i += 8) {
        const __m128i halves = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + 2 * i));
        _mm256_storeu_ps(out + i, _mm256_cvtph_ps(halves));
    }
    for (; i < count; ++i) {
        std::uint16_t half;
        std::memcpy(&half, src + 2 * i, 2);
        out[i] = _cvtsh_ss(half);
    }
}

} // namespace qs

#else

#include <stdexcept>

namespace qs {
void widenHalfF16c(const std::uint8_t*, std::size_t, float*)
{
    throw std::logic_error("no F16C build");
}
} // namespace qs

#endif
