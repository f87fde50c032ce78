#pragma once
// Decoding of ggml's block-quantized tensor types to float32, bit for bit as ggml's
// reference dequantizers compute them (the same float operations in the same order).

#include "tensor/dtype.h"

#include <cstddef>
#include <cstdint>

namespace qs {

// Decodes `blocks` consecutive blocks of `type` (an isBlockType type) from `src` into
// blocks * traits(type).blockElements floats at `out`.
void decodeGgmlBlocks(DType type, const std::uint8_t* src, std::size_t blocks, float* out);

} // namespace qs
