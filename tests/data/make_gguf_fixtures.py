#!/usr/bin/python3
"""Generate small GGUF test fixtures for QuantScope's GGUF reader.

Needs only the Python standard library and numpy (run with /usr/bin/python3).
The GGUF container writer below is written from the format definition; it does
not use the `gguf` pip package.

Outputs (in tests/data/gguf/, next to this script's data dir):
  metadata_all_types.gguf  v3, one KV of every value type (+ arrays, nested array),
                           general.alignment = 64, two small F32 tensors
  quantized_blocks.gguf    v3, one tensor per quantized type (data = blocks/<TYPE>.blocks),
                           F16/BF16/F64/I8/I16/I32/I64 tensors with known values, and one
                           IQ2_XXS tensor (a type QuantScope does not decode)
  v2.gguf                  tiny version-2 file (v2 also uses u64 counts)
  expected.json            what a correct reader must report for each file

The quantized block fixtures in blocks/ are produced separately from ggml's reference
C code (see blocks/README.md); this script only packs them into a container.

Usage: /usr/bin/python3 tests/data/make_gguf_fixtures.py
"""

import json
import os
import struct

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.join(HERE, "gguf")
BLOCKS_DIR = os.path.join(OUT_DIR, "blocks")

GGUF_MAGIC = b"GGUF"
DEFAULT_ALIGNMENT = 32

# GGUF metadata value types
T_U8, T_I8, T_U16, T_I16, T_U32, T_I32, T_F32, T_BOOL, T_STRING, T_ARRAY, T_U64, T_I64, T_F64 = range(13)
VT_NAME = {T_U8: "u8", T_I8: "i8", T_U16: "u16", T_I16: "i16", T_U32: "u32", T_I32: "i32",
           T_F32: "f32", T_BOOL: "bool", T_STRING: "string", T_ARRAY: "array",
           T_U64: "u64", T_I64: "i64", T_F64: "f64"}
SCALAR_FMT = {T_U8: "<B", T_I8: "<b", T_U16: "<H", T_I16: "<h", T_U32: "<I", T_I32: "<i",
              T_F32: "<f", T_BOOL: "<?", T_U64: "<Q", T_I64: "<q", T_F64: "<d"}

# ggml tensor types: name -> (id, elements per block, bytes per block)
GGML_TYPES = {
    "F32": (0, 1, 4), "F16": (1, 1, 2),
    "Q4_0": (2, 32, 18), "Q4_1": (3, 32, 20), "Q5_0": (6, 32, 22), "Q5_1": (7, 32, 24),
    "Q8_0": (8, 32, 34), "Q8_1": (9, 32, 36),
    "Q2_K": (10, 256, 84), "Q3_K": (11, 256, 110), "Q4_K": (12, 256, 144), "Q5_K": (13, 256, 176),
    "Q6_K": (14, 256, 210), "Q8_K": (15, 256, 292),
    "IQ2_XXS": (16, 256, 66),
    "IQ4_NL": (20, 32, 18), "IQ4_XS": (23, 256, 136),
    "I8": (24, 1, 1), "I16": (25, 1, 2), "I32": (26, 1, 4), "I64": (27, 1, 8), "F64": (28, 1, 8),
    "BF16": (30, 1, 2), "MXFP4": (39, 32, 17),
}
QUANT_TYPES = ["Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q8_1", "Q2_K", "Q3_K", "Q4_K", "Q5_K",
               "Q6_K", "Q8_K", "IQ4_NL", "IQ4_XS", "MXFP4"]


# ----------------------------------------------------------------------------- encoding

def enc_string(s):
    b = s.encode("utf-8")
    return struct.pack("<Q", len(b)) + b


def enc_value(vtype, value):
    """Encode a metadata value body (without its leading u32 type)."""
    if vtype == T_STRING:
        return enc_string(value)
    if vtype == T_ARRAY:
        elem_type, items = value
        out = struct.pack("<IQ", elem_type, len(items))
        for it in items:
            out += enc_value(elem_type, it)
        return out
    return struct.pack(SCALAR_FMT[vtype], value)


