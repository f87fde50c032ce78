#pragma once
// Runtime CPU feature checks for choosing a kernel path.

namespace qs {

struct CpuFeatures {
    bool avx2 = false;
    bool fma = false;
    bool f16c = false;
};

const CpuFeatures& cpuFeatures();

// Set QUANTSCOPE_KERNELS=ref in the environment to force the plain-loop kernels
// (for comparing results and speed); read once.
bool referenceKernelsForced();

} // namespace qs
