#pragma once
// A restricted pickle reader for PyTorch checkpoints. It runs the pickle opcodes that build
// plain data (dicts, lists, tuples, numbers, strings) and recognises the few callables a
// state_dict names -- OrderedDict, torch's tensor-rebuild functions and storage types --
// as data, never calling anything. Any other global, and any opcode outside that set, is
// refused with an InputError, so loading a checkpoint cannot execute code.

#include "tensor/dtype.h"

#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace qs {

struct PickleValue {
    enum class Kind {
        None,
        Bool,
        Int,
        Float,
        String,
        Bytes,
        Tuple,
        List,
        Dict,
        Global,  // an allowed global not yet applied (module in `text`, name in `name`)
        Storage, // a persistent storage reference ('storage', type, key, location, numel)
        Tensor,  // the result of torch._utils._rebuild_tensor_v2
    };
    Kind kind = Kind::None;
    std::int64_t integer = 0; // Int, Bool; Storage: element count
    double real = 0;
    std::string text; // String, Bytes; Global: module; Storage: key
    std::string name; // Global: name
    // Tuple and List items; Dict entries as key, value pairs. Values are owned by the
    // PickleMachine's arena, so shared and cyclic references cannot leak or recurse.
    std::vector<PickleValue*> items;
    std::vector<std::pair<PickleValue*, PickleValue*>> entries;
    // Storage: element type. Tensor: its storage, and the view in elements.
    DType dtype = DType::F32;
    const PickleValue* storage = nullptr;
    std::int64_t storageOffset = 0;
    std::vector<std::int64_t> sizes, strides;
};

class PickleMachine {
public:
    explicit PickleMachine(std::string file)
        : file_(std::move(file))
    {
    }

    // Runs the pickle at the start of `bytes` (whose byte 0 is at absolute file offset
    // `base`) up to its STOP; returns the result and sets `end` to the offset in `bytes`
    // after STOP. Throws InputError naming the absolute offset of a refused or broken
    // opcode. Results stay valid as long as the machine.
    const PickleValue* run(std::span<const std::uint8_t> bytes, std::uint64_t base,
                           std::uint64_t& end);

    const std::string& file() const { return file_; }

private:
    PickleValue* make(PickleValue::Kind kind);

    std::string file_;
    std::deque<PickleValue> arena_;
};

const char* pickleKindName(PickleValue::Kind kind);

} // namespace qs
