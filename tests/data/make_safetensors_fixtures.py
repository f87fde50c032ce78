#!/usr/bin/python3
"""Writes the safetensors reader's test files.

Good fixtures go to tests/data/safetensors/, handcrafted broken files to
tests/data/corrupt/safetensors/. The output is checked in; this script is kept so
that it can be regenerated:

    /usr/bin/python3 tests/data/make_safetensors_fixtures.py

The format is written by hand (struct + json), not with the safetensors package,
so that every byte is under control: an 8-byte little-endian header length, a JSON
header, then the tensor data. Everything is deterministic (fixed values, sorted
keys) and every file is a few hundred bytes. safetensors_reader_test.cpp checks the
values written here; keep the two in step.
"""

import json
import math
import os
import struct

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
GOOD_DIR = os.path.join(HERE, "safetensors")
CORRUPT_DIR = os.path.join(HERE, "corrupt", "safetensors")

# The "values" tensor (shape 2x3) of every dtype_<DTYPE>.safetensors. Float values are
# exactly representable in their type (so the decoded floats are known exactly), and
# reach the extremes of each type: the largest finite value and the smallest subnormal.
# F64's 1e300 is beyond float range: decodeToFloat turns it into +Inf.
DTYPE_VALUES = {
    "F64": [-1.5, 0.0, 1.0, 3.25, 1.0e300, -2.0],
    "F32": [-1.5, 0.0, 1.0, 3.25, 3.4028234663852886e38, 2.0**-149],
    "F16": [-1.5, 0.0, 1.0, 3.25, 65504.0, 2.0**-24],
    "BF16": [-1.5, 0.0, 1.0, 3.140625, 3.3895313892515355e38, 2.0**-133],
    "F8_E4M3": [-1.5, 0.0, 1.0, 3.25, 448.0, 2.0**-9],
    "F8_E5M2": [-1.5, 0.0, 1.0, 3.5, 57344.0, 2.0**-16],
    "I64": [-(2**63), -1, 0, 1, 0x0102030405060708, 2**63 - 1],
    "I32": [-(2**31), -1, 0, 1, 0x01020304, 2**31 - 1],
    "I16": [-32768, -1, 0, 1, 0x0102, 32767],
    "I8": [-128, -1, 0, 1, 18, 127],
    "U64": [0, 1, 2, 0x0102030405060708, 2**64 - 2, 2**64 - 1],
    "U32": [0, 1, 2, 0x01020304, 2**32 - 2, 2**32 - 1],
    "U16": [0, 1, 2, 0x0102, 65534, 65535],
    "U8": [0, 1, 2, 18, 254, 255],
    "BOOL": [1, 0, 0, 1, 1, 0],
}

# dtype_F32.safetensors also holds "specials": the non-finite values and -0.
F32_SPECIALS = [math.nan, math.inf, -math.inf, -0.0]

NUMPY_CODES = {
    "F64": "<f8", "F32": "<f4", "F16": "<f2",
    "I64": "<i8", "I32": "<i4", "I16": "<i2", "I8": "i1",
    "U64": "<u8", "U32": "<u4", "U16": "<u2", "U8": "u1", "BOOL": "u1",
}


def fp8_bits(value, exponent_bits, mantissa_bits):
    """The bits of `value` in an fp8 format (bias 2^(e-1) - 1); the value must be exact."""
    bias = (1 << (exponent_bits - 1)) - 1
    sign = 0x80 if math.copysign(1.0, value) < 0 else 0
    magnitude = abs(value)
    if magnitude == 0:
        return sign
    exponent = math.floor(math.log2(magnitude))
    if exponent < 1 - bias:  # subnormal: a multiple of 2^(1 - bias - mantissa_bits)
        field = 0
        mantissa = magnitude / 2.0 ** (1 - bias - mantissa_bits)
    else:
        field = exponent + bias
        mantissa = (magnitude / 2.0**exponent - 1.0) * (1 << mantissa_bits)
    assert mantissa == int(mantissa) and 0 <= mantissa < (1 << mantissa_bits), value
    assert 0 <= field < (1 << exponent_bits), value
    return sign | (field << mantissa_bits) | int(mantissa)


