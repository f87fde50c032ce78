#pragma once
// Runtime CPU feature checks for choosing a kernel path.

#include <string>

namespace qs {

struct CpuFeatures {
    bool avx2 = false;
    bool fma = false;
    bool f16c = false;
};

const CpuFeatures& cpuFeatures();

// The processor's brand string ("AMD EPYC 7B13 64-Core Processor"), or "unknown".
const std::string& cpuName();

// Set QUANTSCOPE_KERNELS=ref in the environment to force the plain-loop kernels
// (for comparing results and speed); read once.
bool referenceKernelsForced();

} // namespace qs
