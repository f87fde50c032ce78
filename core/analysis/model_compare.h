#pragma once
// The error a shipped model really has: a candidate file (quantized, converted, rounded)
// measured against its float reference, tensor by tensor, with the metrics of spec §9
// (x = reference value, x̂ = candidate value, e = x̂ - x).

#include "analysis/error_metrics.h"
#include "common/progress.h"
#include "formats/model_file.h"

#include <optional>
#include <regex>
#include <string>
#include <vector>

namespace qs {

struct ComparedTensor {
    std::string name;
    Shape shape;
    std::string referenceType; // stored types, e.g. "F32" against "Q4_K"
    std::string candidateType;
    std::uint64_t numel = 0;
    std::uint64_t nonfinite = 0; // elements where either side is NaN or Inf (left out)
    ErrorMetrics metrics;
    ErrorSums sums;
};

struct UnmatchedTensor {
    std::string name;
    std::string reason; // "only in the reference", "shape 4x8 against 8x4", ...
};

struct CompareReport {
    std::string referencePath, candidatePath;
    std::string referenceFormat, candidateFormat;
    std::vector<ComparedTensor> tensors; // in the reference's order
    std::vector<UnmatchedTensor> unmatched;
    std::uint64_t parameters = 0; // finite elements compared
    ErrorMetrics summary;         // over all compared elements together
};

struct CompareOptions {
    std::optional<std::regex> tensorFilter; // compare only names it matches (search)
    int threads = 0;                        // 0: all cores
    Progress* progress = nullptr;
};

// Pairs tensors by name; pairs whose shapes differ, non-float tensors and tensors of a
// type that cannot be decoded are listed as unmatched with the reason. Data that turns out
// to be broken while reading ends the comparison with its InputError.
CompareReport compareModels(const ModelFile& reference, const ModelFile& candidate,
                            const CompareOptions& options = {});

// The sums of candidate against reference over finite pairs; `nonfinite` counts the rest.
ErrorSums compareValues(std::span<const float> reference, std::span<const float> candidate,
                        std::uint64_t& nonfinite);

} // namespace qs
