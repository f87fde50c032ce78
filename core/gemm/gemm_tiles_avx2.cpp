// Compiled with -mavx2; reached only after a runtime CPU check.
//
// Why vpmaddwd and not vpmaddubsw: vpmaddubsw adds two u8·s8 products into an int16 that
// saturates (255·(-128)·2 = -65280 does not fit), so an int8 engine built on it silently
// differs from exact arithmetic on large activations. Widening both sides to int16 and
// using vpmaddwd makes every pair sum exact in int32, at the same multiply throughput once
// vpmaddubsw's own widening vpmaddwd is counted.
#include "gemm/gemm_tiles.h"

#include <immintrin.h>

namespace qs::gemm_detail {

namespace {
constexpr int kWidth = static_cast<int>(PackedWeights::kPanelWidth);

template <int Rows>
void tileRows(const std::int32_t* a, const std::int8_t* w, std::int64_t steps, int cols,
              std::int32_t* c, std::int64_t ldc, bool accumulate)
{
    __m256i low[Rows];  // channels 0..7 of the panel
    __m256i high[Rows]; // channels 8..15
#pragma GCC unroll 6
    for (int r = 0; r < Rows; ++r) {
        low[r] = _mm256_setzero_si256();
        high[r] = _mm256_setzero_si256();
    }
    for (std::int64_t step = 0; step < steps; ++step) {
        const std::int8_t* codes = w + step * kWidth * 2;
        const __m256i w0 =
            _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(codes)));
        const __m256i w1 =
            _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(codes + 16)));
        const std::int32_t* pairs = a + step * kTileRows;
        // Unrolled so that the accumulators stay in registers (at -O2 GCC keeps the loop,
        // and with it the arrays in memory).
#pragma GCC unroll 6
        for (int r = 0; r < Rows; ++r) {
            const __m256i x = _mm256_set1_epi32(pairs[r]);
            low[r] = _mm256_add_epi32(low[r], _mm256_madd_epi16(x, w0));
            high[r] = _mm256_add_epi32(high[r], _mm256_madd_epi16(x, w1));
        }
    }
#pragma GCC unroll 6
    for (int r = 0; r < Rows; ++r) {
        std::int32_t* out = c + r * ldc;
        if (cols == kWidth) {
            auto* out0 = reinterpret_cast<__m256i*>(out);
            auto* out1 = reinterpret_cast<__m256i*>(out + 8);
            if (accumulate) {
                low[r] = _mm256_add_epi32(low[r], _mm256_loadu_si256(out0));
                high[r] = _mm256_add_epi32(high[r], _mm256_loadu_si256(out1));
            }
            _mm256_storeu_si256(out0, low[r]);
            _mm256_storeu_si256(out1, high[r]);
            continue;
        }
        alignas(32) std::int32_t tile[kWidth];
        _mm256_store_si256(reinterpret_cast<__m256i*>(tile), low[r]);
        _mm256_store_si256(reinterpret_cast<__m256i*>(tile + 8), high[r]);
        for (int col = 0; col < cols; ++col)
            out[col] = accumulate ? out[col] + tile[col] : tile[col];
    }
}
} // namespace

void tileAvx2(const std::int32_t* a, const std::int8_t* w, std::int64_t steps, int rows, int cols,
              std::int32_t* c, std::int64_t ldc, bool accumulate)
{
    static_assert(kTileRows == 6, "one instantiation per row count below");
    switch (rows) {
    case 6:
        return tileRows<6>(a, w, steps, cols, c, ldc, accumulate);
    case 5:
        return tileRows<5>(a, w, steps, cols, c, ldc, accumulate);
    case 4:
        return tileRows<4>(a, w, steps, cols, c, ldc, accumulate);
    case 3:
        return tileRows<3>(a, w, steps, cols, c, ldc, accumulate);
    case 2:
        return tileRows<2>(a, w, steps, cols, c, ldc, accumulate);
    default:
        return tileRows<1>(a, w, steps, cols, c, ldc, accumulate);
    }
}

} // namespace qs::gemm_detail
