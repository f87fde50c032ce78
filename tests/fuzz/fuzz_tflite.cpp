// libFuzzer target: openTflite.
#include "formats/tflite_reader.h"
#include "fuzz_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    return qs::fuzz::runReader(data, size, qs::openTflite);
}
