#pragma once
// Writes safetensors files of seeded Gaussian weights for benchmarks: large enough to
// stream from memory rather than cache.

#include "tensor/dtype.h"

#include <cstdint>
#include <string>

namespace qs::bench {

// `tensors` tensors of rows x cols elements of `dtype` (F32, F16 or BF16). Returns the path
// (in the temporary folder, reused when it already exists with the same size).
std::string syntheticModel(DType dtype, int tensors, std::int64_t rows, std::int64_t cols);

// A file of `bytes` whose header lists tensors covering all of it but whose data is a
// sparse hole: opening it must read only the header.
std::string sparseModel(std::uint64_t bytes);

} // namespace qs::bench