def fp8_value(bits, exponent_bits, mantissa_bits):
    """Decodes fp8 bits (finite values only), to check fp8_bits."""
    bias = (1 << (exponent_bits - 1)) - 1
    sign = -1.0 if bits & 0x80 else 1.0
    field = (bits >> mantissa_bits) & ((1 << exponent_bits) - 1)
    mantissa = bits & ((1 << mantissa_bits) - 1)
    if field == 0:
        return sign * mantissa * 2.0 ** (1 - bias - mantissa_bits)
    return sign * (1.0 + mantissa / (1 << mantissa_bits)) * 2.0 ** (field - bias)


def encode(dtype, values):
    """Little-endian bytes of `values` stored as `dtype`."""
    if dtype in ("F8_E4M3", "F8_E5M2"):
        e, m = (4, 3) if dtype == "F8_E4M3" else (5, 2)
        bits = [fp8_bits(v, e, m) for v in values]
        assert [fp8_value(b, e, m) for b in bits] == list(values)
        if dtype == "F8_E4M3":
            assert all(b & 0x7F != 0x7F for b in bits)  # S.1111.111 is NaN in E4M3FN
        return bytes(bits)
    if dtype == "BF16":
        words = np.array(values, dtype="<f4").view("<u4")
        assert np.all(words & 0xFFFF == 0), "not exact in bf16"
        return (words >> 16).astype("<u2").tobytes()
    array = np.array(values, dtype=NUMPY_CODES[dtype])
    if dtype in ("F32", "F16"):
        assert all(float(x) == v for x, v in zip(array, values)), "not exact"
    return array.tobytes()


def header_bytes(header):
    """JSON text of a header, padded with spaces to a multiple of 8 as the reference
    writer pads it."""
    text = json.dumps(header, separators=(",", ":"), sort_keys=True,
                      ensure_ascii=False).encode("utf-8")
    return text + b" " * ((-len(text)) % 8)


def safetensors(tensors, metadata=None):
    """A well-formed file. `tensors`: (name, dtype, shape, data bytes) in storage order."""
    header = {}
    data = b""
    for name, dtype, shape, payload in tensors:
        header[name] = {"dtype": dtype, "shape": list(shape),
                        "data_offsets": [len(data), len(data) + len(payload)]}
        data += payload
    if metadata is not None:
        header["__metadata__"] = metadata
    text = header_bytes(header)
    return struct.pack("<Q", len(text)) + text + data


def handmade(header_text, data=b"", header_length=None):
    """A file with an arbitrary header text (bytes or str) and header length field."""
    if isinstance(header_text, str):
        header_text = header_text.encode("utf-8")
    length = len(header_text) if header_length is None else header_length
    return struct.pack("<Q", length) + header_text + data


def write(folder, name, content):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(content)


def f32(values):
    return np.array(values, dtype="<f4").tobytes()


