// Compiled with -mavx2 only; called only when the CPU has AVX2 (binValues checks).
#include "analysis/histogram_binning.h"

#include <cmath>
#include <immintrin.h>

namespace qs {

void binValuesAvx2(const float* values, std::size_t n, double lo, double hi, BinLanes& lanes,
                   OutsideCounts& outside)
{
    const __m256d low = _mm256_set1_pd(lo);
    const __m256d high = _mm256_set1_pd(hi);
    const __m256d perUnit = _mm256_set1_pd(static_cast<double>(lanes.bins()) / (hi - lo));
    const __m128i last = _mm_set1_epi32(static_cast<int>(lanes.bins() - 1));
    const __m128i spare = _mm_set1_epi32(static_cast<int>(lanes.bins()));
    const std::size_t stride = lanes.stride();
    std::uint32_t* counters = lanes.data();
    alignas(16) std::int32_t bins[8];
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 eight = _mm256_loadu_ps(values + i);
        int inside = 0;
        for (int half = 0; half < 2; ++half) {
            const __m256d x = _mm256_cvtps_pd(half ? _mm256_extractf128_ps(eight, 1)
                                                   : _mm256_castps256_ps128(eight));
            // The same arithmetic as the plain loop, so every value lands in the same bin.
            const __m256d in = _mm256_and_pd(_mm256_cmp_pd(x, low, _CMP_GE_OQ),
                                             _mm256_cmp_pd(x, high, _CMP_LE_OQ));
            inside |= _mm256_movemask_pd(in) << (4 * half);
            // Out-of-range lanes may convert to anything: they go to the spare counter.
            __m128i bin = _mm256_cvttpd_epi32(_mm256_mul_pd(_mm256_sub_pd(x, low), perUnit));
            bin = _mm_min_epi32(bin, last);
            const __m128i in32 = _mm256_cvtpd_epi32(_mm256_and_pd(in, _mm256_set1_pd(1.0)));
            bin = _mm_blendv_epi8(spare, bin, _mm_cmpeq_epi32(in32, _mm_set1_epi32(1)));
            _mm_store_si128(reinterpret_cast<__m128i*>(bins + 4 * half), bin);
        }
        // Each of the eight values has a lane of its own: no increment waits on another.
#pragma GCC unroll 8
        for (std::size_t j = 0; j < 8; ++j)
            ++counters[j * stride + static_cast<std::size_t>(bins[j])];
        if (inside != 0xff) { // rare: say where the others went
            for (int j = 0; j < 8; ++j)
                if (!(inside & (1 << j)))
                    outside.add(values[i + j], lo);
        }
    }
    binValuesReference(values + i, n - i, lo, hi, lanes, outside);
}

} // namespace qs
