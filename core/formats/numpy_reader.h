#pragma once
// NumPy .npy (format versions 1, 2, 3; little/big endian; C and Fortran order) and .npz
// (zip archives of .npy entries, stored or deflated).

#include "formats/model_file.h"

#include <memory>

namespace qs {

class MappedFile;

std::unique_ptr<ModelFile> openNpy(std::shared_ptr<const MappedFile> file);
std::unique_ptr<ModelFile> openNpz(std::shared_ptr<const MappedFile> file);

} // namespace qs
