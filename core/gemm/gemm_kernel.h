#pragma once
// The integer GEMM paths and which of them this CPU can run. Every path computes the same
// exact int32 accumulators; they differ only in speed.

#include <string>
#include <vector>

namespace qs {

enum class GemmKernel {
    Reference, // a plain triple loop over the unpacked matrices: the oracle
    Portable,  // blocked C++ over the packed layout, for any CPU
    Avx2,      // 16-bit multiply-adds (vpmaddwd), exact for every int8/uint8 input
};

const char* toString(GemmKernel kernel);
// Accepts the names toString gives; UsageError otherwise.
GemmKernel parseGemmKernel(const std::string& text);

// The packed paths this CPU can run, fastest last (Reference is never listed: it does not
// use packed weights).
std::vector<GemmKernel> availableGemmKernels();

// The fastest available path, or Portable when QUANTSCOPE_KERNELS=ref is set.
GemmKernel bestGemmKernel();

} // namespace qs
