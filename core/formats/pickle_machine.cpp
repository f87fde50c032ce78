#include "formats/pickle_machine.h"

#include "common/byte_reader.h"
#include "common/error.h"
#include "formats/json_header.h"

#include <array>
#include <bit>
#include <functional>
#include <optional>
#include <unordered_map>

namespace qs {

namespace {
// Limits far above any real checkpoint, so that a hostile pickle cannot grow the stacks
// without bound (the arena is bounded by the file: one value per opcode at most).
constexpr std::size_t kMaxStack = 1u << 22;
constexpr std::size_t kMaxGlobalLine = 256;
constexpr std::size_t kMaxValues = 4'000'000;
constexpr std::size_t kMaxTensorRank = 64; // torch's own limit on dimensions

using Kind = PickleValue::Kind;

struct StorageType {
    std::string_view name;
    DType dtype;
};
constexpr std::array<StorageType, 10> kStorageTypes{{
    {"FloatStorage", DType::F32},
    {"DoubleStorage", DType::F64},
    {"HalfStorage", DType::F16},
    {"BFloat16Storage", DType::BF16},
    {"LongStorage", DType::I64},
    {"IntStorage", DType::I32},
    {"ShortStorage", DType::I16},
    {"CharStorage", DType::I8},
    {"ByteStorage", DType::U8},
    {"BoolStorage", DType::Bool},
}};

std::optional<DType> storageDtype(const PickleValue& global)
{
    if (global.kind != Kind::Global || global.text != "torch")
        return std::nullopt;
    for (const StorageType& t : kStorageTypes)
        if (global.name == t.name)
            return t.dtype;
    return std::nullopt;
}

bool isAllowedGlobal(const std::string& module, const std::string& name)
{
    if (module == "collections" && name == "OrderedDict")
        return true;
    if (module == "torch._utils" && (name == "_rebuild_tensor_v2" || name == "_rebuild_parameter"))
        return true;
    if (module == "torch")
        for (const StorageType& t : kStorageTypes)
            if (name == t.name)
                return true;
    return false;
}

enum Opcode : std::uint8_t {
    MARK = '(',
    STOP = '.',
    POP = '0',
    POP_MARK = '1',
    BINFLOAT = 'G',
    BININT = 'J',
    BININT1 = 'K',
    BININT2 = 'M',
    NONE = 'N',
    BINPERSID = 'Q',
    REDUCE = 'R',
    SHORT_BINSTRING = 'U',
    BINUNICODE = 'X',
    APPEND = 'a',
    BUILD = 'b',
    GLOBAL = 'c',
    DICT = 'd',
    EMPTY_DICT = '}',
    APPENDS = 'e',
    BINGET = 'h',
    LONG_BINGET = 'j',
    LIST = 'l',
    EMPTY_LIST = ']',
    BINPUT = 'q',
    LONG_BINPUT = 'r',
    SETITEM = 's',
    TUPLE = 't',
    EMPTY_TUPLE = ')',
    SETITEMS = 'u',
    BINBYTES = 'B',
    SHORT_BINBYTES = 'C',
    PROTO = 0x80,
    TUPLE1 = 0x85,
    TUPLE2 = 0x86,
    TUPLE3 = 0x87,
    NEWTRUE = 0x88,
    NEWFALSE = 0x89,
    LONG1 = 0x8a,
    LONG4 = 0x8b,
    SHORT_BINUNICODE = 0x8c,
    BINUNICODE8 = 0x8d,
    BINBYTES8 = 0x8e,
    STACK_GLOBAL = 0x93,
    MEMOIZE = 0x94,
    FRAME = 0x95,
};

// One run of a pickle: the stacks and memo of the pickle virtual machine.
class Run {
public:
    Run(ByteReader& in, std::function<PickleValue*(Kind)> make)
        : in_(in)
        , make_(std::move(make))
    {
    }

