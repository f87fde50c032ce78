#pragma once
// safetensors: an 8-byte little-endian header length, a JSON header naming every tensor's
// dtype, shape and byte range, then the data. Sharded models are described by a
// *.safetensors.index.json whose weight_map sends each tensor to a shard file.

#include "formats/model_file.h"

#include <memory>

namespace qs {

class MappedFile;

std::unique_ptr<ModelFile> openSafetensors(std::shared_ptr<const MappedFile> file);
std::unique_ptr<ModelFile> openSafetensorsIndex(std::shared_ptr<const MappedFile> file);

} // namespace qs