class KV:
    def __init__(self, key, vtype, value):
        self.key, self.vtype, self.value = key, vtype, value

    def encode(self):
        return enc_string(self.key) + struct.pack("<I", self.vtype) + enc_value(self.vtype, self.value)

    def expected(self):
        return {"key": self.key, **describe_value(self.vtype, self.value)}


def describe_value(vtype, value):
    if vtype == T_ARRAY:
        elem_type, items = value
        return {"type": "array", "elem_type": VT_NAME[elem_type], "count": len(items),
                "value": [describe_value(elem_type, it) if elem_type == T_ARRAY else json_scalar(elem_type, it)
                          for it in items]}
    return {"type": VT_NAME[vtype], "value": json_scalar(vtype, value)}


def json_scalar(vtype, v):
    if vtype == T_F32:
        return float(np.float32(v))
    if vtype == T_BOOL:
        return bool(v)
    return v


class Tensor:
    def __init__(self, name, type_name, dims, data, values=None, extra=None):
        """dims are ggml ne[] order: innermost (contiguous) first."""
        self.name, self.type_name, self.dims, self.data = name, type_name, list(dims), bytes(data)
        self.values, self.extra = values, extra or {}
        type_id, blck, tsize = GGML_TYPES[type_name]
        n = 1
        for d in self.dims:
            n *= d
        assert self.dims[0] % blck == 0, (name, dims)
        assert len(self.data) == n // blck * tsize, (name, len(self.data), n // blck * tsize)
        self.n_elements = n
        self.offset = None


def align_up(n, a):
    return (n + a - 1) // a * a


def write_gguf(path, version, kvs, tensors, alignment=DEFAULT_ALIGNMENT):
    head = GGUF_MAGIC + struct.pack("<I", version) + struct.pack("<QQ", len(tensors), len(kvs))
    for kv in kvs:
        head += kv.encode()
    # assign tensor offsets (relative to the start of the data section)
    off = 0
    for t in tensors:
        off = align_up(off, alignment)
        t.offset = off
        off += len(t.data)
    for t in tensors:
        head += enc_string(t.name) + struct.pack("<I", len(t.dims))
        head += b"".join(struct.pack("<Q", d) for d in t.dims)
        head += struct.pack("<IQ", GGML_TYPES[t.type_name][0], t.offset)
    data_offset = align_up(len(head), alignment)
    blob = bytearray(head + b"\x00" * (data_offset - len(head)))
    for t in tensors:
        blob += b"\x00" * (data_offset + t.offset - len(blob))
        blob += t.data
    # pad the file end to the alignment as well (ggml's writer does this too)
    blob += b"\x00" * (align_up(len(blob), alignment) - len(blob))
    with open(path, "wb") as f:
        f.write(blob)
    return {
        "version": version,
        "tensor_count": len(tensors),
        "kv_count": len(kvs),
        "alignment": alignment,
        "data_offset": data_offset,
        "file_size": len(blob),
        "kv": [kv.expected() for kv in kvs],
        "tensors": [tensor_expected(t) for t in tensors],
    }


def tensor_expected(t):
    type_id, blck, tsize = GGML_TYPES[t.type_name]
    e = {
        "name": t.name,
        "shape": list(reversed(t.dims)),   # outermost first
        "dims": t.dims,                    # ggml ne[] order, innermost first (as stored in the file)
        "type": t.type_name,
        "type_id": type_id,
        "offset": t.offset,                # relative to the data section
        "n_elements": t.n_elements,
        "n_bytes": len(t.data),
        "block_elements": blck,
        "block_bytes": tsize,
    }
    if t.values is not None:
        e["values"] = t.values
    e.update(t.extra)
    return e


# ----------------------------------------------------------------------------- files

