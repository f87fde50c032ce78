#include "gemm/gemm_tiles.h"

namespace qs::gemm_detail {

namespace {
constexpr int kWidth = static_cast<int>(PackedWeights::kPanelWidth);

void storeTile(const std::int32_t (&tile)[kTileRows][kWidth], int rows, int cols, std::int32_t* c,
               std::int64_t ldc, bool accumulate)
{
    for (int r = 0; r < rows; ++r) {
        for (int col = 0; col < cols; ++col)
            c[r * ldc + col] = accumulate ? c[r * ldc + col] + tile[r][col] : tile[r][col];
    }
}
} // namespace

void tilePortable(const std::int32_t* a, const std::int8_t* w, std::int64_t steps, int rows,
                  int cols, std::int32_t* c, std::int64_t ldc, bool accumulate)
{
    std::int32_t tile[kTileRows][kWidth] = {};
    for (std::int64_t step = 0; step < steps; ++step) {
        const std::int32_t* pairs = a + step * kTileRows;
        const std::int8_t* codes = w + step * kWidth * 2;
        for (int r = 0; r < rows; ++r) {
            // The word holds two int16 halves; unsigned arithmetic keeps the split defined.
            const auto word = static_cast<std::uint32_t>(pairs[r]);
            const auto x0 = static_cast<std::int16_t>(word & 0xffffu);
            const auto x1 = static_cast<std::int16_t>(word >> 16);
            for (int col = 0; col < kWidth; ++col)
                tile[r][col] += x0 * codes[2 * col] + x1 * codes[2 * col + 1];
        }
    }
    storeTile(tile, rows, cols, c, ldc, accumulate);
}

} // namespace qs::gemm_detail
