#pragma once
// ONNX models, parsed with the ONNX project's own protobuf schema. Weights are collected
// wherever they live: graph initializers (raw_data or the typed *_data fields), sparse
// initializers, Constant nodes, the subgraphs of If/Loop/Scan (named by their path) and
// external data files beside the model. Each weight is labelled with the operator that
// reads it, and integer weights behind a DequantizeLinear are decoded to the real values
// the model computes with.

#include "formats/model_file.h"

#include <memory>
#include <span>

namespace qs {

class MappedFile;

// A guess from the first bytes and the name: ModelProto starts with field 1 (ir_version).
bool looksLikeOnnx(std::span<const std::uint8_t> head, const std::string& path);

std::unique_ptr<ModelFile> openOnnx(std::shared_ptr<const MappedFile> file);

} // namespace qs
