#!/usr/bin/python3
"""Writes the NumPy reader's test files.

Good fixtures go to tests/data/numpy/, handcrafted broken files to
tests/data/corrupt/numpy/. The output is checked in; this script is kept so that
it can be regenerated:

    /usr/bin/python3 tests/data/make_numpy_fixtures.py

Everything is deterministic: the values are fixed (no random numbers), zip
entries carry a fixed 1980-01-01 timestamp, and every file is a few KB at most.
Deflated bytes depend on the zlib version, so another machine may produce
different (equally valid) compressed streams.
"""

import io
import os
import struct
import zipfile
import zlib

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
GOOD_DIR = os.path.join(HERE, "numpy")
CORRUPT_DIR = os.path.join(HERE, "corrupt", "numpy")

# Stable zip metadata: MS-DOS date 1980-01-01 00:00:00.
ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)
DOS_TIME = 0
DOS_DATE = (0 << 9) | (1 << 5) | 1

# The values every dtype fixture holds (shape 2x3); numpy_reader_test.cpp checks them.
# They reach the top and bottom bytes of each type so that a wrong byte swap shows.
DTYPE_VALUES = {
    "f2": [-1.5, 0.0, 1.0, 3.25, 65504.0, -2.0],
    "f4": [-1.5, 0.0, 1.0, 3.25, 1.0e30, -2.0],
    "f8": [-1.5, 0.0, 1.0, 3.25, 1.0e300, -2.0],
    "i1": [-128, -1, 0, 1, 18, 127],
    "i2": [-32768, -1, 0, 1, 0x0102, 32767],
    "i4": [-(2**31), -1, 0, 1, 0x01020304, 2**31 - 1],
    "i8": [-(2**63), -1, 0, 1, 0x0102030405060708, 2**63 - 1],
    "u1": [0, 1, 2, 18, 254, 255],
    "u2": [0, 1, 2, 0x0102, 65534, 65535],
    "u4": [0, 1, 2, 0x01020304, 2**32 - 2, 2**32 - 1],
    "u8": [0, 1, 2, 0x0102030405060708, 2**64 - 2, 2**64 - 1],
    "b1": [True, False, False, True, True, False],
}


def npy_bytes(array, version=(1, 0)):
    """An array as numpy itself writes it."""
    out = io.BytesIO()
    np.lib.format.write_array(out, array, version=version, allow_pickle=True)
    return out.getvalue()


def handmade_npy(header, data=b"", version=(1, 0), header_length=None):
    """A .npy with an arbitrary header text, padded like numpy pads (to 64 bytes)."""
    major, minor = version
    prelude = 10 if major == 1 else 12
    text = header.encode("utf-8" if major >= 3 else "latin1")
    padded = text + b" " * ((-(prelude + len(text) + 1)) % 64) + b"\n"
    length = len(padded) if header_length is None else header_length
    length_field = struct.pack("<H" if major == 1 else "<I", length)
    return b"\x93NUMPY" + bytes([major, minor]) + length_field + padded + data


