#!/usr/bin/python3
"""Writes recorded-activation fixtures and the expected layer output errors.

Output goes to tests/data/activations/. It is checked in; this script is kept so that it
can be regenerated:

    /usr/bin/python3 tests/data/make_activation_fixtures.py

The files feed layer_output_golden_test.cpp, which runs the engine's integer matmul path
(spec §9, §10) on two Linear layers of the shared real model
ppocrv4_rec_svtr_neck.safetensors and compares its output metrics with the ones computed
here by a separate NumPy implementation that shares no code with the engine:

- svtr_neck_inputs.npz: float32 inputs of "linear_77.w_0" ([16, 120]) and
  "linear_78.w_0" ([2, 8, 120]; the engine flattens leading dims, M = 16).
- linear_77.npy: another [16, 120] input for linear_77.w_0 alone.
- expected.json: for each file, activation type (uint8, int8) and weight granularity
  (channel, tensor), minmax calibration: act_scale, act_zero_point, mse, max_abs_err,
  sqnr_db and cosine of each layer's output.

The weights are read from the model with json + struct (no safetensors package). Paddle
stores Linear weights [in, out]: Y = X W.

Everything is deterministic: a fixed seed, zip entries with a fixed 1980-01-01 timestamp,
sorted JSON keys. NumPy's float32 matmul sums in another order than Eigen, so the
reference Y differs from the engine's in the last bits; the test's tolerances allow for
that (this script prints how much the metrics move when Y is rounded from float64
instead, as a measure of that sensitivity).
"""

import io
import json
import os
import struct
import zipfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.join(HERE, "activations")
MODEL = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared", "models",
                                      "ppocrv4_rec_svtr_neck.safetensors"))

SEED = 20240611
ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)
F32 = np.float32


def read_safetensors(path, names):
    """The named F32 tensors of a safetensors file, parsed by hand."""
    with open(path, "rb") as f:
        blob = f.read()
    (header_len,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + header_len])
    base = 8 + header_len
    tensors = {}
    for name in names:
        entry = header[name]
        assert entry["dtype"] == "F32", entry
        begin, end = entry["data_offsets"]
        values = np.frombuffer(blob[base + begin:base + end], dtype="<f4")
        tensors[name] = values.reshape(entry["shape"]).copy()
    return tensors


def npy_bytes(array):
    out = io.BytesIO()
    np.lib.format.write_array(out, np.ascontiguousarray(array), version=(1, 0))
    return out.getvalue()


def npz_bytes(members):
    """An .npz as np.savez writes it, but with fixed timestamps (reproducible bytes)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for name, array in members:
            info = zipfile.ZipInfo(name + ".npy", date_time=ZIP_DATE_TIME)
            info.external_attr = 0o600 << 16
            with archive.open(info, "w", force_zip64=True) as entry:
                entry.write(npy_bytes(array))
    return out.getvalue()


def activations(rng, shape, outliers, offset_column, spread):
    """Post-LayerNorm-like inputs: N(0, spread²) features, a couple of outlier columns
    several times larger, and one mostly positive column (as after a GELU), so that the
    uint8 range is lopsided and the zero point is not simply 128."""
    k = shape[-1]
    x = rng.standard_normal(size=shape).astype(F32) * F32(spread)
    flat = x.reshape(-1, k)
    for column, factor in outliers:
        flat[:, column] *= F32(factor)
    flat[:, offset_column] = np.abs(flat[:, offset_column]) * F32(6.0) + F32(0.5)
    return flat.reshape(shape).astype(F32)


# --- The independent implementation of spec §3, §4, §9, §10 -------------------------------

def quantize(x, inv_scale, zero, qmin, qmax):
    # §4: x * (1/s) in float32, round half to even (np.rint), then + z and clamp.
    product = (x.astype(F32) * inv_scale).astype(F32)
    return np.clip(np.rint(product) + zero, qmin, qmax).astype(np.int64)


def activation_params(x, act_dtype):
    """§2 minmax + §3, per tensor, every step in float32."""
    if act_dtype == "uint8":
        lo = min(F32(x.min()), F32(0))
        hi = max(F32(x.max()), F32(0))
        scale = F32(F32(hi - lo) / F32(255))
        if scale == 0 or not np.isfinite(scale):
            scale = F32(1)
        shift = np.rint(F32(lo / scale))
        zero = int(np.clip(F32(0) - shift, 0, 255))
        return scale, zero, 0, 255
    amax = F32(np.abs(x).max())
    scale = F32(amax / F32(127))
    if scale == 0:
        scale = F32(1)
    return scale, 0, -128, 127


def weight_params(w_in_out, granularity):
    """Symmetric int8 scales of W stored [in, out]: one per output column, or one."""
    if granularity == "channel":
        amax = np.abs(w_in_out).max(axis=0).astype(F32)
    else:
        amax = np.full(w_in_out.shape[1], np.abs(w_in_out).max(), dtype=F32)
    scales = (amax / F32(127)).astype(F32)
    scales[scales == 0] = F32(1)
    return scales


def integer_output(x2d, w_in_out, act_dtype, granularity):
    """Y' of §10: integer codes, exact int64 accumulation, float32 dequantization."""
    s_x, z_x, qmin, qmax = activation_params(x2d, act_dtype)
    qx = quantize(x2d, F32(F32(1) / s_x), z_x, qmin, qmax)
    s_w = weight_params(w_in_out, granularity)
    inv_w = (F32(1) / s_w).astype(F32)
    qw = quantize(w_in_out, inv_w[np.newaxis, :], 0, -128, 127)  # [K, N]
    acc = qx @ qw  # int64: exact
    assert np.abs(acc).max() < 2**31, "beyond int32"
    row_sums = qw.sum(axis=0)
    centred = (acc - z_x * row_sums[np.newaxis, :]).astype(F32)  # exact: |value| < 2^24
    assert np.abs(acc - z_x * row_sums).max() < 2**24
    out_scale = (s_x * s_w).astype(F32)  # s_x · s_w[j] in float32
    return (out_scale[np.newaxis, :] * centred).astype(F32), s_x, z_x