    const PickleValue* execute();

private:
    [[noreturn]] void fail(const std::string& problem) const { in_.fail(opcodeAt_, problem); }

    void push(PickleValue* value)
    {
        if (stack_.size() >= kMaxStack)
            fail("the pickle stack grows past " + std::to_string(kMaxStack) + " entries");
        stack_.push_back(value);
    }
    PickleValue* pop()
    {
        if (stack_.size() <= floor())
            fail("pickle stack underflow");
        PickleValue* value = stack_.back();
        stack_.pop_back();
        return value;
    }
    PickleValue* top()
    {
        if (stack_.size() <= floor())
            fail("pickle stack underflow");
        return stack_.back();
    }
    std::size_t floor() const { return marks_.empty() ? 0 : marks_.back(); }
    // The items pushed since the last MARK, which is removed.
    std::vector<PickleValue*> popToMark()
    {
        if (marks_.empty())
            fail("no MARK to pop to");
        const std::size_t mark = marks_.back();
        marks_.pop_back();
        std::vector<PickleValue*> items(stack_.begin() + static_cast<std::ptrdiff_t>(mark),
                                        stack_.end());
        stack_.resize(mark);
        return items;
    }

    PickleValue* integer(std::int64_t v)
    {
        PickleValue* value = make_(Kind::Int);
        value->integer = v;
        return value;
    }
    PickleValue* string(Kind kind, std::uint64_t length)
    {
        if (length > in_.remaining())
            fail("string of " + std::to_string(length) + " bytes runs past the end of the file");
        const auto bytes = in_.take(length, "string");
        PickleValue* value = make_(kind);
        value->text.assign(bytes.begin(), bytes.end());
        return value;
    }
    PickleValue* tuple(std::vector<PickleValue*> items)
    {
        PickleValue* value = make_(Kind::Tuple);
        value->items = std::move(items);
        return value;
    }
    std::string line()
    {
        std::string text;
        for (;;) {
            const auto c = in_.readLE<char>("GLOBAL name");
            if (c == '\n')
                return text;
            if (text.size() >= kMaxGlobalLine)
                fail("GLOBAL name longer than " + std::to_string(kMaxGlobalLine) + " bytes");
            text += c;
        }
    }
    PickleValue* memoGet(std::uint64_t index)
    {
        const auto found = memo_.find(index);
        if (found == memo_.end())
            fail("memo entry " + std::to_string(index) + " was never stored");
        return found->second;
    }

    void global(const std::string& module, const std::string& name);
    void reduce();
    void build();
    void persistentId();
    void setItems(PickleValue* dict, const std::vector<PickleValue*>& items);
    std::int64_t littleEndianInteger(std::uint64_t length);

