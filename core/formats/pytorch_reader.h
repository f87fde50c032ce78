#pragma once
// PyTorch checkpoints (.pt, .pth, .bin): the zip format of torch.save since 1.6
// (<folder>/data.pkl plus one <folder>/data/<key> entry per storage) and the older
// single-stream format (magic number, protocol and system-info pickles, the object pickle,
// the storage keys, then the raw storages). The object pickle is read by PickleMachine, so
// nothing in the file is ever executed. Nested dicts are flattened to dotted names.

#include "formats/model_file.h"

#include <memory>
#include <span>

namespace qs {

class MappedFile;

// True when a zip archive's directory holds a <folder>/data.pkl entry.
bool isPytorchZip(std::span<const std::uint8_t> archive, const std::string& file);
// True when the bytes start with the legacy format's magic-number pickle.
bool isPytorchLegacy(std::span<const std::uint8_t> head);

std::unique_ptr<ModelFile> openPytorchZip(std::shared_ptr<const MappedFile> file);
std::unique_ptr<ModelFile> openPytorchLegacy(std::shared_ptr<const MappedFile> file);

} // namespace qs
