#pragma once
// The body shared by the libFuzzer targets: the input becomes an in-memory file, a reader
// opens it, and every tensor it lists is read and decoded as analysis would. Bad input
// must end in InputError; any other exception, a crash, a leak or a sanitizer report is
// a finding.

#include "common/error.h"
#include "common/mapped_file.h"
#include "formats/model_file.h"
#include "tensor/decode.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <sys/mman.h>
#include <unistd.h>
#include <vector>

namespace qs::fuzz {

using Opener = std::unique_ptr<ModelFile> (*)(std::shared_ptr<const MappedFile>);

inline int runReader(const std::uint8_t* data, std::size_t size, Opener open)
{
    // A memfd behaves like a file for mmap and needs no disk.
    const int fd = memfd_create("quantscope-fuzz", 0);
    if (fd < 0)
        return 0;
    std::size_t written = 0;
    while (written < size) {
        const ssize_t n = write(fd, data + written, size - written);
        if (n <= 0)
            break;
        written += static_cast<std::size_t>(n);
    }
    const std::string path = "/proc/self/fd/" + std::to_string(fd);
    try {
        const auto model = open(MappedFile::open(path));
        std::vector<float> values;
        for (std::size_t i = 0; i < model->tensors().size(); ++i) {
            const TensorInfo& info = model->tensors()[i];
            if (!info.unsupported.empty())
                continue;
            const TensorBytes bytes = model->read(i);
            if (bytes.bytes().size() != info.nbytes)
                __builtin_trap(); // a reader must deliver exactly what it declared
            // Decoded in pieces, as analysis may, so that the harness's own buffer does not
            // double the memory a large (declared and checked) tensor takes.
            constexpr std::uint64_t kPiece = 1 << 20;
            if (isFloat(info.dtype)) {
                values.resize(std::min<std::uint64_t>(info.numel, kPiece));
                for (std::uint64_t at = 0; at < info.numel; at += kPiece) {
                    const std::uint64_t count = std::min(kPiece, info.numel - at);
                    decodeToFloat(info.dtype, bytes.bytes(), at, count, values.data());
                }
            }
        }
    } catch (const InputError&) {
        // The expected outcome for most inputs.
    }
    close(fd);
    return 0;
}

} // namespace qs::fuzz