def write_good():
    for dtype, values in DTYPE_VALUES.items():
        tensors = [("values", dtype, (2, 3), encode(dtype, values))]
        if dtype == "F32":
            tensors.append(("specials", "F32", (4,), f32(F32_SPECIALS)))
        write(GOOD_DIR, f"dtype_{dtype}.safetensors", safetensors(tensors))

    # Metadata (with non-ASCII text), and tensors whose name order differs from their
    # storage order: "z_first" holds the first bytes, "a_last" the last.
    write(GOOD_DIR, "metadata.safetensors", safetensors(
        [("z_first", "F32", (2,), f32([1.0, 2.0])),
         ("m_middle", "I32", (1,), np.array([7], dtype="<i4").tobytes()),
         ("a_last", "F32", (2, 2), f32([0.5, -0.5, 0.25, -0.25]))],
        metadata={"format": "pt", "note": "Gr\u00fc\u00dfe \u2713", "empty": ""}))

    # A 0-d tensor: shape [], one element.
    write(GOOD_DIR, "scalar.safetensors", safetensors(
        [("step", "F32", (), f32([3.5])),
         ("count", "I64", (), np.array([42], dtype="<i8").tobytes())]))

    # A tensor with no elements, data_offsets [n, n], beside ordinary ones.
    write(GOOD_DIR, "zero_size.safetensors", safetensors(
        [("before", "F32", (3,), f32([1.0, 2.0, 3.0])),
         ("empty", "F32", (0, 5), b""),
         ("after", "F16", (2,), np.array([0.5, -4.0], dtype="<f2").tobytes())]))

    # A model in two shards and the index that lists them.
    shard1 = "model-00001-of-00002.safetensors"
    shard2 = "model-00002-of-00002.safetensors"
    embed = f32([0.125 * i for i in range(8)])
    layer0 = f32([1.0, -1.0, 2.0, -2.0])
    layer1 = f32([0.5, 0.25, -0.5, -0.25, 4.0, -4.0])
    head = np.array([1.5, -1.5], dtype="<f2").tobytes()
    write(GOOD_DIR, shard1, safetensors(
        [("embed.weight", "F32", (2, 4), embed), ("layers.0.weight", "F32", (2, 2), layer0)],
        metadata={"format": "pt"}))
    write(GOOD_DIR, shard2, safetensors(
        [("layers.1.weight", "F32", (3, 2), layer1), ("head.weight", "F16", (2,), head)],
        metadata={"format": "pt"}))
    index = {
        "metadata": {"total_size": len(embed) + len(layer0) + len(layer1) + len(head)},
        "weight_map": {"embed.weight": shard1, "layers.0.weight": shard1,
                       "layers.1.weight": shard2, "head.weight": shard2},
    }
    write(GOOD_DIR, "model.safetensors.index.json",
          (json.dumps(index, indent=2, sort_keys=True) + "\n").encode())


