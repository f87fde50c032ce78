// Compiled with -mavx2 only; called only when the CPU has AVX2 (errorRow checks).
#include "analysis/error_pass.h"

#include <algorithm>
#include <cmath>
#include <immintrin.h>

namespace qs {

namespace {
float horizontalMin(__m256 v)
{
    __m128 m = _mm_min_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_min_ps(m, _mm_movehl_ps(m, m));
    m = _mm_min_ss(m, _mm_shuffle_ps(m, m, 1));
    return _mm_cvtss_f32(m);
}

float horizontalMax(__m256 v)
{
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_shuffle_ps(m, m, 1));
    return _mm_cvtss_f32(m);
}

double horizontalSum(__m256d v)
{
    __m128d s = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    s = _mm_add_sd(s, _mm_unpackhi_pd(s, s));
    return _mm_cvtsd_f64(s);
}
} // namespace

RowErrors errorRowAvx2(const float* values, float* restored, std::size_t n)
{
    const __m256 signless = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    const __m256 infinity = _mm256_set1_ps(INFINITY);
    const __m256 minusInfinity = _mm256_set1_ps(-INFINITY);
    const __m256 nan = _mm256_set1_ps(NAN);
    __m256 valueMin = infinity, valueMax = minusInfinity;
    __m256 errorMin = infinity, errorMax = minusInfinity;
    __m256d sumX2 = _mm256_setzero_pd(), sumE2 = _mm256_setzero_pd();
    std::uint64_t finite = 0;
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 x = _mm256_loadu_ps(values + i);
        // |x| < inf is false for ±inf and NaN alike.
        const __m256 isFinite = _mm256_cmp_ps(_mm256_and_ps(x, signless), infinity, _CMP_LT_OQ);
        const __m256 e = _mm256_sub_ps(_mm256_loadu_ps(restored + i), x);
        _mm256_storeu_ps(restored + i, _mm256_blendv_ps(nan, e, isFinite));
        valueMin = _mm256_min_ps(valueMin, _mm256_blendv_ps(infinity, x, isFinite));
        valueMax = _mm256_max_ps(valueMax, _mm256_blendv_ps(minusInfinity, x, isFinite));
        errorMin = _mm256_min_ps(errorMin, _mm256_blendv_ps(infinity, e, isFinite));
        errorMax = _mm256_max_ps(errorMax, _mm256_blendv_ps(minusInfinity, e, isFinite));
        const __m256 xKept = _mm256_and_ps(x, isFinite);
        const __m256 eKept = _mm256_and_ps(e, isFinite);
        // Products in float64 of float32 operands, as the plain loop takes them (no FMA:
        // the product is rounded before it is added, as there).
        const __m256d xLow = _mm256_cvtps_pd(_mm256_castps256_ps128(xKept));
        const __m256d xHigh = _mm256_cvtps_pd(_mm256_extractf128_ps(xKept, 1));
        const __m256d eLow = _mm256_cvtps_pd(_mm256_castps256_ps128(eKept));
        const __m256d eHigh = _mm256_cvtps_pd(_mm256_extractf128_ps(eKept, 1));
        sumX2 = _mm256_add_pd(
            sumX2, _mm256_add_pd(_mm256_mul_pd(xLow, xLow), _mm256_mul_pd(xHigh, xHigh)));
        sumE2 = _mm256_add_pd(
            sumE2, _mm256_add_pd(_mm256_mul_pd(eLow, eLow), _mm256_mul_pd(eHigh, eHigh)));
        finite += static_cast<std::uint64_t>(__builtin_popcount(_mm256_movemask_ps(isFinite)));
    }
    RowErrors row = errorRowReference(values + i, restored + i, n - i); // the tail
    row.valueMin = std::min(row.valueMin, horizontalMin(valueMin));
    row.valueMax = std::max(row.valueMax, horizontalMax(valueMax));
    row.errorMin = std::min(row.errorMin, horizontalMin(errorMin));
    row.errorMax = std::max(row.errorMax, horizontalMax(errorMax));
    row.sumX2 += horizontalSum(sumX2);
    row.sumE2 += horizontalSum(sumE2);
    row.finite += finite;
    return row;
}

} // namespace qs
