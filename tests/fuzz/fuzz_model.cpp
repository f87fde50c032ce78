// libFuzzer target: openModel, the entry point that recognises the format by content.
#include "fuzz_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    return qs::fuzz::runReader(data, size, [](std::shared_ptr<const qs::MappedFile> file) {
        return qs::openModel(file->path());
    });
}
