#!/usr/bin/python3
"""Writes the PyTorch checkpoint reader's test files.

Good checkpoints go to tests/data/pytorch/ (written by torch.save itself), the
expected contents to tests/data/pytorch/expected.json, and handcrafted broken or
malicious checkpoints to tests/data/corrupt/pytorch/ (see the README.md there).
The output is checked in; this script is kept so that it can be regenerated:

    /usr/bin/python3 tests/data/make_pytorch_fixtures.py [--check]

Needs torch (written against Debian's python3-torch 1.13) and numpy. Deterministic:
fixed seeds, no timestamps (torch's zip writer stores DOS date 0), and the legacy
format's storage keys (str(storage._cdata), i.e. heap addresses) are rewritten to
fixed pointer-like numbers that sort in the same order. Another torch version may
initialise modules differently or write a different container; expected.json is
always computed from the tensors actually saved.

--check afterwards: (1) re-reads every good file with an independent restricted
unpickler (the allow-list the C++ reader uses; numpy rebuilds each tensor from the
raw storage bytes, storage offset, shape and stride) and compares it bit for bit
with expected.json; (2) torch.load(weights_only=True) on every good file (torch
1.13's weights_only unpickler has no BINFLOAT, so files with a float leaf are
checked by (1) only); (3) torch.load(weights_only=True) on every corrupt file,
which must not return successfully except where the README says torch accepts it.
No file is ever loaded with weights_only=False, and the malicious pickles are only
ever written, never unpickled by anything but refusing unpicklers.

Pickle bytes for the broken files are written by hand (malicious ones) or by
Python's pickler with stand-in objects that reduce to the same globals and
persistent ids torch emits (so only the invalid field differs from a real
checkpoint). Zip containers come from torch's own writer (torch._C.PyTorchFileWriter:
STORED entries, data aligned to 64 bytes with "FB" padding extras, data
descriptors, zip64 end records, top-level folder = file stem), patched afterwards
where the container itself is the broken part.
"""

import collections
import io
import json
import math
import os
import pickle
import pickletools
import struct
import sys
import zipfile
import zlib

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
GOOD_DIR = os.path.join(HERE, "pytorch")
CORRUPT_DIR = os.path.join(HERE, "corrupt", "pytorch")
SVTR_NPZ = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared", "models",
                                         "ppocrv4_rec_svtr_neck.npz"))

OrderedDict = collections.OrderedDict

# Storage class name (as pickled: GLOBAL 'torch <name>') -> dtype name, element size,
# numpy dtype of the raw little-endian bytes (bfloat16 is read as uint16 bits).
STORAGE_TYPES = {
    "FloatStorage": ("float32", 4, "<f4"),
    "DoubleStorage": ("float64", 8, "<f8"),
    "HalfStorage": ("float16", 2, "<f2"),
    "BFloat16Storage": ("bfloat16", 2, "<u2"),
    "CharStorage": ("int8", 1, "i1"),
    "ShortStorage": ("int16", 2, "<i2"),
    "IntStorage": ("int32", 4, "<i4"),
    "LongStorage": ("int64", 8, "<i8"),
    "ByteStorage": ("uint8", 1, "u1"),
    "BoolStorage": ("bool", 1, "u1"),
}
TORCH_DTYPE_NAMES = {
    torch.float32: "float32", torch.float64: "float64", torch.float16: "float16",
    torch.bfloat16: "bfloat16", torch.int8: "int8", torch.int16: "int16",
    torch.int32: "int32", torch.int64: "int64", torch.uint8: "uint8", torch.bool: "bool",
}
SMALL = 64  # tensors with at most this many elements list every value


# ---------------------------------------------------------------------------
# Good checkpoints

class SmallNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(8, 4, bias=True)
        self.conv = torch.nn.Conv2d(2, 3, 3)
        self.bn = torch.nn.BatchNorm2d(3)
        self.ln = torch.nn.LayerNorm(4)


def simple_state_dict():
    torch.manual_seed(1234)
    net = SmallNet()
    g = torch.Generator().manual_seed(99)
    with torch.no_grad():
        # Non-trivial BatchNorm / LayerNorm values (they initialise to 0 / 1).
        net.bn.weight.copy_(1.0 + 0.1 * torch.randn(3, generator=g))
        net.bn.bias.copy_(0.05 * torch.randn(3, generator=g))
        net.bn.running_mean.copy_(0.2 * torch.randn(3, generator=g))
        net.bn.running_var.copy_(1.0 + torch.rand(3, generator=g))
        net.bn.num_batches_tracked.fill_(7)
        net.ln.weight.copy_(1.0 + 0.1 * torch.randn(4, generator=g))
        net.ln.bias.copy_(0.05 * torch.randn(4, generator=g))
    return net.state_dict()  # OrderedDict with a _metadata attribute (pickled via BUILD)


