#pragma once
// The analysis of a whole model file under one configuration: every floating-point tensor
// quantized and measured, streamed one tensor at a time (a model never has to fit in
// memory), in parallel over tensors and blocks.

#include "analysis/error_metrics.h"
#include "analysis/layer_output.h"
#include "common/progress.h"
#include "formats/model_file.h"
#include "quant/quant_config.h"
#include "quant/tensor_quantizer.h"

#include <functional>
#include <optional>
#include <regex>
#include <string>
#include <vector>

namespace qs {

struct LayerReport {
    std::string name;
    Shape shape;
    DType dtype = DType::F32;
    std::uint64_t numel = 0;
    std::uint64_t nonfinite = 0;
    std::uint64_t blocks = 0;
    float scaleMin = 0;
    float scaleMax = 0;
    std::optional<float> scale; // when the tensor is a single block
    std::optional<std::int32_t> zeroPoint;
    std::optional<CastCounts> casts; // floating-point formats
    ErrorMetrics metrics;
    ErrorSums sums; // what the metrics came from (for model totals)
    // With AnalyzeOptions::matmul: the layer's output error, or why it was not measured.
    std::optional<LayerOutput> output;
    std::string outputSkipped;
};

struct SkippedTensor {
    std::string name;
    std::string reason;
};

struct ModelSummary {
    std::uint64_t parameters = 0; // elements analysed
    ErrorMetrics metrics;         // over all analysed elements together
    // With AnalyzeOptions::matmul: over the output elements of every measured layer.
    std::optional<ErrorMetrics> output;
    std::size_t outputLayers = 0;
};

struct ModelReport {
    std::string path;
    std::string format;
    std::size_t tensorCount = 0;
    std::uint64_t parameters = 0; // elements of all floating-point tensors
    QuantConfig config;
    std::optional<MatmulOptions> matmul;
    std::string activations;         // where X came from, with matmul
    std::vector<LayerReport> layers; // in file order
    std::vector<SkippedTensor> skipped;
    ModelSummary summary;
};

struct AnalyzeOptions {
    std::optional<std::regex> tensorFilter; // analyse only names it matches (search)
    int threads = 0;                        // 0: all cores
    Progress* progress = nullptr;           // elements done as blocks finish; false cancels
    std::optional<MatmulOptions> matmul;    // also measure each layer's output error
    // Called as each tensor's report is complete, with the tensor's index in the file: from
    // worker threads, concurrently and in no set order (the GUI fills its table with them).
    std::function<void(std::size_t tensorIndex, const LayerReport& layer)> layerDone;
};

// Quantizes one loaded tensor and measures it. `progress` as in QuantizeRequest.
LayerReport analyzeTensor(const TensorInfo& info, std::span<const float> values,
                          const QuantConfig& config,
                          const std::function<bool(std::uint64_t)>& progress = {});

// The report of a tensor already quantized (with any request: block records, x̂ ...).
LayerReport layerReport(const TensorInfo& info, const TensorQuantization& quantization,
                        const QuantConfig& config);

ModelReport analyzeModel(const ModelFile& model, const QuantConfig& config,
                         const AnalyzeOptions& options = {});

} // namespace qs
