"""`link_sources` keeps each way of linking apart, and `linked_components` can leave one out:
hand-made keys where each source makes one known group."""

from __future__ import annotations

import numpy as np
import pandas as pd

from features import campaigns as cp
from features import linkage as lk

N = 1000  # accounts on the day: wide keys are rare among them, so the lift test passes
WIDE = [f"w{i}" for i in range(25)]  # hold template W (wide); w0..w5 also client C
PAYERS = [f"v{i}" for i in range(25)]  # share one payment instrument (wide, alone_at 1)


def kept_keys() -> tuple[pd.DataFrame, np.ndarray]:
    rows = [("a", lk.PAYMENT, "P"), ("b", lk.PAYMENT, "P")]
    rows += [(w, lk.TEMPLATE, "W") for w in WIDE] + [(w, lk.SIGNUP_CLIENT, "C") for w in WIDE[:6]]
    rows += [(v, lk.PAYMENT, "V") for v in PAYERS]
    keys = pd.DataFrame(rows, columns=["account_id", "key_kind", "key"])
    (acc,), accounts = cp.account_codes(keys.account_id)
    return cp.prune_crowds(keys.assign(acc=acc), cp.DEFAULT_RULES), accounts


def grouped(accounts: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> set[frozenset[str]]:
    """Groups of 2+ named accounts that the links (lo, hi) join."""
    component = cp.components(N, lo, hi)[: len(accounts)]
    names = pd.Series(accounts).groupby(component).agg(frozenset)
    return {g for g in names if len(g) >= 2}


def test_each_source_makes_its_own_group():
    kept, accounts = kept_keys()
    sources = cp.link_sources(kept, N, cp.DEFAULT_RULES, 20, 5.0, 5)
    assert set(sources) == {"pair", "alone_wide", "wide_lift"}
    assert grouped(accounts, *sources["pair"]) == {frozenset({"a", "b"})}
    assert grouped(accounts, *sources["alone_wide"]) == {frozenset(PAYERS)}
    assert grouped(accounts, *sources["wide_lift"]) == {frozenset(WIDE[:6])}


def test_linked_components_leave_out_a_source():
    kept, accounts = kept_keys()
    args = (kept, N, cp.DEFAULT_RULES, 20, 5.0, 5, 2, 0.8)

    def groups(without=()):
        component = cp.linked_components(*args, without=without)[: len(accounts)]
        return {g for g in pd.Series(accounts).groupby(component).agg(frozenset) if len(g) >= 2}

    everything = {frozenset({"a", "b"}), frozenset(PAYERS), frozenset(WIDE[:6])}
    assert groups() == everything
    assert groups(("wide_lift",)) == everything - {frozenset(WIDE[:6])}
    assert groups(("pair", "alone_wide")) == {frozenset(WIDE[:6])}