def dtypes_dict():
    g = torch.Generator().manual_seed(7)
    d = OrderedDict()
    d["float32"] = torch.tensor([[-1.5, 0.0, 1.0], [3.25, 1.0e30, -2.0e-38]], dtype=torch.float32)
    d["float16"] = torch.tensor([[-1.5, -0.0, 1.0], [65504.0, 2.0 ** -24, -2.0]], dtype=torch.float16)
    d["bfloat16"] = torch.tensor([[-1.5, -0.0, 3.140625], [3.0e38, 2.0 ** -126, -2.0]],
                                 dtype=torch.bfloat16)
    d["float64"] = torch.tensor([[-1.5, 0.0, 0.1], [math.pi, 1.0e300, -2.0 ** -1074]],
                                dtype=torch.float64)
    d["int8"] = torch.tensor([[-128, -1, 0], [1, 18, 127]], dtype=torch.int8)
    d["int16"] = torch.tensor([[-32768, -1, 0], [1, 0x0102, 32767]], dtype=torch.int16)
    d["int32"] = torch.tensor([[-(2 ** 31), -1, 0], [1, 0x01020304, 2 ** 31 - 1]], dtype=torch.int32)
    d["int64"] = torch.tensor([[-(2 ** 63), -1, 0], [1, 0x0102030405060708, 2 ** 63 - 1]],
                              dtype=torch.int64)
    d["uint8"] = torch.tensor([[0, 1, 2], [18, 254, 255]], dtype=torch.uint8)
    d["bool"] = torch.tensor([[True, False, False], [True, True, False]], dtype=torch.bool)
    # Larger ones (sum + first 8 in expected.json).
    d["float16_large"] = (torch.randn(9, 10, generator=g) * 4).to(torch.float16)
    d["bfloat16_large"] = (torch.randn(9, 10, generator=g) * 4).to(torch.bfloat16)
    return d


def views_dict():
    t = (torch.arange(72, dtype=torch.float32) - 20.0) * 0.375
    t = t.reshape(6, 12)
    d = OrderedDict()
    d["a"] = t                      # the whole storage, contiguous
    d["b"] = t[1:]                  # storage offset 12
    d["c"] = t.t()                  # [12, 6], stride [1, 12]
    d["d"] = t[:, ::2]              # [6, 6], stride [12, 2]
    d["e"] = t.view(-1)[3:7]        # [4], storage offset 3
    d["scalar"] = torch.tensor(2.5)  # 0-d, its own storage
    d["empty"] = torch.zeros(0, 4)   # 0 elements, 0-byte storage
    return d


def nested_params_dict():
    torch.manual_seed(4321)
    seq = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
    sd1 = seq.state_dict()
    sd2 = OrderedDict((k, v * 0.5 + 0.125) for k, v in sd1.items())
    return {"params": sd1, "params_ema": sd2}


def nested_state_dict_dict():
    g = torch.Generator().manual_seed(11)
    inner = {
        "embed.weight": torch.nn.Parameter(torch.randn(5, 3, generator=g)),
        "head.weight": torch.randn(2, 3, generator=g),
        "head.bias": torch.zeros(2),
        "head.scale": torch.nn.Parameter(torch.full((2,), 0.75), requires_grad=False),
    }
    return {"state_dict": inner}


def nested_model_dict():
    g = torch.Generator().manual_seed(12)
    model = OrderedDict()
    model["fc.weight"] = torch.nn.Parameter(torch.randn(3, 4, generator=g))
    model["fc.bias"] = torch.randn(3, generator=g)
    return {"model": model, "epoch": 3, "optimizer_name": "adam", "lr": 0.1}


def svtr_dict():
    arrays = np.load(SVTR_NPZ, allow_pickle=False)
    d = OrderedDict()
    for name in arrays.files:
        a = np.ascontiguousarray(arrays[name])
        assert a.dtype == np.float32, name
        d[name] = torch.from_numpy(a.copy())
    return d


# ---------------------------------------------------------------------------
# expected.json