def npz_bytes(members, compression):
    """An .npz as np.savez / np.savez_compressed write it (force_zip64 local extras),
    but with fixed timestamps."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=compression, allowZip64=True) as archive:
        for name, payload in members:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE_TIME)
            info.compress_type = compression
            info.external_attr = 0o600 << 16
            with archive.open(info, "w", force_zip64=True) as entry:
                entry.write(payload)
    return out.getvalue()


def raw_deflate(data):
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


def member(name, content, method=0, **overrides):
    """One entry for build_zip; `overrides` replace any field to craft a broken archive."""
    payload = raw_deflate(content) if method == 8 else content
    entry = {
        "name": name.encode(),
        "local_name": name.encode(),
        "payload": payload,
        "method": method,
        "flags": 0,
        "crc": zlib.crc32(content),
        "csize": len(payload),
        "usize": len(content),
        "local_offset": None,  # None: where it really is
    }
    entry.update(overrides)
    return entry


def build_zip(members, zip64=False, central_offset=None, zip64_extra=True):
    """A zip archive written field by field. With zip64, the central directory holds
    0xFFFFFFFF sizes and offsets with a ZIP64 extra field (0x0001), and the archive ends
    with a ZIP64 end record and locator before the classic end record."""
    out = bytearray()
    central = bytearray()
    for m in members:
        offset = len(out)
        local_extra = struct.pack("<HHQQ", 1, 16, m["usize"], m["csize"]) if zip64 else b""
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 45 if zip64 else 20, m["flags"],
                           m["method"], DOS_TIME, DOS_DATE, m["crc"],
                           0xFFFFFFFF if zip64 else m["csize"],
                           0xFFFFFFFF if zip64 else m["usize"],
                           len(m["local_name"]), len(local_extra))
        out += m["local_name"] + local_extra + m["payload"]
        local_offset = offset if m["local_offset"] is None else m["local_offset"]
        if zip64:
            extra = (struct.pack("<HHQQQ", 1, 24, m["usize"], m["csize"], local_offset)
                     if zip64_extra else b"")
            sizes = (0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF)
        else:
            extra = b""
            sizes = (m["csize"], m["usize"], local_offset)
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 0x031E, 45 if zip64 else 20,
                               m["flags"], m["method"], DOS_TIME, DOS_DATE, m["crc"],
                               sizes[0], sizes[1], len(m["name"]), len(extra), 0, 0, 0,
                               0o600 << 16, sizes[2])
        central += m["name"] + extra
    directory_offset = len(out) if central_offset is None else central_offset
    count = len(members)
    end = bytearray()
    if zip64:
        record_offset = len(out) + len(central)
        end += struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, count, count,
                           len(central), directory_offset)
        end += struct.pack("<IIQI", 0x07064B50, 0, record_offset, 1)
        end += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF,
                           0xFFFFFFFF, 0)
    else:
        end += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(central),
                           directory_offset, 0)
    return bytes(out + central + end)


def write(folder, name, content):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(content)


def small_matrix():
    return (np.arange(12, dtype="<f4").reshape(3, 4) * 0.25 - 1.0).astype("<f4")


def write_good():
    matrix = small_matrix()
    for major in (1, 2, 3):
        write(GOOD_DIR, f"v{major}_f32.npy", npy_bytes(matrix, version=(major, 0)))

    for code, values in DTYPE_VALUES.items():
        array = np.array(values, dtype="<" + code).reshape(2, 3)
        write(GOOD_DIR, f"dtype_{code}.npy", npy_bytes(array))
        if code[1] != "1":
            write(GOOD_DIR, f"dtype_{code}_be.npy", npy_bytes(array.astype(">" + code)))

    write(GOOD_DIR, "fortran_2d.npy",
          npy_bytes(np.asfortranarray(np.arange(12, dtype="<i4").reshape(3, 4))))
    write(GOOD_DIR, "fortran_3d.npy",
          npy_bytes(np.asfortranarray(np.arange(24, dtype="<f4").reshape(2, 3, 4))))
    write(GOOD_DIR, "fortran_3d_be.npy",
          npy_bytes(np.asfortranarray(np.arange(24, dtype=">f8").reshape(2, 3, 4))))
    write(GOOD_DIR, "scalar.npy", npy_bytes(np.array(3.5, dtype="<f8")))
    write(GOOD_DIR, "empty.npy", npy_bytes(np.zeros((0, 5), dtype="<f4")))

    arrays = [
        ("weights.npy", npy_bytes(matrix)),
        ("bias.npy", npy_bytes(np.array([0.5, -0.5, 1.5, -1.5], dtype="<f4"))),
        ("ids.npy", npy_bytes(np.array([7, -7, 2**40], dtype="<i8"))),
        ("notes.txt", b"not an array: readers skip entries without the .npy suffix\n"),
        ("fortran_be.npy",
         npy_bytes(np.asfortranarray(np.arange(24, dtype=">f8").reshape(2, 3, 4)))),
        ("empty.npy", npy_bytes(np.zeros((0, 5), dtype="<f4"))),
    ]
    write(GOOD_DIR, "stored.npz", npz_bytes(arrays, zipfile.ZIP_STORED))
    write(GOOD_DIR, "deflated.npz", npz_bytes(arrays, zipfile.ZIP_DEFLATED))
    write(GOOD_DIR, "zip64.npz", build_zip([
        member("weights.npy", npy_bytes(matrix)),
        member("bias.npy", npy_bytes(np.array([0.5, -0.5, 1.5, -1.5], dtype="<f4")), 8),
    ], zip64=True))


def write_corrupt():
    def npy(name, content):
        write(CORRUPT_DIR, name, content)

    def npz(name, content):
        write(CORRUPT_DIR, name, content)

    matrix_header = "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }"
    matrix_data = small_matrix().tobytes()

    # The file ends inside the version field.
    npy("npy_truncated_header.npy", b"\x93NUMPY\x01")
    # The header length says 1024 bytes; the file has far fewer.
    npy("npy_header_length_past_end.npy",
        handmade_npy(matrix_header, matrix_data, header_length=1024))
    # A version 2 header length of 2 MB, over the 1 MB limit.
    npy("npy_header_too_large.npy",
        handmade_npy(matrix_header, matrix_data, version=(2, 0), header_length=2 << 20))
    # 10x10 float32 needs 400 bytes; only 100 follow the header.
    npy("npy_data_truncated.npy",
        handmade_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (10, 10), }",
                     bytes(100)))
    # 2^32 * 2^32 elements: each dimension fits, their product does not.
    npy("npy_shape_overflow.npy",
        handmade_npy("{'descr': '<f4', 'fortran_order': False, "
                     "'shape': (4294967296, 4294967296), }", bytes(16)))
    npy("npy_negative_dim.npy",
        handmade_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (-1, 3), }",
                     bytes(12)))
    # A pickled object array: loading it would run a pickle.
    npy("npy_object_dtype.npy", npy_bytes(np.array([1, "a"], dtype=object)))
    npy("npy_unknown_dtype.npy", npy_bytes(np.array([1 + 2j, 3 - 4j], dtype="<c8")))
    npy("npy_structured_dtype.npy",
        npy_bytes(np.zeros(2, dtype=[("a", "<f4"), ("b", "<i4")])))
    # The shape tuple is closed by '}' instead of ')'.
    npy("npy_bad_literal.npy",
        handmade_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4}", matrix_data))
    npy("npy_bad_version.npy", handmade_npy(matrix_header, matrix_data, version=(4, 0)))
    # Python reads (12) as the integer 12, not a one-element tuple.
    npy("npy_shape_not_tuple.npy",
        handmade_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (12), }", matrix_data))
    npy("npy_missing_key.npy", handmade_npy("{'descr': '<f4', 'shape': (3, 4), }", matrix_data))

    weights = npy_bytes(small_matrix())
    # A valid archive without its end of central directory record.
    npz("npz_eocd_missing.npz", build_zip([member("weights.npy", weights)])[:-22])
    npz("npz_central_dir_past_end.npz",
        build_zip([member("weights.npy", weights)], central_offset=0x7FFFFFF0))
    npz("npz_local_header_past_end.npz",
        build_zip([member("weights.npy", weights, local_offset=100000)]))

    # Deflate stream: the .npy header and part of the data in one block, a full flush,
    # then a block of the reserved type 3. Listing (which inflates only the header) works;
    # reading the array fails.
    values = np.arange(256, dtype="<f4")
    content = npy_bytes(values)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    broken = compressor.compress(content[:128 + 512]) + compressor.flush(zlib.Z_FULL_FLUSH)
    broken += b"\x07" + bytes(16)
    npz("npz_bad_deflate.npz", build_zip([member("values.npy", content, 8, payload=broken,
                                                 csize=len(broken))]))
    npz("npz_crc_mismatch.npz",
        build_zip([member("weights.npy", weights, crc=zlib.crc32(weights) ^ 0xFFFFFFFF)]))
    # 1 TiB declared for a few hundred compressed bytes: more than deflate can expand to.
    npz("npz_zip_bomb_size.npz",
        build_zip([member("weights.npy", weights, 8, usize=1 << 40)], zip64=True))
    npz("npz_duplicate_names.npz",
        build_zip([member("weights.npy", weights), member("weights.npy", weights)]))
    # Method 12 is bzip2.
    npz("npz_unsupported_method.npz", build_zip([member("weights.npy", weights, method=12)]))
    npz("npz_encrypted.npz", build_zip([member("weights.npy", weights, flags=1)]))
    # The stream inflates to 8 bytes fewer than the directory declares.
    short = raw_deflate(weights[:-8])
    npz("npz_inflate_size_mismatch.npz",
        build_zip([member("weights.npy", weights, 8, payload=short, csize=len(short))]))
    # ZIP64 placeholders (0xFFFFFFFF) in the central directory, but no ZIP64 extra field.
    npz("npz_zip64_extra_missing.npz",
        build_zip([member("weights.npy", weights)], zip64=True, zip64_extra=False))
    # The central directory and the local header disagree on the entry's name.
    npz("npz_name_mismatch.npz",
        build_zip([member("weights.npy", weights, local_name=b"other.npy")]))


if __name__ == "__main__":
    write_good()
    write_corrupt()
