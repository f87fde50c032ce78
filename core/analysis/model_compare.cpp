#include "analysis/model_compare.h"

#include "analysis/float_values.h"

#include <atomic>
#include <cmath>
#include <map>
#include <mutex>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

namespace qs {

ErrorSums compareValues(std::span<const float> reference, std::span<const float> candidate,
                        std::uint64_t& nonfinite)
{
    ErrorSums sums;
    nonfinite = 0;
    for (std::size_t i = 0; i < reference.size(); ++i) {
        if (!std::isfinite(reference[i]) || !std::isfinite(candidate[i])) {
            ++nonfinite;
            continue;
        }
        sums.add(reference[i], candidate[i]);
    }
    return sums;
}

namespace {
struct Pair {
    std::size_t reference, candidate;
};

std::optional<std::string> whyNotComparable(const TensorInfo& ref, const TensorInfo& cand)
{
    if (!ref.unsupported.empty())
        return "reference: " + ref.unsupported;
    if (!cand.unsupported.empty())
        return "candidate: " + cand.unsupported;
    if (!isFloat(ref.dtype) || !isFloat(cand.dtype))
        return "not a floating-point tensor (" + storedTypeName(ref) + " against " +
               storedTypeName(cand) + ")";
    if (ref.shape != cand.shape)
        return "shape " + shapeToString(ref.shape) + " against " + shapeToString(cand.shape);
    return std::nullopt;
}
} // namespace

CompareReport compareModels(const ModelFile& reference, const ModelFile& candidate,
                            const CompareOptions& options)
{
    std::optional<tbb::global_control> threadLimit;
    if (options.threads > 0)
        threadLimit.emplace(tbb::global_control::max_allowed_parallelism,
                            static_cast<std::size_t>(options.threads));
    CompareReport report;
    report.referencePath = reference.path();
    report.candidatePath = candidate.path();
    report.referenceFormat = reference.format();
    report.candidateFormat = candidate.format();

    const auto selected = [&](const TensorInfo& info) {
        return !options.tensorFilter || std::regex_search(info.name, *options.tensorFilter);
    };
    std::map<std::string, std::size_t> candidates;
    for (std::size_t i = 0; i < candidate.tensors().size(); ++i)
        candidates.emplace(candidate.tensors()[i].name, i);
    std::vector<Pair> pairs;
    std::uint64_t totalElements = 0;
    for (std::size_t i = 0; i < reference.tensors().size(); ++i) {
        const TensorInfo& ref = reference.tensors()[i];
        if (!selected(ref))
            continue;
        const auto found = candidates.find(ref.name);
        if (found == candidates.end()) {
            report.unmatched.push_back({ref.name, "only in the reference"});
            continue;
        }
        const TensorInfo& cand = candidate.tensors()[found->second];
        candidates.erase(found);
        if (auto reason = whyNotComparable(ref, cand)) {
            report.unmatched.push_back({ref.name, *reason});
            continue;
        }
        pairs.push_back({i, static_cast<std::size_t>(&cand - candidate.tensors().data())});
        totalElements += ref.numel;
    }
    for (const TensorInfo& cand : candidate.tensors())
        if (selected(cand) && candidates.count(cand.name))
            report.unmatched.push_back({cand.name, "only in the candidate"});

    std::atomic<std::uint64_t> done{0};
    std::atomic<bool> cancelled{false};
    std::mutex progressMutex;
    std::vector<ComparedTensor> compared(pairs.size());
    tbb::parallel_for(std::size_t{0}, pairs.size(), [&](std::size_t k) {
        if (cancelled)
            return;
        const TensorInfo& ref = reference.tensors()[pairs[k].reference];
        const TensorInfo& cand = candidate.tensors()[pairs[k].candidate];
        ComparedTensor& out = compared[k];
        out.name = ref.name;
        out.shape = ref.shape;
        out.referenceType = storedTypeName(ref);
        out.candidateType = storedTypeName(cand);
        out.numel = ref.numel;
        tbb::this_task_arena::isolate([&] {
            withFloatValues<0>(reference, pairs[k].reference, [&](std::span<const float> x) {
                withFloatValues<1>(candidate, pairs[k].candidate, [&](std::span<const float> y) {
                    out.sums = compareValues(x, y, out.nonfinite);
                });
            });
        });
        out.metrics = computeMetrics(out.sums);
        if (options.progress) {
            const std::uint64_t total = done += ref.numel;
            std::lock_guard lock(progressMutex);
            if (!options.progress->report(total, totalElements))
                cancelled = true;
        }
    });
    if (cancelled)
        throw CancelledError();
    report.tensors = std::move(compared);

    ErrorSums total;
    for (const ComparedTensor& t : report.tensors)
        total.merge(t.sums);
    report.parameters = total.count;
    report.summary = computeMetrics(total);
    return report;
}

} // namespace qs