def make_metadata_all_types():
    kvs = [
        KV("general.architecture", T_STRING, "quantscope-test"),
        KV("general.alignment", T_U32, 64),
        KV("test.u8", T_U8, 200),
        KV("test.i8", T_I8, -100),
        KV("test.u16", T_U16, 65000),
        KV("test.i16", T_I16, -32000),
        KV("test.u32", T_U32, 4000000000),
        KV("test.i32", T_I32, -2000000000),
        KV("test.f32", T_F32, -1.25),
        KV("test.bool_true", T_BOOL, True),
        KV("test.bool_false", T_BOOL, False),
        KV("test.string", T_STRING, "hello gguf"),
        KV("test.string_empty", T_STRING, ""),
        KV("test.string_utf8", T_STRING, "h\u00e9llo \u2713 \u65e5\u672c"),
        KV("test.u64", T_U64, 18000000000000000000),
        KV("test.i64", T_I64, -9000000000000000000),
        KV("test.f64", T_F64, 2.718281828459045),
        KV("test.array_u8", T_ARRAY, (T_U8, [0, 1, 127, 128, 255])),
        KV("test.array_i32", T_ARRAY, (T_I32, [-2147483648, -1, 0, 1, 2147483647])),
        KV("test.array_f32", T_ARRAY, (T_F32, [0.0, 0.5, -2.25, 1024.0])),
        KV("test.array_string", T_ARRAY, (T_STRING, ["alpha", "", "gamma \u03b3"])),
        KV("test.array_bool", T_ARRAY, (T_BOOL, [True, False, True])),
        KV("test.array_empty_i32", T_ARRAY, (T_I32, [])),
        KV("test.array_nested_i32", T_ARRAY, (T_ARRAY, [(T_I32, [1, 2, 3]), (T_I32, []), (T_I32, [-4, 5])])),
    ]
    vec = np.array([0.0, -1.5, 3.25, 1024.0], dtype="<f4")
    mat = np.array([[r * 10 + c + 0.5 for c in range(5)] for r in range(3)], dtype="<f4")  # 3 rows x 5 cols
    tensors = [
        Tensor("vec4", "F32", [4], vec.tobytes(), values=[float(v) for v in vec]),
        Tensor("mat3x5", "F32", [5, 3], mat.tobytes(), values=[float(v) for v in mat.reshape(-1)],
               extra={"note": "row-major: values[r*5+c] = 10*r + c + 0.5, r<3, c<5"}),
    ]
    return write_gguf(os.path.join(OUT_DIR, "metadata_all_types.gguf"), 3, kvs, tensors, alignment=64)


def read_blocks(type_name):
    with open(os.path.join(BLOCKS_DIR, type_name + ".blocks"), "rb") as f:
        return f.read()


