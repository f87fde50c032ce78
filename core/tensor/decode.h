#pragma once
// Widening of stored floating-point elements (plain or ggml block-quantized) to float32,
// the type the engine computes in.

#include "tensor/dtype.h"

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace qs {

// Converts `count` elements starting at element `first` of little-endian `bytes`.
// `type` must be a floating type; for a block type `first` and `count` are whole blocks.
// F64 values beyond float range become ±Inf (and are then counted as nonfinite).
void decodeToFloat(DType type, std::span<const std::uint8_t> bytes, std::size_t first,
                   std::size_t count, float* out);

std::vector<float> decodeToFloat(DType type, std::span<const std::uint8_t> bytes);

// Integer (or bool) elements widened to int64: signed types sign-extended, unsigned ones
// zero-extended (a U64 above INT64_MAX wraps).
std::vector<std::int64_t> decodeIntegers(DType type, std::span<const std::uint8_t> bytes);

} // namespace qs
