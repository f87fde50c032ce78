#pragma once
// TFLite models (FlatBuffers, identifier "TFL3"): the constant tensors of every subgraph,
// with their data inline in the FlatBuffer or, for models over 2 GB, appended after it.
// Integer tensors with quantization parameters (per tensor or per channel) are decoded to
// the real values the model computes with; each weight is labelled with its operator.

#include "formats/model_file.h"

#include <memory>
#include <span>

namespace qs {

class MappedFile;

bool isTflite(std::span<const std::uint8_t> head);
std::unique_ptr<ModelFile> openTflite(std::shared_ptr<const MappedFile> file);

} // namespace qs
