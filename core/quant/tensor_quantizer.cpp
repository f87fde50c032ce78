#include "quant/tensor_quantizer.h"

#include "common/error.h"
#include "quant/block_layout.h"
#include "quant/calibration.h"
#include "quant/presets.h"

#include <algorithm>
#include <cmath>
#include <tbb/parallel_for.h>

namespace qs {

namespace {
// Work is cut into chunks of about this many elements: large enough to amortise task
// overhead, small enough to stay in L2 while a block is read twice (range, then codes).
constexpr std::size_t kChunkElements = 1 << 16;

// Relays progress to the caller's callback and turns its "stop" into CancelledError,
// which tbb::parallel_for carries back to the caller's thread.
class ProgressRelay {
public:
    explicit ProgressRelay(const std::function<bool(std::uint64_t)>& callback)
        : callback_(callback)
    {
    }
    // Check-ins without finished elements come from inner loops (every chunk of every
    // calibration candidate): only one in 64 reaches the callback.
    void finished(std::uint64_t elements) const
    {
        if (stopped_.load(std::memory_order_relaxed))
            throw CancelledError();
        if (!callback_ ||
            (elements == 0 && (checkIns_.fetch_add(1, std::memory_order_relaxed) & 63) != 0))
            return;
        if (!callback_(elements)) {
            stopped_ = true;
            throw CancelledError();
        }
    }

private:
    const std::function<bool(std::uint64_t)>& callback_;
    mutable std::atomic<bool> stopped_{false};
    mutable std::atomic<std::uint64_t> checkIns_{0};
};

struct Partial {
    ErrorSums sums;
    CastCounts casts;
    void merge(const Partial& other)
    {
        sums.merge(other.sums);
        casts += other.casts;
    }
};

// Runs `work(begin, end, partial)` over [0, n) in fixed chunks, in parallel when asked,
// and merges the partial sums in chunk order so that the total is reproducible.
template <typename Work>
Partial chunked(std::size_t n, bool parallel, const ProgressRelay& relay, Work&& work)
{
    const std::size_t chunks = std::max<std::size_t>(1, (n + kChunkElements - 1) / kChunkElements);
    std::vector<Partial> partials(chunks);
    auto runChunk = [&](std::size_t c) {
        relay.finished(0);
        const std::size_t begin = c * kChunkElements;
        work(begin, std::min(n, begin + kChunkElements), partials[c]);
    };
    if (parallel && chunks > 1)
        tbb::parallel_for(std::size_t{0}, chunks, runChunk);
    else
        for (std::size_t c = 0; c < chunks; ++c)
            runChunk(c);
    Partial total;
    for (const Partial& p : partials)
        total.merge(p);
    return total;
}

// Quantizes one block, holding the constants the configuration implies.
class BlockQuantizer {
public:
    BlockQuantizer(const QuantConfig& config, const ProgressRelay& relay,
                   std::optional<ClipRange> fixedClip)
        : config_(config)
        , relay_(relay)
        , fixedClip_(fixedClip)
        , isFloat_(config.format.kind == NumberFormat::Kind::Float)
    {
        if (!isFloat_)
            grids_ = intGrids(config);
    }

    // `parallel` spreads one large block over the thread pool.
    Partial run(std::span<const float> block, float* out, BlockRecord& record,
                std::vector<float>& scratch, bool parallel) const
    {
        if (config_.preset != Preset::None)
            return runPreset(block, out, record);
        const RangeStats stats = range(block, parallel);
        if (isFloat_)
            return runFloat(block, stats, out, record, scratch, parallel);
        return runInteger(block, stats, out, record, scratch, parallel);
    }

private:
    RangeStats range(std::span<const float> block, bool parallel) const
    {
        if (!parallel || block.size() <= kChunkElements)
            return rangeOf(block.data(), block.size());
        const std::size_t chunks = (block.size() + kChunkElements - 1) / kChunkElements;
        std::vector<RangeStats> parts(chunks);
        tbb::parallel_for(std::size_t{0}, chunks, [&](std::size_t c) {
            const std::size_t begin = c * kChunkElements;
            const std::size_t end = std::min(block.size(), begin + kChunkElements);
            parts[c] = rangeOf(block.data() + begin, end - begin);
        });
        RangeStats total;
        for (const RangeStats& part : parts)
            total.merge(part);
        return total;
    }

    Partial quantizeInt(std::span<const float> block, const IntQuantParams& params, float* out,
                        bool parallel) const
    {
        return chunked(
            block.size(), parallel, relay_, [&](std::size_t b, std::size_t e, Partial& p) {
                quantizeIntBlock(block.data() + b, e - b, params, p.sums, out ? out + b : nullptr);
            });
    }