    ByteReader& in_;
    std::function<PickleValue*(Kind)> make_;
    std::vector<PickleValue*> stack_;
    std::vector<std::size_t> marks_;
    std::unordered_map<std::uint64_t, PickleValue*> memo_;
    std::uint64_t opcodeAt_ = 0;
};

void Run::global(const std::string& module, const std::string& name)
{
    if (!isAllowedGlobal(module, name))
        fail("refused: the pickle names " + printable(module) + "." + printable(name) +
             ", which a checkpoint of tensors does not need; nothing in it is run");
    PickleValue* value = make_(Kind::Global);
    value->text = module;
    value->name = name;
    push(value);
}

std::int64_t Run::littleEndianInteger(std::uint64_t length)
{
    if (length > 8)
        fail("integer of " + std::to_string(length) + " bytes does not fit in 64 bits");
    const auto bytes = in_.take(length, "integer");
    std::uint64_t bits = 0;
    for (std::uint64_t i = 0; i < length; ++i)
        bits |= static_cast<std::uint64_t>(bytes[i]) << (8 * i);
    if (length > 0 && length < 8 && (bytes[length - 1] & 0x80))
        bits |= ~std::uint64_t{0} << (8 * length); // sign-extend
    return static_cast<std::int64_t>(bits);
}

std::vector<std::int64_t> integers(const PickleValue* tuple, const char* what,
                                   const std::function<void(const std::string&)>& fail)
{
    if (tuple->kind != Kind::Tuple)
        fail(std::string(what) + " is not a tuple");
    std::vector<std::int64_t> out;
    for (const PickleValue* item : tuple->items) {
        if (item->kind != Kind::Int)
            fail(std::string(what) + " holds a " + pickleKindName(item->kind) + ", not an integer");
        out.push_back(item->integer);
    }
    return out;
}

void Run::reduce()
{
    PickleValue* args = pop();
    PickleValue* callable = pop();
    if (callable->kind != Kind::Global || args->kind != Kind::Tuple)
        fail("REDUCE needs an allowed global and an argument tuple");
    const auto failWith = [this](const std::string& problem) {
        fail(problem);
    };
    if (callable->name == "OrderedDict") {
        PickleValue* dict = make_(Kind::Dict);
        if (!args->items.empty())
            fail("OrderedDict built with arguments; expected an empty one filled by SETITEMS");
        push(dict);
    } else if (callable->name == "_rebuild_tensor_v2") {
        const auto& a = args->items;
        if (a.size() < 4 || a[0]->kind != Kind::Storage || a[1]->kind != Kind::Int)
            fail("_rebuild_tensor_v2 needs (storage, offset, size, stride, ...)");
        PickleValue* tensor = make_(Kind::Tensor);
        tensor->storage = a[0];
        tensor->dtype = a[0]->dtype;
        tensor->storageOffset = a[1]->integer;
        if (a[2]->kind == Kind::Tuple && a[2]->items.size() > kMaxTensorRank)
            fail("a tensor of " + std::to_string(a[2]->items.size()) + " dimensions (at most " +
                 std::to_string(kMaxTensorRank) + ")");
        tensor->sizes = integers(a[2], "tensor size", failWith);
        tensor->strides = integers(a[3], "tensor stride", failWith);
        if (tensor->sizes.size() != tensor->strides.size())
            fail("tensor size and stride have different ranks");
        push(tensor);
    } else if (callable->name == "_rebuild_parameter") {
        if (args->items.empty() || args->items[0]->kind != Kind::Tensor)
            fail("_rebuild_parameter needs a tensor");
        push(args->items[0]); // a Parameter is its tensor; requires_grad does not matter here
    } else {
        fail("refused: torch." + printable(callable->name) + " is not called to load tensors");
    }
}

void Run::build()
{
    pop(); // the state
    const Kind kind = top()->kind;
    // BUILD on an OrderedDict sets attributes such as _metadata (module versions); on a
    // tensor, hooks. Neither changes the tensors' values.
    if (kind != Kind::Dict && kind != Kind::Tensor)
        fail(std::string("BUILD on a ") + pickleKindName(kind) + " is not supported");
}

void Run::persistentId()
{
    const PickleValue* id = pop();
    const auto& a = id->items;
    if (id->kind != Kind::Tuple || a.size() < 5 || a[0]->kind != Kind::String ||
        a[0]->text != "storage")
        fail("persistent id is not a ('storage', type, key, location, size) tuple");
    const auto dtype = storageDtype(*a[1]);
    if (!dtype)
        fail("persistent id names an unknown storage type");
    if (a[2]->kind != Kind::String && a[2]->kind != Kind::Int)
        fail("storage key is neither a string nor an integer");
    if (a[4]->kind != Kind::Int || a[4]->integer < 0)
        fail("storage size is not a non-negative integer");
    if (a.size() > 5 && a[5]->kind != Kind::None)
        fail("storage views of the pre-1.6 format are not supported");
    PickleValue* storage = make_(Kind::Storage);
    storage->dtype = *dtype;
    storage->text = a[2]->kind == Kind::String ? a[2]->text : std::to_string(a[2]->integer);
    storage->integer = a[4]->integer;
    push(storage);
}

void Run::setItems(PickleValue* dict, const std::vector<PickleValue*>& items)
{
    if (dict->kind != Kind::Dict)
        fail(std::string("SETITEMS on a ") + pickleKindName(dict->kind));
    if (items.size() % 2 != 0)
        fail("SETITEMS with an odd number of items");
    for (std::size_t i = 0; i < items.size(); i += 2)
        dict->entries.emplace_back(items[i], items[i + 1]);
}

const PickleValue* Run::execute()
{
    for (;;) {
        opcodeAt_ = in_.position();
        const auto op = in_.readLE<std::uint8_t>("pickle opcode");
        switch (op) {
        case PROTO:
            if (in_.readLE<std::uint8_t>("protocol") > 5)
                fail("pickle protocol newer than 5");
            break;
        case FRAME:
            in_.readLE<std::uint64_t>("frame length"); // frames only group opcodes
            break;
        case STOP: {
            PickleValue* result = pop();
            if (!stack_.empty() || !marks_.empty())
                fail("values left on the pickle stack at STOP");
            return result;
        }
        case MARK:
            if (marks_.size() >= kMaxStack)
                fail("too many open MARKs");
            marks_.push_back(stack_.size());
            break;
        case POP:
            pop();
            break;
        case POP_MARK:
            popToMark();
            break;
        case NONE:
            push(make_(Kind::None));
            break;
        case NEWTRUE:
        case NEWFALSE: {
            PickleValue* value = make_(Kind::Bool);
            value->integer = op == NEWTRUE;
            push(value);
            break;
        }
        case BININT:
            push(integer(in_.readLE<std::int32_t>("BININT")));
            break;
        case BININT1:
            push(integer(in_.readLE<std::uint8_t>("BININT1")));
            break;
        case BININT2:
            push(integer(in_.readLE<std::uint16_t>("BININT2")));
            break;
        case LONG1:
            push(integer(littleEndianInteger(in_.readLE<std::uint8_t>("LONG1 length"))));
            break;
        case LONG4:
            push(integer(littleEndianInteger(in_.readLE<std::uint32_t>("LONG4 length"))));
            break;
        case BINFLOAT: {
            const auto bytes = in_.take(8, "BINFLOAT");
            std::uint64_t bits = 0;
            for (int i = 0; i < 8; ++i) // big-endian, unlike everything else in a pickle
                bits = (bits << 8) | bytes[static_cast<std::size_t>(i)];
            PickleValue* value = make_(Kind::Float);
            value->real = std::bit_cast<double>(bits);
            push(value);
            break;
        }
        case SHORT_BINUNICODE:
            push(string(Kind::String, in_.readLE<std::uint8_t>("string length")));
            break;
        case BINUNICODE:
            push(string(Kind::String, in_.readLE<std::uint32_t>("string length")));
            break;
        case BINUNICODE8:
            push(string(Kind::String, in_.readLE<std::uint64_t>("string length")));
            break;
        case SHORT_BINSTRING:
            push(string(Kind::String, in_.readLE<std::uint8_t>("string length")));
            break;
        case SHORT_BINBYTES:
            push(string(Kind::Bytes, in_.readLE<std::uint8_t>("bytes length")));
            break;
        case BINBYTES:
            push(string(Kind::Bytes, in_.readLE<std::uint32_t>("bytes length")));
            break;
        case BINBYTES8:
            push(string(Kind::Bytes, in_.readLE<std::uint64_t>("bytes length")));
            break;
        case EMPTY_TUPLE:
            push(tuple({}));
            break;
        case TUPLE1:
        case TUPLE2:
        case TUPLE3: {
            const std::size_t count = op - TUPLE1 + 1u;
            std::vector<PickleValue*> items(count);
            for (std::size_t i = count; i-- > 0;)
                items[i] = pop();
            push(tuple(std::move(items)));
            break;
        }
        case TUPLE:
            push(tuple(popToMark()));
            break;
        case EMPTY_LIST:
            push(make_(Kind::List));
            break;
        case LIST: {
            PickleValue* list = make_(Kind::List);
            list->items = popToMark();
            push(list);
            break;
        }
        case EMPTY_DICT:
            push(make_(Kind::Dict));
            break;
        case DICT: {
            PickleValue* dict = make_(Kind::Dict);
            setItems(dict, popToMark());
            push(dict);
            break;
        }
        case APPEND: {
            PickleValue* item = pop();
            PickleValue* list = top();
            if (list->kind != Kind::List)
                fail("APPEND to a non-list");
            list->items.push_back(item);
            break;
        }
        case APPENDS: {
            auto items = popToMark();
            PickleValue* list = top();
            if (list->kind != Kind::List)
                fail("APPENDS to a non-list");
            list->items.insert(list->items.end(), items.begin(), items.end());
            break;
        }
        case SETITEM: {
            PickleValue* value = pop();
            PickleValue* key = pop();
            setItems(top(), {key, value});
            break;
        }
        case SETITEMS: {
            auto items = popToMark();
            setItems(top(), items);
            break;
        }
        case BINPUT:
            memo_[in_.readLE<std::uint8_t>("memo index")] = top();
            break;
        case LONG_BINPUT:
            memo_[in_.readLE<std::uint32_t>("memo index")] = top();
            break;
        case MEMOIZE:
            memo_[memo_.size()] = top();
            break;
        case BINGET:
            push(memoGet(in_.readLE<std::uint8_t>("memo index")));
            break;
        case LONG_BINGET:
            push(memoGet(in_.readLE<std::uint32_t>("memo index")));
            break;
        case GLOBAL: {
            const std::string module = line();
            global(module, line());
            break;
        }
        case STACK_GLOBAL: {
            const PickleValue* name = pop();
            const PickleValue* module = pop();
            if (name->kind != Kind::String || module->kind != Kind::String)
                fail("STACK_GLOBAL needs two strings");
            global(module->text, name->text);
            break;
        }
        case REDUCE:
            reduce();
            break;
        case BUILD:
            build();
            break;
        case BINPERSID:
            persistentId();
            break;
        default:
            fail("refused: pickle opcode 0x" + std::string(1, "0123456789abcdef"[op >> 4]) +
                 std::string(1, "0123456789abcdef"[op & 15]) +
                 " is not one a checkpoint of tensors needs");
        }
    }
}
} // namespace

const char* pickleKindName(PickleValue::Kind kind)
{
    static constexpr std::array<const char*, 12> names{"None", "bool",   "int",     "float",
                                                       "str",  "bytes",  "tuple",   "list",
                                                       "dict", "global", "storage", "tensor"};
    return names[static_cast<std::size_t>(kind)];
}

PickleValue* PickleMachine::make(PickleValue::Kind kind)
{
    // One value per opcode is cheap in bytes of pickle but not in memory (a value is about
    // 200 bytes, and a deflated pickle expands 1000-fold): a state_dict needs far fewer.
    if (arena_.size() >= kMaxValues)
        throw InputError(file_, std::nullopt,
                         "the pickle builds more than " + std::to_string(kMaxValues) +
                             " values; a checkpoint of tensors needs far fewer");
    PickleValue& value = arena_.emplace_back();
    value.kind = kind;
    return &value;
}

const PickleValue* PickleMachine::run(std::span<const std::uint8_t> bytes, std::uint64_t base,
                                      std::uint64_t& end)
{
    ByteReader in(bytes, file_, base);
    Run run(in, [this](Kind kind) { return make(kind); });
    const PickleValue* result = run.execute();
    end = in.position();
    return result;
}

} // namespace qs
