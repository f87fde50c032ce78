// The exact int8 GEMM (uint8 X times packed int8 Wᵀ, int32 sums) against two baselines of the
// same shape in the same process: Eigen's float32 GEMM and oneDNN's u8 x s8 -> s32 matmul.
// Packing, reorders and primitive creation happen before the timed loop, as a model pays
// them once. GOPS counts 2·M·N·K per second; for M = 1 (a GEMV, bound by streaming W) the
// GB counter is the weight bytes read per second (4 a weight for Eigen's floats), to set
// against BM_GemmBaselineSumBytes.
//
// This file is compiled with -mavx2 -mfma (see CMakeLists.txt) so that Eigen uses its AVX2 +
// FMA kernels; every benchmark here checks the CPU first.
#include "common/cpu_features.h"
#include "gemm/gemm_kernel.h"
#include "gemm/int8_gemm.h"
#include "gemm/packed_weights.h"

#include <Eigen/Core>
#include <benchmark/benchmark.h>
#include <cstdint>
#include <cstdlib>
#include <immintrin.h>
#include <initializer_list>
#include <map>
#include <memory>
#include <omp.h>
#include <oneapi/dnnl/dnnl.hpp>
#include <random>
#include <span>
#include <string>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>
#include <tbb/task_arena.h>
#include <tuple>
#include <unordered_map>
#include <vector>

