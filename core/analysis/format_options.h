#pragma once
// The choices a mixed-precision plan and a Pareto chart weigh against each other: each a
// number format with its granularity (or a block preset, or the tensor as stored), and
// what it costs (bits, scales included) and loses (squared error) on every layer.

#include "analysis/model_analyzer.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace qs {

struct FormatOption {
    std::string label;   // as written in --formats: "int4/group:64", "gguf-q4_0", "stored"
    QuantConfig config;  // unused when `stored`
    bool stored = false; // the tensor left as the file stores it: no error
    std::optional<std::string> ggmlType; // what llama-quantize calls it, when it has a name
};

// "stored", a preset ("gguf-q4_0"), or DTYPE[/GRANULARITY] ("int4/group:64", "fp8-e4m3",
// "fp16"); integer grids take `base`'s scheme, calibration and convention. UsageError for
// anything else.
FormatOption parseFormatOption(const std::string& spec, const QuantConfig& base);

// The default choices: stored, fp16, bf16, int8/int6/int5/int4/int3/int2 per channel and in
// groups of 32 and 128, int8 and int4 per tensor, fp8-e4m3 per channel, fp4-e2m1 in groups
// of 32, and the four presets.
std::vector<FormatOption> defaultFormatOptions(const QuantConfig& base);
// Only what llama-quantize can write: stored, fp16, bf16, gguf-q8_0, gguf-q4_0, mxfp4.
std::vector<FormatOption> ggmlFormatOptions();

struct OptionCell {
    bool applies = false;
    double bits = 0; // the layer's size under the option
    ErrorSums sums;  // sumE2 is the layer's squared error
    ErrorMetrics metrics;
};

struct FormatTable {
    std::vector<FormatOption> options;
    std::vector<std::string> layers; // every floating-point tensor analysed, in file order
    std::vector<std::uint64_t> numel;
    std::vector<DType> dtype; // as stored
    std::vector<std::size_t> rank;
    std::vector<std::vector<OptionCell>> cells; // [layer][option]

    // The whole model under one option, the layers it cannot take kept as stored (as a
    // converter would leave them): bits per weight, SQNR, and how many layers it took.
    struct ModelPoint {
        double bitsPerWeight = 0;
        double sqnrDb = 0;
        std::size_t layersTaken = 0;
    };
    ModelPoint modelPoint(std::size_t option) const;
    // Weights over every layer: what "bits per weight" divides by.
    std::uint64_t weights() const;
};

// Analyses the model once per option (threads and tensor filter from `analyzeOptions`).
// `onOption(done, total)` is called before each option and again, from worker threads, as
// its blocks finish; false stops with CancelledError.
FormatTable
measureFormatOptions(const ModelFile& model, std::vector<FormatOption> options,
                     const AnalyzeOptions& analyzeOptions,
                     const std::function<bool(std::size_t, std::size_t)>& onOption = {});

// llama-quantize quantizes only tensors of rank 2 or more whose names end in "weight";
// every other layer can only stay as stored.
void keepOnlyWhatLlamaQuantizes(FormatTable& table);

// Of points (bits, error), those no other point beats on both (fewer or equal bits and
// less error, or less bits and equal error).
std::vector<bool> paretoOptimal(const std::vector<std::pair<double, double>>& bitsAndError);

} // namespace qs