def make_quantized_blocks():
    kvs = [
        KV("general.architecture", T_STRING, "quantscope-test"),
        KV("general.name", T_STRING, "quantized block fixtures"),
    ]
    tensors = []
    for tn in QUANT_TYPES:
        _, blck, tsize = GGML_TYPES[tn]
        data = read_blocks(tn)
        n = len(data) // tsize * blck
        dims = [n] if blck == 32 else [256, n // 256]
        tensors.append(Tensor("quant." + tn.lower(), tn, dims, data,
                              extra={"blocks_file": "blocks/%s.blocks" % tn,
                                     "expected_f32_file": "blocks/%s.f32" % tn}))

    f16 = np.array([0.0, -0.0, 1.0, -2.5, 65504.0, 6.103515625e-05, 5.960464477539063e-08, 0.333251953125],
                   dtype="<f2")
    tensors.append(Tensor("plain.f16", "F16", [8], f16.tobytes(), values=[float(v) for v in f16.astype(np.float32)],
                          extra={"raw_u16": [int(v) for v in f16.view("<u2")]}))
    bf16_vals = np.array([1.0, -2.0, 3.140625, 0.0, -0.0, 1.0e-3, 3.3895313892515355e38, 65536.0], dtype="<f4")
    bf16_bits = (bf16_vals.view("<u4") >> 16).astype("<u2")  # all values chosen to be exact in bf16 except 1e-3
    bf16_back = (bf16_bits.astype("<u4") << 16).view("<f4")
    tensors.append(Tensor("plain.bf16", "BF16", [8], bf16_bits.tobytes(), values=[float(v) for v in bf16_back],
                          extra={"raw_u16": [int(v) for v in bf16_bits],
                                 "note": "bf16 = top 16 bits of the f32 pattern (truncation); values are the decoded bf16"}))
    f64 = np.array([0.1, -1e300, 2.5, 5e-324], dtype="<f8")
    tensors.append(Tensor("plain.f64", "F64", [4], f64.tobytes(), values=[float(v) for v in f64]))
    i8 = np.array([-128, -1, 0, 1, 127, 42], dtype="<i1")
    tensors.append(Tensor("plain.i8", "I8", [6], i8.tobytes(), values=[int(v) for v in i8]))
    i16 = np.array([[-32768, 0, 32767], [1234, -1, 7]], dtype="<i2")  # 2 rows x 3 cols
    tensors.append(Tensor("plain.i16", "I16", [3, 2], i16.tobytes(), values=[int(v) for v in i16.reshape(-1)]))
    i32 = np.array([-2147483648, 0, 2147483647, 42], dtype="<i4")
    tensors.append(Tensor("plain.i32", "I32", [4], i32.tobytes(), values=[int(v) for v in i32]))
    i64 = np.array([-9007199254740991, 0, 9007199254740991, 1 << 40], dtype="<i8")
    tensors.append(Tensor("plain.i64", "I64", [4], i64.tobytes(), values=[int(v) for v in i64]))

    # A type QuantScope does not decode: IQ2_XXS (id 16), 66 bytes per 256 elements, 2 blocks.
    iq2 = bytes((i * 37 + 11) & 0xFF for i in range(2 * 66))
    tensors.append(Tensor("unsupported.iq2_xxs", "IQ2_XXS", [512], iq2,
                          extra={"supported": False, "note": "data is an arbitrary byte pattern, only the size is meaningful"}))
    return write_gguf(os.path.join(OUT_DIR, "quantized_blocks.gguf"), 3, kvs, tensors)


def make_v2():
    kvs = [
        KV("general.architecture", T_STRING, "quantscope-test"),
        KV("test.u32", T_U32, 7),
    ]
    v = np.array([1.0, 2.0, -3.0, 0.25], dtype="<f4")
    tensors = [Tensor("v2.vec4", "F32", [4], v.tobytes(), values=[float(x) for x in v])]
    return write_gguf(os.path.join(OUT_DIR, "v2.gguf"), 2, kvs, tensors)


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    expected = {
        "generator": "tests/data/make_gguf_fixtures.py",
        "conventions": {
            "shape": "outermost dimension first (reverse of GGUF/ggml ne[] order)",
            "dims": "as stored in the file: ggml ne[] order, innermost (contiguous) first",
            "offset": "tensor data offset relative to the start of the data section",
            "data_offset": "absolute file offset of the data section (header + KVs + tensor infos, padded to alignment)",
            "float_values": "JSON doubles holding the exact stored value (f16/bf16/f32 decoded to double)",
        },
        "files": {
            "metadata_all_types.gguf": make_metadata_all_types(),
            "quantized_blocks.gguf": make_quantized_blocks(),
            "v2.gguf": make_v2(),
        },
    }
    with open(os.path.join(OUT_DIR, "expected.json"), "w", encoding="utf-8") as f:
        json.dump(expected, f, indent=1, ensure_ascii=False)
        f.write("\n")
    for name in ("metadata_all_types.gguf", "quantized_blocks.gguf", "v2.gguf", "expected.json"):
        print("%-26s %7d bytes" % (name, os.path.getsize(os.path.join(OUT_DIR, name))))


if __name__ == "__main__":
    main()