namespace qs::bench {
namespace {

struct Shape {
    std::int64_t m, n, k;
};

// A prefill-sized GEMM, a square one that fits in L2/L3, a decode-step GEMV, and a small
// batch over a small layer.
constexpr Shape kShapes[] = {{128, 4096, 4096}, {512, 512, 512}, {1, 4096, 4096}, {32, 1024, 1024}};

// X (M×K uint8) and W (N×K int8, one row per output channel), both row-major, drawn once
// per shape: the iteration-count probes and repetitions would otherwise redraw 16 MiB.
struct Operands {
    std::vector<std::uint8_t> x;
    std::vector<std::int8_t> w;
};

const Operands& operands(const Shape& shape)
{
    static std::map<std::tuple<std::int64_t, std::int64_t, std::int64_t>, Operands> cache;
    Operands& ops = cache[{shape.m, shape.n, shape.k}];
    if (ops.x.empty()) {
        std::mt19937 rng(17);
        ops.x.resize(static_cast<std::size_t>(shape.m * shape.k));
        ops.w.resize(static_cast<std::size_t>(shape.n * shape.k));
        for (auto& v : ops.x)
            v = static_cast<std::uint8_t>(rng());
        for (auto& v : ops.w)
            v = static_cast<std::int8_t>(static_cast<std::uint8_t>(rng()));
    }
    return ops;
}

Shape shapeOf(const benchmark::State& state)
{
    return {state.range(0), state.range(1), state.range(2)};
}

int threadsOf(const benchmark::State& state)
{
    return static_cast<int>(state.range(3));
}

void addShapes(benchmark::internal::Benchmark* b, std::initializer_list<int> threadCounts)
{
    b->ArgNames({"M", "N", "K", "threads"});
    for (const Shape& s : kShapes) {
        for (int threads : threadCounts)
            b->Args({s.m, s.n, s.k, threads});
    }
    // The threads' time is what matters, and the main thread's CPU time hides it.
    b->UseRealTime()->Unit(benchmark::kMicrosecond);
}

void oneThread(benchmark::internal::Benchmark* b)
{
    addShapes(b, {1});
}

void oneAndTwoThreads(benchmark::internal::Benchmark* b)
{
    addShapes(b, {1, 2});
}

void setRates(benchmark::State& state, const Shape& s, double weightBytes)
{
    using benchmark::Counter;
    state.counters["GOPS"] =
        Counter(2e-9 * double(s.m * s.n * s.k), Counter::kIsIterationInvariantRate);
    if (s.m == 1)
        state.counters["GB"] = Counter(1e-9 * weightBytes, Counter::kIsIterationInvariantRate);
}

bool skipWithoutAvx2(benchmark::State& state)
{
    if (cpuFeatures().avx2 && cpuFeatures().fma)
        return false;
    state.SkipWithError("this file is built for AVX2 + FMA");
    return true;
}

// ---- QuantScope ------------------------------------------------------------------------

void gemmQuantScope(benchmark::State& state, GemmKernel kernel)
{
    if (skipWithoutAvx2(state))
        return;
    const Shape s = shapeOf(state);
    const Operands& ops = operands(s);
    const PackedWeights packed(ops.w, s.n, s.k, kernel);
    std::vector<std::int32_t> acc(static_cast<std::size_t>(s.m * s.n));
    const GemmOptions options{threadsOf(state)};
    for (auto _ : state) {
        gemmInt32(std::span<const std::uint8_t>(ops.x), s.m, packed, acc, options);
        benchmark::DoNotOptimize(acc.data());
        benchmark::ClobberMemory();
    }
    setRates(state, s, double(s.n * s.k));
}

// Registered at start-up because the kernel list is known only at run time.
const bool kQuantScopeRegistered = [] {
    for (GemmKernel kernel : availableGemmKernels()) {
        const std::string name = std::string("BM_GemmInt32_") + toString(kernel);
        oneAndTwoThreads(benchmark::RegisterBenchmark(name.c_str(), gemmQuantScope, kernel));
    }
    return true;
}();

// ---- Eigen float32 ---------------------------------------------------------------------

// Y = X·Wᵀ with Wᵀ held as a K×N matrix, in two layouts: all column-major (Eigen's native
// order, where Wᵀ's memory is W's N×K rows as they are), as fast as or faster than the other
// on every shape here and far faster for the GEMV, and all row-major (X as callers hold it,
// W transposed once in advance), what a row-major caller would write. The two mixed layouts
// were slower still. Eigen uses one thread: the build has no -fopenmp, without which Eigen
// never splits a product.
template <int Order> void BM_GemmEigenF32(benchmark::State& state)
{
    if (skipWithoutAvx2(state))
        return;
    using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Order>;
    Eigen::setNbThreads(1);
    const Shape s = shapeOf(state);
    const Operands& ops = operands(s);
    Matrix x(s.m, s.k);
    Matrix wt(s.k, s.n);
    for (std::int64_t i = 0; i < s.m; ++i) {
        for (std::int64_t d = 0; d < s.k; ++d)
            x(i, d) = ops.x[i * s.k + d];
    }
    for (std::int64_t j = 0; j < s.n; ++j) {
        for (std::int64_t d = 0; d < s.k; ++d)
            wt(d, j) = ops.w[j * s.k + d];
    }
    Matrix y(s.m, s.n);
    for (auto _ : state) {
        y.noalias() = x * wt;
        benchmark::DoNotOptimize(y.data());
        benchmark::ClobberMemory();
    }
    setRates(state, s, 4.0 * double(s.n * s.k));
}
BENCHMARK(BM_GemmEigenF32<Eigen::RowMajor>)->Name("BM_GemmEigenF32_rowmajor")->Apply(oneThread);
BENCHMARK(BM_GemmEigenF32<Eigen::ColMajor>)->Name("BM_GemmEigenF32_colmajor")->Apply(oneThread);

// ---- oneDNN u8 x s8 -> s32 -------------------------------------------------------------

// Debian's oneDNN 2.6 is built with the OpenMP CPU runtime (DNNL_CPU_RUNTIME=OMP in
// dnnl_config.h; libdnnl.so.2 needs libgomp.so.1), so TBB's global_control has no effect on
// it and 2.x has no thread-count setting of its own: the count is libgomp's. Only the
// OMP_NUM_THREADS variable read when libgomp loads, or omp_set_num_threads() on the thread
// that creates and runs the primitive, sets it. The latter lets one process measure 1 and 2
// threads; it goes before the primitive is created because oneDNN sizes its per-thread
// scratchpad and work split from omp_get_max_threads() there. ONEDNN_VERBOSE=1 prints the
// runtime and thread count (`cpu,runtime:OpenMP,nthr:1`) to confirm. QuantScope and Eigen
// never start OpenMP threads, so the setting touches nothing else.
//
// On an AVX2 CPU without VNNI oneDNN picks `gemm:jit`, asks for plain K×N weights (`ab`)
// and repacks them inside every call; its vpmaddubsw sums pairs of products in saturating
// int16, so its accumulators are not exact for large codes: with X all 255 and W all -128
// at K = 4096 it returns -67108864 where the exact sum is -133693440. Timing does not depend
// on the values, so the comparison stands; the results do not.
void BM_GemmOneDnnU8S8S32(benchmark::State& state)
{
    if (skipWithoutAvx2(state))
        return;
    using dnnl::memory;
    const Shape s = shapeOf(state);
    const Operands& ops = operands(s);
    omp_set_num_threads(threadsOf(state));

    dnnl::engine engine(dnnl::engine::kind::cpu, 0);
    dnnl::stream stream(engine);
    const memory::desc srcDesc({s.m, s.k}, memory::data_type::u8, memory::format_tag::ab);
    // oneDNN's weights are K×N; our N×K rows are its `ba` layout.
    const memory::desc userWeightsDesc({s.k, s.n}, memory::data_type::s8, memory::format_tag::ba);
    const memory::desc anyWeightsDesc({s.k, s.n}, memory::data_type::s8, memory::format_tag::any);
    const memory::desc dstDesc({s.m, s.n}, memory::data_type::s32, memory::format_tag::ab);
    const dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(srcDesc, anyWeightsDesc, dstDesc),
                                          engine);

