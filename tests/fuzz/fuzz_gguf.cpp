// libFuzzer target: openGguf.
#include "formats/gguf_reader.h"
#include "fuzz_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    return qs::fuzz::runReader(data, size, qs::openGguf);
}