def metrics(y, y_int):
    """§9 with e = y' - y in float32, sums in float64."""
    e = (y_int - y).astype(F32).astype(np.float64)
    y64 = y.astype(np.float64)
    yq64 = y_int.astype(np.float64)
    sum_y2 = float(np.sum(y64 * y64))
    sum_e2 = float(np.sum(e * e))
    return {
        "mse": sum_e2 / y.size,
        "max_abs_err": float(np.abs(e).max()),
        "sqnr_db": 10.0 * np.log10(sum_y2 / sum_e2),
        "cosine": float(np.sum(y64 * yq64) / (np.sqrt(sum_y2) * np.sqrt(np.sum(yq64 * yq64)))),
    }


def layer_case(x, w_in_out, act_dtype, granularity):
    k, n = w_in_out.shape
    x2d = x.reshape(-1, k).astype(F32)
    y_int, s_x, z_x = integer_output(x2d, w_in_out, act_dtype, granularity)
    y = (x2d @ w_in_out).astype(F32)  # float32 reference, NumPy's summation order
    result = metrics(y, y_int)
    # Sensitivity to the reference's rounding: Y rounded once from float64.
    y_exact = (x2d.astype(np.float64) @ w_in_out.astype(np.float64)).astype(F32)
    alt = metrics(y_exact, y_int)
    sensitivity = {
        "mse_rel": abs(alt["mse"] - result["mse"]) / result["mse"],
        "sqnr_db": abs(alt["sqnr_db"] - result["sqnr_db"]),
        "max_abs_err": abs(alt["max_abs_err"] - result["max_abs_err"]),
        "cosine": abs(alt["cosine"] - result["cosine"]),
        "y_max_abs_diff": float(np.abs(y_exact - y).max()),
    }
    result.update({
        "m": int(x2d.shape[0]), "n": int(n), "k": int(k), "layout": "in×out",
        "act_scale": float(s_x), "act_zero_point": int(z_x),
    })
    return result, sensitivity


def main():
    layers = ["linear_77.w_0", "linear_78.w_0"]
    weights = read_safetensors(MODEL, layers)
    assert weights["linear_77.w_0"].shape == (120, 360)
    assert weights["linear_78.w_0"].shape == (120, 120)

    rng = np.random.default_rng(SEED)
    npz_inputs = {
        "linear_77.w_0": activations(rng, (16, 120), [(7, 8.0), (93, -5.0)], 40, 1.0),
        "linear_78.w_0": activations(rng, (2, 8, 120), [(3, 6.0), (111, 10.0)], 64, 0.5),
    }
    npy_input = activations(rng, (16, 120), [(17, 12.0), (70, 4.0)], 101, 0.8)

    os.makedirs(OUT_DIR, exist_ok=True)
    with open(os.path.join(OUT_DIR, "svtr_neck_inputs.npz"), "wb") as f:
        f.write(npz_bytes(sorted(npz_inputs.items())))
    with open(os.path.join(OUT_DIR, "linear_77.npy"), "wb") as f:
        f.write(npy_bytes(npy_input))

    files = {
        "svtr_neck_inputs.npz": npz_inputs,
        "linear_77.npy": {"linear_77.w_0": npy_input},
    }
    cases = []
    worst = {}
    for file_name, inputs in files.items():
        for act_dtype in ["uint8", "int8"]:
            for granularity in ["channel", "tensor"]:
                case = {
                    "activations": file_name, "act_dtype": act_dtype,
                    "weights": granularity, "calibration": "minmax", "layers": {},
                }
                for layer, x in inputs.items():
                    result, sensitivity = layer_case(x, weights[layer], act_dtype, granularity)
                    case["layers"][layer] = result
                    for key, value in sensitivity.items():
                        worst[key] = max(worst.get(key, 0.0), value)
                    print(f"{file_name:22} {act_dtype:5} {granularity:7} {layer:14} "
                          f"sqnr {result['sqnr_db']:.4f} dB  mse {result['mse']:.6g}  "
                          f"s_x {result['act_scale']:.6g} z_x {result['act_zero_point']}")
                cases.append(case)

    expected = {
        "model": "ppocrv4_rec_svtr_neck.safetensors",
        "generator": "tests/data/make_activation_fixtures.py",
        "seed": SEED,
        "cases": cases,
    }
    with open(os.path.join(OUT_DIR, "expected.json"), "w", encoding="utf-8") as f:
        json.dump(expected, f, indent=1, sort_keys=True, ensure_ascii=False)
        f.write("\n")
    print("reference-rounding sensitivity (float32 matmul vs float64 rounded once):")
    for key, value in sorted(worst.items()):
        print(f"  {key}: {value:.3g}")


if __name__ == "__main__":
    main()