def write_corrupt():
    def bad(name, content):
        write(CORRUPT_DIR, name, content)

    def entry(dtype="F32", shape=(2,), offsets=(0, 8)):
        return {"dtype": dtype, "shape": list(shape), "data_offsets": list(offsets)}

    def single(header, data):
        return handmade(header_bytes(header), data)

    two = f32([1.0, 2.0])
    four = f32([1.0, 2.0, 3.0, 4.0])
    six = f32([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    good_header = header_bytes({"w": entry()})

    # The file ends inside the 8-byte header length.
    bad("truncated_length.safetensors", struct.pack("<Q", 64)[:5])
    # The header length says 1000 bytes; far fewer follow.
    bad("header_length_past_end.safetensors", handmade(good_header, two, header_length=1000))
    # 2^63: a length whose arithmetic would overflow if added to anything carelessly.
    bad("huge_header_length.safetensors", handmade(good_header, two, header_length=1 << 63))
    # A trailing comma before the closing brace.
    bad("header_not_json.safetensors",
        handmade('{"w":{"data_offsets":[0,8],"dtype":"F32","shape":[2]},}', two))
    # 0xFF can never occur in UTF-8; it sits inside the tensor name.
    bad("header_invalid_utf8.safetensors",
        handmade(b'{"w\xff":{"data_offsets":[0,8],"dtype":"F32","shape":[2]}}', two))
    # Valid JSON, but an array rather than an object.
    bad("header_not_object.safetensors",
        handmade('[{"data_offsets":[0,8],"dtype":"F32","shape":[2]}]', two))
    # The same tensor name twice (a JSON parser would silently keep the last).
    bad("duplicate_names.safetensors",
        handmade('{"weight":{"data_offsets":[0,8],"dtype":"F32","shape":[2]},'
                 '"weight":{"data_offsets":[8,16],"dtype":"F32","shape":[2]}}', four))
    bad("unknown_dtype.safetensors", single({"w": entry(dtype="X16")}, two))
    # 16 bytes claimed, 8 present.
    bad("offsets_outside_data.safetensors", single({"w": entry(shape=(4,), offsets=(0, 16))},
                                                   two))
    bad("offsets_reversed.safetensors", single({"w": entry(offsets=(8, 0))}, four))
    # "b" starts inside "a".
    bad("offsets_overlap.safetensors",
        single({"a": entry(shape=(4,), offsets=(0, 16)), "b": entry(shape=(4,), offsets=(8, 24))},
               six))
    # As offsets_overlap, but a zero-size tensor sorts between the two overlapping ones.
    bad("offsets_overlap_behind_empty.safetensors",
        single({"a": entry(shape=(4,), offsets=(0, 16)),
                "b": entry(shape=(0,), offsets=(4, 4)),
                "c": entry(shape=(2,), offsets=(8, 16))}, four))
    # 2x3 float32 needs 24 bytes; the range holds 20.
    bad("shape_bytes_mismatch.safetensors", single({"w": entry(shape=(2, 3), offsets=(0, 20))},
                                                   six))
    # 2^32 * 2^32 elements: each dimension fits in 64 bits, their product does not.
    bad("shape_product_overflow.safetensors",
        single({"w": entry(shape=(1 << 32, 1 << 32), offsets=(0, 16))}, four))
    # 2^62 + 1 elements fit in 64 bits, their 4-byte size does not: (2^62 + 1) * 4
    # wraps around to exactly the 4 bytes the range holds.
    bad("shape_bytes_overflow.safetensors",
        single({"w": entry(shape=((1 << 62) + 1,), offsets=(0, 4))}, f32([1.0])))
    bad("negative_dim.safetensors", single({"w": entry(shape=(-1, 2), offsets=(0, 8))}, two))
    bad("missing_data_offsets.safetensors", single({"w": {"dtype": "F32", "shape": [2]}}, two))
    bad("metadata_not_strings.safetensors",
        single({"__metadata__": {"epoch": 3, "format": "pt"}, "w": entry()}, two))
    # 1e400 is valid JSON syntax, but beyond the range of a double.
    bad("number_overflow.safetensors",
        handmade('{"w":{"data_offsets":[0,8],"dtype":"F32","shape":[1e400]}}', two))

    # A tensor name with an escaped newline and ESC, on an entry that is refused: error
    # messages must stay one printable line.
    bad("control_characters_in_name.safetensors",
        handmade('{"bad\\nname\\u001b[31m":{"data_offsets":[0,8],"dtype":"X16","shape":[2]}}',
                 two))

    # Index files. index_helper_shard.safetensors is a valid shard for them to name.
    bad("index_helper_shard.safetensors", single({"a": entry()}, two))

    def index(weight_map):
        return (json.dumps({"metadata": {}, "weight_map": weight_map}, indent=2,
                           sort_keys=True) + "\n").encode()

    bad("index_missing_shard.safetensors.index.json",
        index({"a": "index_helper_shard.safetensors",
               "b": "index_missing_shard-00002-of-00002.safetensors"}))
    # The shard name climbs out of the index's folder, to a file that exists
    # (tests/data/safetensors/dtype_F32.safetensors): refusing it is not a mere
    # "file not found".
    bad("index_path_escape.safetensors.index.json",
        index({"values": "../../safetensors/dtype_F32.safetensors"}))
    # "ghost" is assigned to a shard that does not contain it.
    bad("index_tensor_not_in_shard.safetensors.index.json",
        index({"a": "index_helper_shard.safetensors",
               "ghost": "index_helper_shard.safetensors"}))


if __name__ == "__main__":
    write_good()
    write_corrupt()
