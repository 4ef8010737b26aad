"""The account graph's numpy pieces on tiny inputs with known answers."""

from __future__ import annotations

import numpy as np

from features import linkgraph as lg

NEVER = np.iinfo(np.int64).max


def test_key_pairs_lists_each_pair_of_holders_once():
    account = np.array([3, 1, 2, 5, 4, 6])
    key = np.array([0, 0, 0, 1, 1, 2])  # key 2 has a single holder
    kind = np.array([0, 0, 0, 1, 1, 1])
    lo, hi, pair_kind = lg.key_pairs(account, key, kind)
    assert sorted(zip(lo.tolist(), hi.tolist(), pair_kind.tolist())) == [
        (1, 2, 0), (1, 3, 0), (2, 3, 0), (4, 5, 1)
    ]


def test_pair_links_needs_two_kinds_or_enough_of_one():
    # pair (0,1): kinds 0 and 1; pair (2,3): two keys of kind 1; pair (4,5): kind 0 once.
    lo = np.array([0, 0, 2, 2, 4])
    hi = np.array([1, 1, 3, 3, 5])
    kind = np.array([0, 1, 1, 1, 0])
    counts_at, own_families = np.array([1, 1]), np.array([0, 1])
    linked = lg.pair_links(lo, hi, kind, 6, counts_at, np.array([NEVER, 2]), own_families)
    assert sorted(zip(*(a.tolist() for a in linked))) == [(0, 1), (2, 3)]
    never = np.array([NEVER, NEVER])
    linked = lg.pair_links(lo, hi, kind, 6, np.array([1, 3]), never, own_families)
    assert linked[0].size == 0  # kind 1 now counts only from 3 shared keys
    linked = lg.pair_links(lo, hi, kind, 6, counts_at, never, np.array([0, 0]))
    assert linked[0].size == 0  # kinds 0 and 1 of one family are one line of evidence


def test_wide_key_links_co_holders_beyond_chance_only():
    # Key 0 (kind 0) held by accounts 0..9; key 1 (kind 1) by 0..5: 6 co-holders.
    # Key 2 (kind 1) held by 8..9 and 10..99: 2 co-holders with key 0, chance-like.
    account = np.r_[np.arange(10), np.arange(6), np.arange(8, 100)]
    key = np.r_[np.zeros(10), np.ones(6), np.full(92, 2)].astype(np.int64)
    kind = (key > 0).astype(np.int64)
    wide = key == 0
    lo, hi = lg.wide_key_links(account, key, kind, wide, np.ones_like(wide), 1000, 5.0, 5)
    assert set(lo.tolist()) | set(hi.tolist()) == set(range(6))
    assert len(lo) == 5  # a star over 6 accounts


def test_components_of_star_links():
    lo, hi = lg.stars(np.array([7, 7, 7, 9, 9]), np.array([4, 2, 3, 0, 1]))
    label = lg.components(6, lo, hi)
    assert label[2] == label[3] == label[4] != label[0] == label[1]
    assert len({label[5], label[0], label[2]}) == 3


def test_distinct_sorts_and_drops_repeats():
    assert lg.distinct(np.array([5, 1, 5, 3, 1])).tolist() == [1, 3, 5]
    assert lg.distinct(np.array([], dtype=np.int64)).tolist() == []


def test_member_of_finds_values_in_a_sorted_set():
    values = np.array([5, 1, 9, 3, 12])
    assert lg.member_of(values, np.array([1, 3, 10])).tolist() == [False, True, False, True, False]
    assert lg.member_of(values, np.array([], dtype=np.int64)).tolist() == [False] * 5


def test_other_kind_rows_pairs_each_row_with_its_accounts_rows_of_other_kinds():
    account = np.array([0, 0, 0, 0, 1, 1, 2])
    kind = np.array([0, 1, 1, 2, 0, 0, 1])
    w_rows, p_rows = lg.other_kind_rows(account, kind, np.array([0, 1, 4, 6]), np.arange(7), 3)
    assert sorted(zip(w_rows.tolist(), p_rows.tolist())) == [
        (0, 1), (0, 2), (0, 3), (1, 0), (1, 3)  # row 4: account 1 has kind 0 only; row 6 alone
    ]


def test_pairable_keeps_rows_that_can_count_or_link_alone():
    # Kinds 0 and 1 (families 0, 1) count from 1 key, kind 2 (family 0) from 2; kind 1 links
    # alone from 1 key.
    counts_at, alone_at, family = np.array([1, 1, 2]), np.array([NEVER, 1, NEVER]), np.array([0, 1, 0])
    account = np.array([0, 0, 1, 1, 1, 2, 2, 3])
    kind = np.array([0, 2, 0, 2, 2, 0, 1, 1])
    rows = lg.pairable(account, kind, 4, counts_at, alone_at, family)
    # 0: one family counted (kind 2 once is not counted); 1: kinds 0 and 2 are one family;
    # 2: two families; 3: kind 1 links alone.
    assert rows.tolist() == [False, False, False, False, False, True, True, True]
