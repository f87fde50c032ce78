#include "common/cpu_features.h"

#include <cstdlib>
#include <cstring>

namespace qs {

const CpuFeatures& cpuFeatures()
{
    static const CpuFeatures features = [] {
        CpuFeatures found;
#if defined(__x86_64__) || defined(__i386__)
        __builtin_cpu_init();
        found.avx2 = __builtin_cpu_supports("avx2");
        found.fma = __builtin_cpu_supports("fma");
        found.f16c = __builtin_cpu_supports("f16c");
#endif
        return found;
    }();
    return features;
}

bool referenceKernelsForced()
{
    static const bool forced = [] {
        const char* value = std::getenv("QUANTSCOPE_KERNELS");
        return value && std::strcmp(value, "ref") == 0;
    }();
    return forced;
}

} // namespace qs
