#pragma once
// Internal to the GEMM: the tile functions each path provides. A tile is up to
// kTileRows rows of packed activations times one panel of packed weights.

#include "gemm/packed_weights.h"

#include <cstdint>

namespace qs::gemm_detail {

// Rows of activations per packed activation panel.
inline constexpr int kTileRows = 6;

// `a`: `steps` depth steps of kTileRows words, each word the int16 pair (x[k], x[k+1]) of
// one row, low half first. `w`: the weight panel from the same depth step on. Writes (or,
// with `accumulate`, adds to) c[r*ldc + col] for r < rows, col < cols.
using TileFn = void (*)(const std::int32_t* a, const std::int8_t* w, std::int64_t steps, int rows,
                        int cols, std::int32_t* c, std::int64_t ldc, bool accumulate);

void tilePortable(const std::int32_t* a, const std::int8_t* w, std::int64_t steps, int rows,
                  int cols, std::int32_t* c, std::int64_t ldc, bool accumulate);
void tileAvx2(const std::int32_t* a, const std::int8_t* w, std::int64_t steps, int rows, int cols,
              std::int32_t* c, std::int64_t ldc, bool accumulate);

} // namespace qs::gemm_detail