    Partial quantizeFloat(std::span<const float> block, float scale, float* out,
                          bool parallel) const
    {
        const FloatFormat& format = *config_.format.floatFormat;
        return chunked(block.size(), parallel, relay_,
                       [&](std::size_t b, std::size_t e, Partial& p) {
                           quantizeFloatBlock(block.data() + b, e - b, format, scale, p.sums,
                                              p.casts, out ? out + b : nullptr);
                       });
    }

    int quantBins() const { return isFloat_ ? 0 : 1 << (config_.format.bits - 1); }

    Partial runInteger(std::span<const float> block, const RangeStats& stats, float* out,
                       BlockRecord& record, std::vector<float>& scratch, bool parallel) const
    {
        auto paramsFor = [&](const ClipRange& clip) {
            return makeIntParams(computeScaleZero(clip, config_.scheme, config_.format,
                                                  grids_.scale, config_.convention),
                                 grids_.clamp, config_.convention);
        };
        auto clipError = [&](const ClipRange& clip) {
            return quantizeInt(block, paramsFor(clip), nullptr, parallel).sums.sumE2;
        };
        record.clip = fixedClip_ ? *fixedClip_
                                 : calibrateBlock(block, stats, config_.calibration, config_.scheme,
                                                  quantBins(), clipError, scratch);
        const ScaleZero scaleZero = computeScaleZero(record.clip, config_.scheme, config_.format,
                                                     grids_.scale, config_.convention);
        record.scale = scaleZero.scale;
        record.zeroPoint = scaleZero.zeroPoint;
        record.inverse = scaleZero.inverse;
        return quantizeInt(block, makeIntParams(scaleZero, grids_.clamp, config_.convention), out,
                           parallel);
    }

    Partial runFloat(std::span<const float> block, const RangeStats& stats, float* out,
                     BlockRecord& record, std::vector<float>& scratch, bool parallel) const
    {
        const FloatFormat& format = *config_.format.floatFormat;
        if (config_.effectiveFpMode() == FpMode::Unscaled) {
            record.clip = {static_cast<float>(-format.maxFinite),
                           static_cast<float>(format.maxFinite)};
            record.scale = 1.0f;
            return quantizeFloat(block, 1.0f, out, parallel);
        }
        auto scaleFor = [&](const ClipRange& clip) {
            const float amax = std::max(std::fabs(clip.lo), std::fabs(clip.hi));
            const float scale = amax / static_cast<float>(format.maxFinite);
            return scale > 0.0f && std::isfinite(scale) ? scale : 1.0f;
        };
        auto clipError = [&](const ClipRange& clip) {
            return quantizeFloat(block, scaleFor(clip), nullptr, parallel).sums.sumE2;
        };
        record.clip = fixedClip_ ? *fixedClip_
                                 : calibrateBlock(block, stats, config_.calibration,
                                                  Scheme::Symmetric, 0, clipError, scratch);
        record.scale = scaleFor(record.clip);
        return quantizeFloat(block, record.scale, out, parallel);
    }

    Partial runPreset(std::span<const float> block, float* out, BlockRecord& record) const
    {
        Partial partial;
        for (std::size_t b = 0; b + kPresetBlockSize <= block.size(); b += kPresetBlockSize) {
            record.scale = quantizePresetBlock(config_.preset, block.data() + b, partial.sums,
                                               partial.casts, out ? out + b : nullptr);
        }
        const float reach = std::fabs(record.scale) *
                            (config_.preset == Preset::GgufQ8_0 ? 127.0f
                             : config_.preset == Preset::GgufQ4_0
                                 ? 8.0f
                                 : static_cast<float>(mxElementFormat(config_.preset).maxFinite));
        record.clip = {-reach, reach};
        return partial;
    }