    memory src(srcDesc, engine, const_cast<std::uint8_t*>(ops.x.data()));
    memory userWeights(userWeightsDesc, engine, const_cast<std::int8_t*>(ops.w.data()));
    memory weights(pd.weights_desc(), engine);
    dnnl::reorder(userWeights, weights).execute(stream, userWeights, weights);
    std::vector<std::int32_t> acc(static_cast<std::size_t>(s.m * s.n));
    memory dst(dstDesc, engine, acc.data());
    const dnnl::matmul matmul(pd);
    const std::unordered_map<int, memory> args{
        {DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_DST, dst}};
    stream.wait();

    for (auto _ : state) {
        matmul.execute(stream, args);
        stream.wait();
        benchmark::DoNotOptimize(acc.data());
        benchmark::ClobberMemory();
    }
    state.SetLabel(pd.impl_info_str());
    setRates(state, s, double(s.n * s.k));
    // How often its last result differs from the exact sums on these uniform random codes.
    const PackedWeights packed(ops.w, s.n, s.k);
    std::vector<std::int32_t> exact(acc.size());
    gemmInt32(std::span<const std::uint8_t>(ops.x), s.m, packed, exact);
    std::size_t wrong = 0;
    for (std::size_t i = 0; i < acc.size(); ++i)
        wrong += acc[i] != exact[i];
    state.counters["wrong_pct"] = 100.0 * double(wrong) / double(acc.size());
}
BENCHMARK(BM_GemmOneDnnU8S8S32)->Apply(oneAndTwoThreads);

// ---- Memory bandwidth ------------------------------------------------------------------

// The read bandwidth a GEMV can hope for: sum every byte of a buffer with vpsadbw, which
// does far less work per byte than any GEMM. 256 MiB is far beyond the 32 MiB L3; 16 MiB is
// the size of a 4096×4096 int8 W, which a repeated GEMV finds in L3. One sequential stream
// per core reaches only about two thirds of what several do here (12 against 19 GB/s from
// DRAM), so each thread reads its part as kStreams interleaved streams.
constexpr std::size_t kStreams = 8;

std::uint64_t sumBytes(const std::uint8_t* data, std::size_t size)
{
    const __m256i zero = _mm256_setzero_si256();
    __m256i sums[kStreams];
    for (__m256i& sum : sums)
        sum = zero;
    const auto* v = reinterpret_cast<const __m256i*>(data);
    const std::size_t vectors = size / 32 / kStreams; // per stream, even: whole 64-byte lines
    for (std::size_t i = 0; i < vectors; i += 2) {
        for (std::size_t s = 0; s < kStreams; ++s) {
            const __m256i* line = v + s * vectors + i;
            sums[s] = _mm256_add_epi64(sums[s], _mm256_sad_epu8(_mm256_load_si256(line), zero));
            sums[s] = _mm256_add_epi64(sums[s], _mm256_sad_epu8(_mm256_load_si256(line + 1), zero));
        }
    }
    __m256i total = zero;
    for (const __m256i& sum : sums)
        total = _mm256_add_epi64(total, sum);
    alignas(32) std::uint64_t lanes[4];
    _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), total);
    return lanes[0] + lanes[1] + lanes[2] + lanes[3];
}

void BM_GemmBaselineSumBytes(benchmark::State& state)
{
    if (skipWithoutAvx2(state))
        return;
    const auto size = static_cast<std::size_t>(state.range(0)) << 20;
    const int threads = static_cast<int>(state.range(1));
    // Each thread takes one contiguous half, as the GEMM's threads split W by panels.
    const std::size_t slice = size / static_cast<std::size_t>(threads);
    struct Free {
        void operator()(std::uint8_t* p) const { std::free(p); }
    };
    const std::unique_ptr<std::uint8_t, Free> buffer(
        static_cast<std::uint8_t*>(std::aligned_alloc(4096, size)));
    for (std::size_t i = 0; i < size; ++i)
        buffer.get()[i] = static_cast<std::uint8_t>(i * 131);
    // The same kind of workers as the GEMM's (a TBB arena), kept alive across iterations.
    tbb::task_arena arena(threads);
    std::vector<std::uint64_t> sums(static_cast<std::size_t>(threads));
    for (auto _ : state) {
        arena.execute([&] {
            tbb::parallel_for(
                0, threads,
                [&](int t) {
                    sums[static_cast<std::size_t>(t)] =
                        sumBytes(buffer.get() + static_cast<std::size_t>(t) * slice, slice);
                },
                tbb::static_partitioner());
        });
        benchmark::DoNotOptimize(sums.data());
        benchmark::ClobberMemory();
    }
    state.counters["GB"] =
        benchmark::Counter(1e-9 * double(size), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_GemmBaselineSumBytes)
    ->ArgNames({"MiB", "threads"})
    ->Args({256, 1})
    ->Args({256, 2})
    ->Args({16, 1})
    ->Args({16, 2})
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

} // namespace
} // namespace qs::bench
