#include "gemm/gemm_kernel.h"

#include "common/cpu_features.h"
#include "common/error.h"

namespace qs {

const char* toString(GemmKernel kernel)
{
    switch (kernel) {
    case GemmKernel::Reference:
        return "reference";
    case GemmKernel::Portable:
        return "portable";
    case GemmKernel::Avx2:
        return "avx2";
    }
    return "?";
}

GemmKernel parseGemmKernel(const std::string& text)
{
    for (GemmKernel kernel : {GemmKernel::Reference, GemmKernel::Portable, GemmKernel::Avx2}) {
        if (text == toString(kernel))
            return kernel;
    }
    throw UsageError("unknown GEMM kernel '" + text + "' (reference, portable, avx2)");
}

std::vector<GemmKernel> availableGemmKernels()
{
    std::vector<GemmKernel> kernels{GemmKernel::Portable};
    if (cpuFeatures().avx2)
        kernels.push_back(GemmKernel::Avx2);
    return kernels;
}

GemmKernel bestGemmKernel()
{
    if (referenceKernelsForced())
        return GemmKernel::Portable;
    return availableGemmKernels().back();
}

} // namespace qs