def flatten(obj, prefix=""):
    """(dotted name, leaf) pairs in insertion order."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from flatten(v, prefix + str(k) + ".")
    else:
        yield prefix[:-1], obj


def py_values(t):
    """Row-major logical values as Python numbers (exact for every dtype here)."""
    if t.dtype == torch.bool:
        return [int(v) for v in t.reshape(-1).tolist()]
    if t.dtype in (torch.float16, torch.bfloat16):
        t = t.to(torch.float32)  # exact
    return t.reshape(-1).tolist()


def describe_tensor(name, t):
    entry = OrderedDict()
    entry["name"] = name
    entry["dtype"] = TORCH_DTYPE_NAMES[t.dtype]
    entry["shape"] = list(t.shape)
    entry["numel"] = t.numel()
    entry["stride"] = list(t.stride())
    entry["storage_offset"] = t.storage_offset()
    if isinstance(t, torch.nn.Parameter):
        entry["parameter"] = True
        entry["requires_grad"] = t.requires_grad
    values = py_values(t.detach())
    if len(values) <= SMALL:
        entry["values"] = values
    else:
        entry["sum"] = math.fsum(float(v) for v in values)
        entry["first8"] = values[:8]
    return entry


def describe(obj, fmt, prefix):
    tensors, non_tensors = [], OrderedDict()
    for name, leaf in flatten(obj):
        if isinstance(leaf, torch.Tensor):
            tensors.append(describe_tensor(name, leaf))
        else:
            non_tensors[name] = leaf
    out = OrderedDict()
    out["format"] = fmt
    if prefix is not None:
        out["archive_prefix"] = prefix
    out["tensors"] = tensors
    out["non_tensors"] = non_tensors
    return out


# ---------------------------------------------------------------------------
# Legacy (pre-1.6) format with deterministic storage keys

def _pickle_end(data, start):
    f = io.BytesIO(data)
    f.seek(start)
    for _ in pickletools.genops(f):
        pass
    return f.tell()


class _RefusingUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        raise pickle.UnpicklingError(f"global {module}.{name} refused")

    def persistent_load(self, pid):
        raise pickle.UnpicklingError("persistent id refused")


def legacy_bytes(obj):
    """torch.save(..., _use_new_zipfile_serialization=False) with fixed storage keys.

    torch names each storage str(storage._cdata) (a heap address) and writes the
    storages in string order of those names, so both names and order vary from run to
    run. Here storage number r in order of first appearance in the main pickle is
    renamed str(0x555555550000 + 0x100 * r) (14 digits, so string order = r), the key
    list is re-pickled as torch pickles it and the raw storages are put in that order."""
    buf = io.BytesIO()
    torch.save(obj, buf, _use_new_zipfile_serialization=False)
    data = buf.getvalue()
    ends = []
    pos = 0
    for _ in range(5):  # magic, protocol version, sys_info, main object, storage keys
        pos = _pickle_end(data, pos)
        ends.append(pos)
    blobs = {key: data[at:at + 8 + n] for key, at, n in read_legacy_layout(data)}
    main_start = ends[2]

    def op(key):
        return b"X" + struct.pack("<I", len(key)) + key.encode()

    firsts = sorted(blobs, key=lambda k: data.index(op(k), main_start, ends[3]))
    renamed = {old: str(0x555555550000 + 0x100 * r) for r, old in enumerate(firsts)}
    head = data[:ends[3]]
    for old, new in renamed.items():
        assert head.count(op(old)) >= 1, old
        head = head.replace(op(old), op(new))
    new_keys = sorted(renamed.values())
    assert [renamed[k] for k in firsts] == new_keys
    keys_pickle = pickle.dumps(new_keys, protocol=2)
    return head + keys_pickle + b"".join(blobs[k] for k in firsts)


# ---------------------------------------------------------------------------
# Zip helpers

def central_directory(data):
    """[(offset of the central directory entry, name, dict of fields)]."""
    eocd = data.rfind(b"PK\x05\x06")
    assert eocd >= 0
    count, size, offset = struct.unpack_from("<HII", data, eocd + 10)
    entries = []
    pos = offset
    for _ in range(count):
        (sig, _vm, _vn, flags, method, _t, _d, crc, csize, usize, nlen, xlen, clen,
         _disk, _ia, _ea, local) = struct.unpack_from("<IHHHHHHIIIHHHHHII", data, pos)
        assert sig == 0x02014B50
        name = data[pos + 46:pos + 46 + nlen].decode()
        entries.append((pos, name, dict(flags=flags, method=method, crc=crc, csize=csize,
                                        usize=usize, local=local)))
        pos += 46 + nlen + xlen + clen
    return entries


def local_data_range(data, local):
    sig, = struct.unpack_from("<I", data, local)
    assert sig == 0x04034B50
    nlen, xlen = struct.unpack_from("<HH", data, local + 26)
    return local + 30 + nlen + xlen


def cd_entry(data, suffix):
    for pos, name, fields in central_directory(data):
        if name.endswith(suffix):
            return pos, name, fields
    raise KeyError(suffix)


def patch_cd(data, suffix, crc=None, csize=None, usize=None, local=None):
    data = bytearray(data)
    pos, _, _ = cd_entry(data, suffix)
    if crc is not None:
        struct.pack_into("<I", data, pos + 16, crc)
    if csize is not None:
        struct.pack_into("<I", data, pos + 20, csize)
    if usize is not None:
        struct.pack_into("<I", data, pos + 24, usize)
    if local is not None:
        struct.pack_into("<I", data, pos + 42, local)
    return bytes(data)


def torch_zip(path, records):
    """A checkpoint container exactly as torch writes it, with arbitrary records.
    Returns its bytes (the file is written too)."""
    writer = torch._C.PyTorchFileWriter(path)
    for name, payload in records:
        writer.write_record(name, payload, len(payload))
    writer.write_end_of_file()
    del writer
    with open(path, "rb") as f:
        return f.read()


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


# ---------------------------------------------------------------------------
# Hand-made pickles

class FakeStorage:
    def __init__(self, storage_type, key, numel):
        self.storage_type, self.key, self.numel = storage_type, key, numel


class FakeTensor:
    """Reduces exactly like a torch tensor does in torch.save (1.13):
    _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, hooks)."""

    def __init__(self, storage, offset, shape, stride):
        self.args = (storage, offset, tuple(shape), tuple(stride), False, OrderedDict())

    def __reduce__(self):
        return (torch._utils._rebuild_tensor_v2, self.args)


class _FakePickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, FakeStorage):
            return ("storage", getattr(torch, obj.storage_type), obj.key, "cpu", obj.numel)
        return None


def fake_pickle(obj):
    buf = io.BytesIO()
    _FakePickler(buf, protocol=2).dump(obj)
    return buf.getvalue()


def f32_bytes(values):
    return np.asarray(values, dtype="<f4").tobytes()


# Opcodes for the handwritten pickles.
def op_unicode(s):
    b = s.encode()
    return b"X" + struct.pack("<I", len(b)) + b


def op_short_unicode(s):
    b = s.encode()
    return b"\x8c" + bytes([len(b)]) + b


PROTO2 = b"\x80\x02"
NEVER_RUN = "echo quantscope-fixture-must-never-run"


# What torch 1.13's torch.load(weights_only=True) does with each broken file (the
# innermost error), for the README; --check verifies accept/refuse.
TORCH_113_OUTCOME = {
    "calls_os_system.pt": "refuses: Unsupported class os.system",
    "calls_builtins_eval.pt": "refuses: Unsupported class builtins.eval",
    "exec_via_stack_global.pt": "refuses: Unsupported operand 149 (FRAME)",
    "deep_nesting.pt": "accepts",
    "memo_cycle.pt": "accepts",
    "memo_fanout.pt": "accepts",
    "huge_storage.pt": "refuses: Trying to resize storage that is not resizable",
    "out_of_range_view.pt": "refuses: Trying to resize storage that is not resizable",
    "missing_storage.pt": "refuses: failed locating file data/99",
    "lying_zip_sizes.pt": "refuses: invalid header or archive is corrupted",
    "overlapping_entries.pt": "accepts",
    "entry_outside.pt": "refuses: invalid header or archive is corrupted",
    "truncated_zip.pt": "refuses: failed finding central directory",
    "truncated_legacy.pt": "refuses: unexpected EOF",
    "bad_opcode.pt": "refuses: Unsupported operand 255",
    "negative_shape.pt": "refuses: numel: integer multiplication overflow",
    "shape_overflow.pt": "refuses: numel: integer multiplication overflow",
}


def make_corrupt(readme):
    d = CORRUPT_DIR

    def p(name):
        return os.path.join(d, name)

    sixteen = f32_bytes(np.arange(16) * 0.5 - 4.0)

    # 1. GLOBAL os.system + REDUCE inside a state-dict-looking dict.
    pkl = (PROTO2 + b"}" + op_unicode("weight")
           + b"cos\nsystem\n" + op_unicode(NEVER_RUN) + b"\x85" + b"R" + b"s" + b".")
    torch_zip(p("calls_os_system.pt"), [("data.pkl", pkl)])
    readme.append(("calls_os_system.pt", "disallowed global",
                   "data.pkl: `GLOBAL 'os system'`, a string, TUPLE1, REDUCE (value of key "
                   "'weight'). Refuse at the GLOBAL, before any REDUCE."))

    # 2. GLOBAL builtins.eval + REDUCE.
    pkl = (PROTO2 + b"}" + op_unicode("weight")
           + b"cbuiltins\neval\n" + op_unicode("print('quantscope fixture: must never run')")
           + b"\x85" + b"R" + b"s" + b".")
    torch_zip(p("calls_builtins_eval.pt"), [("data.pkl", pkl)])
    readme.append(("calls_builtins_eval.pt", "disallowed global",
                   "`GLOBAL 'builtins eval'` + REDUCE, as above."))

    # 3. STACK_GLOBAL posix.system (protocol 4 with FRAME and MEMOIZE, as pickle writes it).
    body = (op_short_unicode("posix") + b"\x94" + op_short_unicode("system") + b"\x94"
            + b"\x93" + b"\x94" + op_short_unicode(NEVER_RUN) + b"\x94" + b"\x85" + b"\x94"
            + b"R" + b"\x94" + b".")
    pkl = b"\x80\x04" + b"\x95" + struct.pack("<Q", len(body)) + body
    torch_zip(p("exec_via_stack_global.pt"), [("data.pkl", pkl)])
    readme.append(("exec_via_stack_global.pt", "disallowed global",
                   "protocol 4: FRAME, SHORT_BINUNICODE 'posix' / 'system', STACK_GLOBAL, "
                   "TUPLE1, REDUCE. Refuse at the STACK_GLOBAL."))

    # 4. 100000 nested lists.
    n = 100000
    pkl = PROTO2 + b"]" * n + b"a" * (n - 1) + b"."
    torch_zip(p("deep_nesting.pt"), [("data.pkl", pkl)])
    readme.append(("deep_nesting.pt", "nesting / stack depth limit",
                   f"{n} x EMPTY_LIST then {n - 1} x APPEND: a list nested {n} deep (stack "
                   f"depth {n} on the way). Must fail cleanly, no stack overflow "
                   "(also not when the partial result is destroyed)."))

    # 5. A list that contains itself.
    pkl = (PROTO2 + b"}" + op_unicode("loop") + b"]" + b"q\x01" + b"h\x01" + b"a" + b"s" + b".")
    torch_zip(p("memo_cycle.pt"), [("data.pkl", pkl)])
    readme.append(("memo_cycle.pt", "cycle (container inserted into itself)",
                   "{'loop': L} where L = EMPTY_LIST, BINPUT 1, BINGET 1, APPEND: L contains "
                   "itself. Refuse (or at least terminate without leaking/recursing forever); "
                   "torch accepts it (Python allows self-referencing lists)."))

    # 6. (extra) Exponential fan-out through the memo: 40 levels, each dict holds the
    #    previous one twice; flattening it naively yields 2**40 tensor names.
    w = FakeTensor(FakeStorage("FloatStorage", "0", 16), 0, (16,), (1,))
    level = {"w": w}
    for _ in range(40):
        level = {"a": level, "b": level}
    torch_zip(p("memo_fanout.pt"), [("data.pkl", fake_pickle(level)), ("data/0", sixteen)])
    readme.append(("memo_fanout.pt", "shared container / entry-count limit",
                   "40 nested dicts {'a': D, 'b': D} reusing the previous level via BINGET; "
                   "one real tensor, but 2**40 dotted names (a.a.b...w) if flattened "
                   "naively. Refuse a container reached twice or cap the entry count. "
                   "torch accepts it (shared references)."))

    # 7. Shape far larger than the storage (64 bytes).
    t = FakeTensor(FakeStorage("FloatStorage", "0", 16), 0, (65536, 65536), (65536, 1))
    torch_zip(p("huge_storage.pt"), [("data.pkl", fake_pickle(OrderedDict(weight=t))),
                                     ("data/0", sixteen)])
    readme.append(("huge_storage.pt", "tensor larger than its storage",
                   "_rebuild_tensor_v2 with shape (65536, 65536) (16 GiB of float32) on "
                   "storage data/0 of 16 floats (pid numel 16, entry 64 bytes)."))

    # 8. View reaching one element past the storage: offset 6 + 1*8 + 2*1 = 16.
    t = FakeTensor(FakeStorage("FloatStorage", "0", 16), 6, (2, 3), (8, 1))
    torch_zip(p("out_of_range_view.pt"), [("data.pkl", fake_pickle(OrderedDict(weight=t))),
                                          ("data/0", sixteen)])
    readme.append(("out_of_range_view.pt", "view outside storage",
                   "shape (2, 3), stride (8, 1), storage offset 6 on 16 floats: numel 6 fits, "
                   "but the last element is index 16 (one past the end)."))

    # 9. Persistent id naming a record that does not exist.
    good = FakeTensor(FakeStorage("FloatStorage", "0", 16), 0, (16,), (1,))
    bad = FakeTensor(FakeStorage("FloatStorage", "99", 4), 0, (4,), (1,))
    torch_zip(p("missing_storage.pt"),
              [("data.pkl", fake_pickle(OrderedDict(good=good, missing=bad))), ("data/0", sixteen)])
    readme.append(("missing_storage.pt", "missing storage record",
                   "tensor 'missing' has persistent id ('storage', FloatStorage, '99', 'cpu', 4); "
                   "there is no missing_storage/data/99 (data/0 is fine)."))

    # Two-tensor checkpoint used as the base of the container-level corruptions.
    def two_tensor_records():
        a = FakeTensor(FakeStorage("FloatStorage", "0", 16), 0, (4, 4), (4, 1))
        b = FakeTensor(FakeStorage("FloatStorage", "1", 8), 0, (8,), (1,))
        return [("data.pkl", fake_pickle(OrderedDict(a=a, b=b))), ("data/0", sixteen),
                ("data/1", f32_bytes(np.arange(8) * 0.25))]

    # 10. Central directory size of data/0 larger than the archive.
    data = torch_zip(p("lying_zip_sizes.pt"), two_tensor_records())
    data = patch_cd(data, "/data/0", csize=0x40000000, usize=0x40000000)
    write(p("lying_zip_sizes.pt"), data)
    readme.append(("lying_zip_sizes.pt", "zip entry extends past end of file",
                   f"central directory says data/0 is 0x40000000 bytes (archive: {len(data)} "
                   "bytes); CRC unchanged. The local header has sizes 0 (flag bit 3, as torch "
                   "writes), so only the central directory gives sizes."))

    # 11. data/0 made to span data/1's local header and data (CRC recomputed).
    data = torch_zip(p("overlapping_entries.pt"), two_tensor_records())
    _, _, f0 = cd_entry(data, "/data/0")
    _, _, f1 = cd_entry(data, "/data/1")
    start0 = local_data_range(data, f0["local"])
    end1 = local_data_range(data, f1["local"]) + f1["csize"]
    size = end1 - start0
    data = patch_cd(data, "/data/0", crc=zlib.crc32(data[start0:end1]), csize=size, usize=size)
    write(p("overlapping_entries.pt"), data)
    readme.append(("overlapping_entries.pt", "overlapping zip entries",
                   f"data/0's central directory size is stretched to {size} bytes so that its "
                   "data covers data/1's local header and data (CRC-32 recomputed, so only an "
                   "overlap check catches it)."))

    # 12. Local header offset of data/0 beyond the end of the file.
    data = torch_zip(p("entry_outside.pt"), two_tensor_records())
    data = patch_cd(data, "/data/0", local=0x00F00000)
    write(p("entry_outside.pt"), data)
    readme.append(("entry_outside.pt", "zip entry outside the file",
                   f"central directory puts data/0's local header at 0x00F00000 (archive: "
                   f"{len(data)} bytes)."))

    # 13. A real torch.save (simple state dict) cut in half.
    torch.save(simple_state_dict(), p("truncated_zip.pt"))
    with open(p("truncated_zip.pt"), "rb") as f:
        data = f.read()
    write(p("truncated_zip.pt"), data[:len(data) // 2])
    readme.append(("truncated_zip.pt", "truncated / not a zip (no end of central directory)",
                   f"torch.save of the simple_zip state dict ({len(data)} bytes), first "
                   f"{len(data) // 2} bytes kept."))

    # 14. Legacy file cut in the middle of its last storage.
    data = legacy_bytes(simple_state_dict())
    layout = read_legacy_layout(data)
    key, start, nbytes = layout[-1]
    cut = start + 8 + nbytes // 2
    write(p("truncated_legacy.pt"), data[:cut])
    readme.append(("truncated_legacy.pt", "truncated storage data",
                   f"legacy save of the simple state dict ({len(data)} bytes) cut at {cut}: "
                   f"inside the raw data of the last storage (key {key}, {nbytes} bytes after "
                   "its int64 count)."))

    # 15. Unknown opcode.
    torch_zip(p("bad_opcode.pt"), [("data.pkl", PROTO2 + b"}" + b"\xff" + b".")])
    readme.append(("bad_opcode.pt", "unknown opcode",
                   "data.pkl: PROTO 2, EMPTY_DICT, byte 0xff, STOP."))

    # 16. Negative dimensions whose product equals the storage numel.
    t = FakeTensor(FakeStorage("FloatStorage", "0", 16), 0, (-2, -8), (8, 1))
    torch_zip(p("negative_shape.pt"), [("data.pkl", fake_pickle(OrderedDict(weight=t))),
                                       ("data/0", sixteen)])
    readme.append(("negative_shape.pt", "negative dimension",
                   "shape (-2, -8) (BININT 0xfffffffe / 0xfffffff8), stride (8, 1): the "
                   "product is +16 = the storage numel, so only a per-dimension check catches it."))

    # 17. (extra) numel overflow: 2**32 * 2**32 = 2**64 wraps to 0 in 64-bit arithmetic.
    t = FakeTensor(FakeStorage("FloatStorage", "0", 16), 0, (2 ** 32, 2 ** 32), (2 ** 32, 1))
    torch_zip(p("shape_overflow.pt"), [("data.pkl", fake_pickle(OrderedDict(weight=t))),
                                       ("data/0", sixteen)])
    readme.append(("shape_overflow.pt", "shape product overflow",
                   "shape (2**32, 2**32) as LONG1 ints: numel 2**64 wraps to 0 in uint64, "
                   "so a reader that multiplies unchecked sees a 0-byte tensor."))


def read_legacy_layout(data):
    """[(key, offset of the int64 count, byte length of the data)] for a legacy file
    (our own, just written). Storage types are read from the persistent ids."""
    types = {}

    class Recorder(pickle.Unpickler):
        def find_class(self, module, name):
            if module == "torch" and name in STORAGE_TYPES:
                return name
            if (module, name) == ("collections", "OrderedDict"):
                return OrderedDict
            if (module, name) in (("torch._utils", "_rebuild_tensor_v2"),
                                  ("torch._utils", "_rebuild_parameter")):
                return lambda *args: None
            raise pickle.UnpicklingError(f"global {module}.{name} refused")

        def persistent_load(self, pid):
            types[pid[2]] = pid[1]
            return None

    f = io.BytesIO(data)
    for _ in range(4):  # magic, protocol version, sys_info, main object
        Recorder(f).load()
    keys = _RefusingUnpickler(f).load()
    pos = f.tell()
    out = []
    for key in keys:
        count, = struct.unpack_from("<q", data, pos)
        nbytes = count * STORAGE_TYPES[types[key]][1]
        out.append((key, pos, nbytes))
        pos += 8 + nbytes
    assert pos == len(data), (pos, len(data))
    return out


# ---------------------------------------------------------------------------

def main():
    os.makedirs(GOOD_DIR, exist_ok=True)
    os.makedirs(CORRUPT_DIR, exist_ok=True)

    expected = OrderedDict()
    expected["_about"] = (
        "Written by tests/data/make_pytorch_fixtures.py. Per file: tensors in pickle "
        "order with dotted names (nested dict keys joined by '.'), dtype, shape, numel, "
        "stride and storage_offset (in elements, as saved), 'parameter'/'requires_grad' "
        "for nn.Parameter. <= 64 elements: 'values' (row-major logical order; bool as "
        "0/1; float16/bfloat16 converted to float exactly; floats are shortest "
        "round-trip reprs of the exact double). More: 'sum' (math.fsum of the values as "
        "float64, i.e. the correctly rounded exact sum) and 'first8'. 'non_tensors': other "
        "leaves by dotted name. 'archive_prefix': the zip's top-level folder.")
    files = OrderedDict()

    def save_zip(name, obj):
        path = os.path.join(GOOD_DIR, name)
        torch.save(obj, path)
        files[name] = describe(obj, "zip", os.path.splitext(name)[0])

    def save_legacy(name, obj):
        write(os.path.join(GOOD_DIR, name), legacy_bytes(obj))
        files[name] = describe(obj, "legacy", None)

    save_zip("simple_zip.pt", simple_state_dict())
    save_zip("dtypes_zip.pt", dtypes_dict())
    save_zip("views_zip.pt", views_dict())
    save_zip("nested_params.pt", nested_params_dict())
    save_zip("nested_state_dict.pt", nested_state_dict_dict())
    save_zip("nested_model.pt", nested_model_dict())
    save_legacy("legacy.pt", simple_state_dict())
    save_legacy("legacy_views.pt", views_dict())
    save_zip("svtr_neck.pt", svtr_dict())
    expected["files"] = files
    with open(os.path.join(GOOD_DIR, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")

    readme = []
    make_corrupt(readme)
    write_readme(readme)

    if "--check" in sys.argv[1:]:
        check(expected)


def write_readme(rows):
    lines = [
        "# Broken and malicious PyTorch checkpoints",
        "",
        "Written by `tests/data/make_pytorch_fixtures.py` (do not edit by hand). Every file",
        "must be refused by the checkpoint reader with the error kind given here, without",
        "executing anything, crashing, hanging or allocating more than the file justifies.",
        "Zip containers are torch's own (stored entries, 64-byte aligned data, data",
        "descriptors, zip64 end records, top-level folder = file stem, e.g.",
        "`calls_os_system/data.pkl`); only the named part is broken.",
        "",
        "| file | expected error kind | what is in it | torch 1.13 `weights_only=True` |",
        "|---|---|---|---|",
    ]
    for name, kind, what in rows:
        lines.append(f"| `{name}` | {kind} | {what} | {TORCH_113_OUTCOME[name]} |")
    lines += [
        "",
        "`memo_fanout.pt` and `shape_overflow.pt` go beyond the original list: both are",
        "cheap ways to make a naive reader hang or under-allocate.",
        "",
        "The last column is what torch 1.13's `torch.load(weights_only=True)` does (checked",
        "by `--check`): it accepts the self-referencing, shared and deeply nested object",
        "graphs (valid Python) and does not notice overlapping zip entries; the reader",
        "here must be stricter.",
        "",
    ]
    with open(os.path.join(CORRUPT_DIR, "README.md"), "w") as f:
        f.write("\n".join(lines))


# ---------------------------------------------------------------------------
# --check

class TensorRef:
    def __init__(self, storage, offset, shape, stride, parameter=False, requires_grad=False):
        self.storage, self.offset, self.shape, self.stride = storage, offset, shape, stride
        self.parameter, self.requires_grad = parameter, requires_grad


class RestrictedUnpickler(pickle.Unpickler):
    """The allow-list the C++ reader implements; anything else is refused."""

    def find_class(self, module, name):
        full = f"{module}.{name}"
        if full == "collections.OrderedDict":
            return OrderedDict
        if module == "torch" and name in STORAGE_TYPES:
            return ("storage_type", name)
        if full == "torch._utils._rebuild_tensor_v2":
            def rebuild(storage, offset, shape, stride, requires_grad, hooks, *rest):
                assert isinstance(hooks, OrderedDict) and not hooks and not rest
                return TensorRef(storage, offset, tuple(shape), tuple(stride))
            return rebuild
        if full == "torch._utils._rebuild_parameter":
            def rebuild_parameter(data, requires_grad, hooks):
                assert isinstance(data, TensorRef) and not hooks
                data.parameter, data.requires_grad = True, requires_grad
                return data
            return rebuild_parameter
        raise pickle.UnpicklingError(f"global {full} refused")

    def persistent_load(self, pid):
        assert isinstance(pid, tuple) and pid[0] == "storage" and len(pid) in (5, 6), pid
        assert pid[1][0] == "storage_type" and pid[3] == "cpu", pid
        if len(pid) == 6:
            assert pid[5] is None
        return (pid[1][1], pid[2], pid[4])  # storage type, key, numel


def tensor_values(ref, raw):
    type_name, _key, numel = ref.storage
    dtype_name, size, np_dtype = STORAGE_TYPES[type_name]
    assert len(raw) == numel * size, (len(raw), numel, size)
    base = np.frombuffer(raw, dtype=np_dtype)
    if ref.shape:
        extent = ref.offset + sum((n - 1) * s for n, s in zip(ref.shape, ref.stride)) + 1
        assert 0 <= ref.offset and (min(ref.shape) == 0 or extent <= numel)
    arr = np.lib.stride_tricks.as_strided(
        base[ref.offset:], shape=ref.shape, strides=[s * size for s in ref.stride])
    flat = np.array(arr).reshape(-1)
    if dtype_name == "bfloat16":
        flat = (flat.astype(np.uint32) << 16).view(np.float32)
    if dtype_name == "bool":
        return dtype_name, [int(v) for v in flat]
    return dtype_name, [float(v) if flat.dtype.kind == "f" else int(v) for v in flat]


def independent_read(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"PK":
        z = zipfile.ZipFile(io.BytesIO(data))
        names = z.namelist()
        prefix = names[0].split("/")[0]
        assert all(n.startswith(prefix + "/") for n in names)
        for info in z.infolist():
            assert info.compress_type == zipfile.ZIP_STORED
            start = local_data_range(data, info.header_offset)
            assert start % 64 == 0, (info.filename, start)
        obj = RestrictedUnpickler(io.BytesIO(z.read(prefix + "/data.pkl"))).load()
        fetch = lambda key: z.read(f"{prefix}/data/{key}")
    else:
        f = io.BytesIO(data)
        for _ in range(3):
            RestrictedUnpickler(f).load()
        obj = RestrictedUnpickler(f).load()
        storages = {key: data[pos + 8:pos + 8 + n] for key, pos, n in read_legacy_layout(data)}
        fetch = storages.__getitem__
        prefix = None
    return obj, fetch, prefix


def check(expected):
    failures = []
    for name, exp in expected["files"].items():
        path = os.path.join(GOOD_DIR, name)
        obj, fetch, prefix = independent_read(path)
        assert prefix == exp.get("archive_prefix"), (name, prefix)
        got_t, got_n = [], OrderedDict()
        for dotted, leaf in flatten(obj):
            if isinstance(leaf, TensorRef):
                dtype_name, values = tensor_values(leaf, fetch(leaf.storage[1]))
                got_t.append((dotted, dtype_name, list(leaf.shape), list(leaf.stride),
                              leaf.offset, leaf.parameter, values))
            else:
                got_n[dotted] = leaf
        assert len(got_t) == len(exp["tensors"]), name
        for g, e in zip(got_t, exp["tensors"]):
            dotted, dtype_name, shape, stride, offset, parameter, values = g
            assert (dotted, dtype_name, shape, stride, offset, parameter) == (
                e["name"], e["dtype"], e["shape"], e["stride"], e["storage_offset"],
                e.get("parameter", False)), (name, g[:6], e)
            if "values" in e:
                ok = json.dumps(values) == json.dumps(e["values"])
            else:
                ok = (json.dumps(values[:8]) == json.dumps(e["first8"])
                      and math.fsum(values) == e["sum"])
            assert ok, (name, dotted)
        assert dict(got_n) == dict(exp["non_tensors"]), (name, got_n)

        # torch's own restricted loader
        try:
            loaded = torch.load(path, weights_only=True)
        except Exception as err:  # noqa: BLE001
            # torch 1.13's weights_only unpickler lacks BINFLOAT; anything else is a failure.
            has_binfloat = any(op.name == "BINFLOAT" for op, _, _ in pickletools.genops(
                zipfile.ZipFile(path).read(prefix + "/data.pkl"))) if prefix else False
            print(f"  {name}: independent reader OK; torch weights_only refused "
                  f"({str(err).splitlines()[0][:60]}){' [BINFLOAT]' if has_binfloat else ''}")
            if not has_binfloat:
                failures.append(name)
            continue
        for (dotted, leaf), e in zip([x for x in flatten(loaded) if isinstance(x[1], torch.Tensor)],
                                     exp["tensors"]):
            assert dotted == e["name"]
            assert json.dumps(describe_tensor(dotted, leaf)) == json.dumps(e), (name, dotted)
        print(f"  {name}: OK (independent reader + torch weights_only)")
    if True:
        arrays = np.load(SVTR_NPZ, allow_pickle=False)
        loaded = torch.load(os.path.join(GOOD_DIR, "svtr_neck.pt"), weights_only=True)
        assert list(loaded) == list(arrays.files)
        for k in arrays.files:
            assert loaded[k].numpy().tobytes() == arrays[k].tobytes(), k
        print("  svtr_neck.pt: bytes identical to the npz")

    torch_accepts = {name for name, outcome in TORCH_113_OUTCOME.items() if outcome == "accepts"}
    for name in sorted(os.listdir(CORRUPT_DIR)):
        if not name.endswith(".pt"):
            continue
        try:
            torch.load(os.path.join(CORRUPT_DIR, name), weights_only=True)
            outcome = "accepts"
        except Exception as err:  # noqa: BLE001
            while err.__cause__ is not None or err.__context__ is not None:
                err = err.__cause__ or err.__context__
            outcome = f"refuses: {err}"
        print(f"  corrupt {name}: torch {outcome[:100]}")
        wanted = TORCH_113_OUTCOME[name]
        if (outcome == "accepts") != (name in torch_accepts) or (
                outcome != "accepts" and wanted.split(": ", 1)[1].split(" (")[0] not in outcome):
            failures.append(name)
    if failures:
        raise SystemExit(f"check failed: {failures}")


if __name__ == "__main__":
    main()