    const QuantConfig& config_;
    const ProgressRelay& relay_;
    std::optional<ClipRange> fixedClip_;
    bool isFloat_;
    IntGrids grids_;
};

void finishScales(TensorQuantization& result, const std::vector<BlockRecord>& records)
{
    bool first = true;
    for (const BlockRecord& record : records) {
        const float magnitude = std::fabs(record.scale);
        result.scaleMin = first ? magnitude : std::min(result.scaleMin, magnitude);
        result.scaleMax = first ? magnitude : std::max(result.scaleMax, magnitude);
        first = false;
    }
}
} // namespace

std::optional<std::string> whyNotApplicable(const Shape& shape, const QuantConfig& config)
{
    const std::size_t rank = shape.size();
    if (std::find(shape.begin(), shape.end(), 0) != shape.end())
        return "empty tensor (no elements)";
    if (config.preset != Preset::None) {
        const std::uint64_t last = rank ? static_cast<std::uint64_t>(shape.back()) : 1;
        if (last % kPresetBlockSize != 0)
            return "last dimension " + std::to_string(last) + " is not a multiple of the " +
                   std::to_string(kPresetBlockSize) + "-element block of " +
                   toString(config.preset);
        return std::nullopt;
    }
    const bool unscaledFloat = config.format.kind == NumberFormat::Kind::Float &&
                               config.effectiveFpMode() == FpMode::Unscaled;
    if (unscaledFloat)
        return std::nullopt;
    if (config.granularity.kind == Granularity::Kind::Channel &&
        static_cast<std::size_t>(config.granularity.axis) >= rank)
        return "channel axis " + std::to_string(config.granularity.axis) +
               " is beyond the tensor's rank " + std::to_string(rank);
    if (config.granularity.kind == Granularity::Kind::Group && rank == 0)
        return "group granularity needs at least one dimension (a scalar has none)";
    return std::nullopt;
}

TensorQuantization quantizeTensor(std::span<const float> values, const Shape& shape,
                                  const QuantConfig& config, const QuantizeRequest& request)
{
    if (auto reason = whyNotApplicable(shape, config))
        throw UsageError("cannot quantize this tensor: " + *reason);
    const BlockLayout layout(shape, config);
    const std::uint64_t numel = layout.numel();
    if (values.size() != numel ||
        (!request.dequantized.empty() && request.dequantized.size() != numel))
        throw Error("quantizeTensor: buffer sizes do not match the shape");

    if (request.fixedClip) {
        const ClipRange& clip = *request.fixedClip;
        if (config.preset != Preset::None || (config.format.kind == NumberFormat::Kind::Float &&
                                              config.effectiveFpMode() == FpMode::Unscaled))
            throw UsageError("a clipping range applies to scaled formats only, not to a preset "
                             "or an unscaled cast");
        if (!std::isfinite(clip.lo) || !std::isfinite(clip.hi) || !(clip.lo <= clip.hi))
            throw UsageError("the clipping range must be finite with lo <= hi");
    }
    const ProgressRelay relay(request.progress);
    const BlockQuantizer quantizer(config, relay, request.fixedClip);
    float* out = request.dequantized.empty() ? nullptr : request.dequantized.data();
    const std::uint64_t blocks = layout.blocks();
    std::vector<BlockRecord> records(blocks);
    Partial total;

    if (!layout.contiguous()) {
        // Channel on an inner axis: gather each channel's elements, quantize, scatter back.
        std::vector<Partial> partials(blocks);
        tbb::parallel_for(std::uint64_t{0}, blocks, [&](std::uint64_t c) {
            relay.finished(0);
            std::vector<float> gathered, restored(out ? layout.largestBlock() : 0), scratch;
            layout.gather(values, c, gathered);
            partials[c] = quantizer.run(gathered, out ? restored.data() : nullptr, records[c],
                                        scratch, false);
            if (out)
                layout.scatter(restored, c, out);
            relay.finished(gathered.size());
        });
        for (const Partial& p : partials)
            total.merge(p);
    } else if (layout.largestBlock() >= kChunkElements * 4 || blocks == 1) {
        // Few large blocks: one at a time, each spread over the threads.
        std::vector<float> scratch;
        for (std::uint64_t b = 0; b < blocks; ++b) {
            const auto [begin, length] = layout.span(b);
            total.merge(quantizer.run(values.subspan(begin, length), out ? out + begin : nullptr,
                                      records[b], scratch, true));
            relay.finished(length);
        }
    } else {
        // Many blocks: chunks of whole blocks, each chunk a task.
        const std::uint64_t perChunk =
            std::max<std::uint64_t>(1, kChunkElements / layout.largestBlock());
        const std::uint64_t chunks = (blocks + perChunk - 1) / perChunk;
        std::vector<Partial> partials(chunks);
        tbb::parallel_for(std::uint64_t{0}, chunks, [&](std::uint64_t chunk) {
            relay.finished(0);
            std::vector<float> scratch;
            const std::uint64_t last = std::min(blocks, (chunk + 1) * perChunk);
            std::uint64_t elements = 0;
            for (std::uint64_t b = chunk * perChunk; b < last; ++b) {
                const auto [begin, length] = layout.span(b);
                partials[chunk].merge(quantizer.run(values.subspan(begin, length),
                                                    out ? out + begin : nullptr, records[b],
                                                    scratch, false));
                elements += length;
            }
            relay.finished(elements);
        });
        for (const Partial& p : partials)
            total.merge(p);
    }

    TensorQuantization result;
    result.sums = total.sums;
    result.casts = total.casts;
    result.nonfinite = numel - total.sums.count;
    result.blocks = blocks;
    finishScales(result, records);
    if (!request.keepBlockRecords)
        records.resize(1);
    result.blockRecords = std::move(records);
    return result;
}

} // namespace qs
