#pragma once
// GGUF (versions 2 and 3), llama.cpp's model file: a header of typed key/value metadata,
// a table of tensor infos (name, dimensions innermost first, ggml type, offset), then the
// aligned tensor data. Quantized ggml tensors are decoded block by block when analysed.

#include "formats/model_file.h"

#include <memory>

namespace qs {

class MappedFile;

std::unique_ptr<ModelFile> openGguf(std::shared_ptr<const MappedFile> file);

} // namespace qs
