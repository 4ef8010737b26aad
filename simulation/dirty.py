"""About 0.1 % broken rows, as a real gateway emits them.

Each broken row is an extra, corrupted copy of a real request (the duplicate kind keeps its
request id), so dropping every broken row gives back exactly the clean traffic and the
truth never depends on them.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from simulation.encoding import hex_ids, null_where
from simulation.presets import DAY_S

SHARE = 0.001
KINDS = ("duplicate_id", "ts_outside_day", "negative_tokens", "absurd_tokens", "unknown_enum",
         "null_account", "malformed_ip")
_BAD_IPS = pa.array(["999.12.3.4", "10.0.0", "2a01:zz::1", "unknown", "", "256.256.256.256"])


def dirty_rows(clean: pa.Table, arrival: np.ndarray, rng: np.random.Generator) -> tuple[pa.Table, np.ndarray, dict]:
    """Broken copies of random rows, their arrival keys, and how many of each kind."""
    n = int(rng.binomial(clean.num_rows, SHARE))
    src = rng.integers(0, clean.num_rows, n)
    kind = rng.integers(0, len(KINDS), n)
    cols = {name: clean.column(name).take(pa.array(src)).combine_chunks() for name in clean.column_names}
    fresh = hex_ids(rng, n, 12, "req_")
    cols["request_id"] = pa.array(np.where(kind == 0, cols["request_id"].to_numpy(zero_copy_only=False),
                                           fresh.to_numpy(zero_copy_only=False)), pa.string())
    ts = cols["ts"].cast(pa.int64()).to_numpy()
    shift = rng.integers(1, 30, n) * 3600 * 1_000_000
    ts = np.where(kind == 1, ts + np.where(rng.random(n) < 0.5, -1, 1) * (shift + DAY_S * 1_000_000), ts)
    cols["ts"] = pa.array(ts, pa.timestamp("us", tz="UTC"))
    for name in ("input_tokens", "output_tokens"):
        tokens = cols[name].to_numpy()
        tokens = np.where((kind == 2) & (rng.random(n) < 0.5), -rng.integers(1, 500, n), tokens)
        tokens = np.where((kind == 3) & (rng.random(n) < 0.5), 2_000_000_000, tokens)
        cols[name] = pa.array(tokens.astype(np.int32))
    enum = rng.integers(0, 3, n)
    cols["topic"] = _replace(cols["topic"], (kind == 4) & (enum == 0), "poetry")
    cols["ip_kind"] = _replace(cols["ip_kind"], (kind == 4) & (enum == 1), "satellite")
    cols["status"] = pa.array(np.where((kind == 4) & (enum == 2), 418, cols["status"].to_numpy()).astype(np.int16))
    cols["account_id"] = null_where(cols["account_id"], kind == 5)
    bad_ip = _BAD_IPS.take(pa.array(rng.integers(0, len(_BAD_IPS), n))).to_numpy(zero_copy_only=False)
    cols["ip"] = pa.array(np.where(kind == 6, bad_ip, cols["ip"].to_numpy(zero_copy_only=False)), pa.string())
    counts = {k: int((kind == i).sum()) for i, k in enumerate(KINDS)}
    return pa.table(cols, schema=clean.schema), arrival[src], counts


def _replace(column: pa.Array, where: np.ndarray, value: str) -> pa.Array:
    return pa.array(np.where(where, value, column.to_numpy(zero_copy_only=False)), pa.string())
