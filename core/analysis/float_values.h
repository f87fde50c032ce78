#pragma once
// A tensor's values as float32, the type the engine computes in: the mapped bytes
// themselves when the file stores aligned float32, else the values widened (or decoded
// from ggml blocks) into a buffer of the calling thread.

#include "common/error.h"
#include "formats/json_header.h"
#include "formats/model_file.h"
#include "tensor/decode.h"

#include <cstdint>
#include <span>
#include <vector>

namespace qs {

// Runs `work` on tensor `index` of `model` as floats. `Slot` picks one of the thread's
// buffers, so that one thread can hold two tensors at once (a comparison).
template <int Slot = 0, typename Work>
void withFloatValues(const ModelFile& model, std::size_t index, Work&& work)
{
    const TensorInfo& info = model.tensors()[index];
    const TensorBytes bytes = model.read(index);
    const auto raw = bytes.bytes();
    if (raw.size() != info.nbytes)
        throw InputError(info.file, info.offset,
                         "tensor \"" + printable(info.name) + "\": data size mismatch");
    const bool aligned = reinterpret_cast<std::uintptr_t>(raw.data()) % alignof(float) == 0;
    if (info.dtype == DType::F32 && aligned) {
        work(std::span<const float>(reinterpret_cast<const float*>(raw.data()), info.numel));
        return;
    }
    // Reused across tensors: fresh pages for every tensor would cost more in page faults
    // than the widening itself.
    thread_local std::vector<float> decoded;
    if (decoded.size() < info.numel)
        decoded.resize(info.numel);
    decodeToFloat(info.dtype, raw, 0, info.numel, decoded.data());
    work(std::span<const float>(decoded.data(), info.numel));
}

} // namespace qs
