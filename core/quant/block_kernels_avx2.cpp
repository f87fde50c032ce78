// AVX2 + FMA paths of block_kernels.h. Compiled with -mavx2 -mfma; only called after
// cpuFeatures() confirmed the instructions. Each element goes through exactly the same
// float32 operations as the Ref twin (multiply, round-to-nearest-even, add, clamp,
// subtract, multiply), so codes and x̂ are bit-identical; only the order of the double
// sums differs.

#include "quant/block_kernels.h"

#if defined(__x86_64__)
#include <cmath>
#include <immintrin.h>

namespace qs {

namespace {
inline __m256 finiteMask(__m256 x, __m256 absMask, __m256 infinity)
{
    // |x| < Inf is false for both Inf and NaN.
    return _mm256_cmp_ps(_mm256_and_ps(x, absMask), infinity, _CMP_LT_OQ);
}

// roundf in eight lanes: truncate, then step one away from zero where the dropped part
// was at least a half. Both the truncation and v − trunc(v) are exact in float32.
inline __m256 roundHalfAway(__m256 v, __m256 absMask)
{
    const __m256 truncated = _mm256_round_ps(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
    const __m256 dropped = _mm256_and_ps(_mm256_sub_ps(v, truncated), absMask);
    const __m256 stepUp = _mm256_cmp_ps(dropped, _mm256_set1_ps(0.5f), _CMP_GE_OQ);
    const __m256 signedOne = _mm256_or_ps(_mm256_andnot_ps(absMask, v), _mm256_set1_ps(1.0f));
    return _mm256_add_ps(truncated, _mm256_and_ps(stepUp, signedOne));
}

inline float horizontalMin(__m256 v)
{
    __m128 m = _mm_min_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_min_ps(m, _mm_movehl_ps(m, m));
    m = _mm_min_ss(m, _mm_shuffle_ps(m, m, 1));
    return _mm_cvtss_f32(m);
}

inline float horizontalMax(__m256 v)
{
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_shuffle_ps(m, m, 1));
    return _mm_cvtss_f32(m);
}

inline double horizontalSum(__m256d v)
{
    __m128d s = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    s = _mm_add_sd(s, _mm_unpackhi_pd(s, s));
    return _mm_cvtsd_f64(s);
}

// Two halves of a float vector widened to double.
inline __m256d low(__m256 v)
{
    return _mm256_cvtps_pd(_mm256_castps256_ps128(v));
}
inline __m256d high(__m256 v)
{
    return _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1));
}
} // namespace

RangeStats rangeOfAvx2(const float* x, std::size_t n)
{
    const __m256 absMask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    const __m256 inf = _mm256_set1_ps(INFINITY);
    const __m256 negInf = _mm256_set1_ps(-INFINITY);
    __m256 lo0 = inf, lo1 = inf, hi0 = negInf, hi1 = negInf;
    std::uint64_t finite = 0;
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m256 a = _mm256_loadu_ps(x + i);
        const __m256 b = _mm256_loadu_ps(x + i + 8);
        const __m256 fa = finiteMask(a, absMask, inf);
        const __m256 fb = finiteMask(b, absMask, inf);
        lo0 = _mm256_min_ps(lo0, _mm256_blendv_ps(inf, a, fa));
        lo1 = _mm256_min_ps(lo1, _mm256_blendv_ps(inf, b, fb));
        hi0 = _mm256_max_ps(hi0, _mm256_blendv_ps(negInf, a, fa));
        hi1 = _mm256_max_ps(hi1, _mm256_blendv_ps(negInf, b, fb));
        finite += static_cast<unsigned>(__builtin_popcount(_mm256_movemask_ps(fa)) +
                                        __builtin_popcount(_mm256_movemask_ps(fb)));
    }
    RangeStats stats;
    stats.min = horizontalMin(_mm256_min_ps(lo0, lo1));
    stats.max = horizontalMax(_mm256_max_ps(hi0, hi1));
    stats.finite = finite;
    stats.nonfinite = i - finite;
    stats.merge(rangeOfRef(x + i, n - i));
    return stats;
}

