#pragma once

#include <cstddef>
#include <cstdint>

namespace qs {

// Widen `count` little-endian binary16 values at `src`: with the F16C instruction (call
// only when cpuFeatures().f16c), and the portable twin (defined in decode.cpp).
void widenHalfF16c(const std::uint8_t* src, std::size_t count, float* out);
void widenHalfPortable(const std::uint8_t* src, std::size_t count, float* out);

} // namespace qs