void quantizeIntBlockAvx2(const float* x, std::size_t n, const IntQuantParams& p, ErrorSums& sums,
                          float* dequantized)
{
    const __m256 absMask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    const __m256 inf = _mm256_set1_ps(INFINITY);
    const __m256 scale = _mm256_set1_ps(p.scale);
    const __m256 invScale = _mm256_set1_ps(p.invScale);
    const __m256 zero = _mm256_set1_ps(p.zeroPoint);
    const __m256 qmin = _mm256_set1_ps(p.qmin);
    const __m256 qmax = _mm256_set1_ps(p.qmax);
    const __m256 halfScale = _mm256_set1_ps(p.scale * 0.5f);
    const bool divide = p.divideByScale;
    const bool tiesAway = p.ties == TieRule::AwayFromZero;
    const bool dequantDivide = p.dequantizeByDividing;

    __m256d x2Lo = _mm256_setzero_pd(), x2Hi = _mm256_setzero_pd();
    __m256d e2Lo = _mm256_setzero_pd(), e2Hi = _mm256_setzero_pd();
    __m256d eLo = _mm256_setzero_pd(), eHi = _mm256_setzero_pd();
    __m256d xeLo = _mm256_setzero_pd(), xeHi = _mm256_setzero_pd();
    __m256 maxErr = _mm256_setzero_ps();
    std::uint64_t finite = 0, clipped = 0;

    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 value = _mm256_loadu_ps(x + i);
        const __m256 ok = finiteMask(value, absMask, inf);
        const __m256 scaled = divide ? _mm256_div_ps(value, scale) : _mm256_mul_ps(value, invScale);
        const __m256 rounded =
            tiesAway ? roundHalfAway(scaled, absMask)
                     : _mm256_round_ps(scaled, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        const __m256 code = _mm256_add_ps(rounded, zero);
        const __m256 clampedCode = _mm256_min_ps(_mm256_max_ps(code, qmin), qmax);
        const __m256 shifted = _mm256_sub_ps(clampedCode, zero);
        const __m256 restored =
            dequantDivide ? _mm256_div_ps(shifted, invScale) : _mm256_mul_ps(scale, shifted);
        if (dequantized)
            _mm256_storeu_ps(dequantized + i, _mm256_blendv_ps(value, restored, ok));
        // Nonfinite lanes contribute zeros to every sum.
        const __m256 error = _mm256_and_ps(_mm256_sub_ps(restored, value), ok);
        const __m256 v = _mm256_and_ps(value, ok);
        const __m256 absError = _mm256_and_ps(error, absMask);
        maxErr = _mm256_max_ps(maxErr, absError);

        const __m256 wasClamped = _mm256_cmp_ps(code, clampedCode, _CMP_NEQ_UQ);
        const __m256 farOff = _mm256_cmp_ps(absError, halfScale, _CMP_GT_OQ);
        clipped += static_cast<unsigned>(__builtin_popcount(
            _mm256_movemask_ps(_mm256_and_ps(_mm256_and_ps(wasClamped, farOff), ok))));
        finite += static_cast<unsigned>(__builtin_popcount(_mm256_movemask_ps(ok)));

        const __m256d vLo = low(v), vHi = high(v), errLo = low(error), errHi = high(error);
        x2Lo = _mm256_fmadd_pd(vLo, vLo, x2Lo);
        x2Hi = _mm256_fmadd_pd(vHi, vHi, x2Hi);
        e2Lo = _mm256_fmadd_pd(errLo, errLo, e2Lo);
        e2Hi = _mm256_fmadd_pd(errHi, errHi, e2Hi);
        eLo = _mm256_add_pd(eLo, errLo);
        eHi = _mm256_add_pd(eHi, errHi);
        xeLo = _mm256_fmadd_pd(vLo, errLo, xeLo);
        xeHi = _mm256_fmadd_pd(vHi, errHi, xeHi);
    }
    ErrorSums block;
    block.sumX2 = horizontalSum(_mm256_add_pd(x2Lo, x2Hi));
    block.sumE2 = horizontalSum(_mm256_add_pd(e2Lo, e2Hi));
    block.sumE = horizontalSum(_mm256_add_pd(eLo, eHi));
    block.sumXE = horizontalSum(_mm256_add_pd(xeLo, xeHi));
    block.maxAbsErr = horizontalMax(maxErr);
    block.count = finite;
    block.clipped = clipped;
    sums.merge(block);
    quantizeIntBlockRef(x + i, n - i, p, sums, dequantized ? dequantized + i : nullptr);
}

} // namespace qs

#else

#include <stdexcept>

namespace qs {
RangeStats rangeOfAvx2(const float*, std::size_t)
{
    throw std::logic_error("no AVX2 build");
}
void quantizeIntBlockAvx2(const float*, std::size_t, const IntQuantParams&, ErrorSums&, float*)
{
    throw std::logic_error("no AVX2 build");
}
} // namespace qs

#endif
