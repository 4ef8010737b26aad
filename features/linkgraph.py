"""The account graph behind campaigns, in numpy: links from shared keys, then connected
components.

Accounts, keys and key kinds arrive as integer codes (one row per distinct account x key).
Nothing loops over accounts or pairs in Python. Two ways to find links keep the work
bounded:
- a narrow key (few holders) lists its pairs, and each pair counts its shared keys per
  kind: at most m(m-1)/2 pairs for a key of m holders;
- a wide key (a hydra's template is held by thousands of accounts) would list millions of
  pairs, so it links instead the accounts that hold it together with one same key of
  another kind: such a group shares two lines of evidence, a clique under the pair rule,
  and a star from any one member connects it just as well.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components


def key_pairs(
    account: np.ndarray, key: np.ndarray, kind: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every pair (lo < hi) of accounts holding the same key, with that key's kind.

    Sorting by key then account puts each key's holders side by side; the holder at rank r
    of a key pairs with the ranks after it.
    """
    order = np.argsort(key.astype(np.int64) * (int(account.max(initial=0)) + 1) + account)
    account, key, kind = account[order], key[order], kind[order]
    starts, ends = runs(key)
    partners = np.repeat(ends, ends - starts) - np.arange(len(key)) - 1
    left = np.repeat(np.arange(len(key)), partners)
    right = ranks(partners)  # in place from here: millions of pairs, each array is costly
    right += left
    right += 1
    return account[left], account[right], kind[left]


def pairable(
    account: np.ndarray,
    kind: np.ndarray,
    n_accounts: int,
    counts_at: np.ndarray,
    alone_at: np.ndarray,
    family: np.ndarray,
) -> np.ndarray:
    """Rows (account, kind of its key) that can take part in a link of `pair_links`.

    A pair shares at most as many keys of a kind as each of its accounts holds: a kind
    counts for a pair only if each account holds `counts_at` keys of it, and links a pair
    alone only if each holds `alone_at`. So a row serves a link only if its account holds
    enough keys of its kind to link alone, or to count along with counted kinds of two
    families. Dropping the other rows first halves the pairs to list.
    """
    n_kinds = len(counts_at)
    held = np.bincount(account.astype(np.int64) * n_kinds + kind,
                       minlength=n_accounts * n_kinds).reshape(n_accounts, n_kinds)
    families = np.bitwise_or.reduce(
        np.where(held >= counts_at, np.left_shift(1, family), 0), axis=1)
    own = held[account, kind]
    return (own >= alone_at[kind]) | (
        (own >= counts_at[kind]) & (np.bitwise_count(families)[account] >= 2))


def pair_links(
    lo: np.ndarray,
    hi: np.ndarray,
    kind: np.ndarray,
    n_accounts: int,
    counts_at: np.ndarray,
    alone_at: np.ndarray,
    family: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs that share keys of two families of kinds (a kind counts once the pair shares
    `counts_at[kind]` of its keys; kinds of one `family[kind]` are one line of evidence),
    or `alone_at[kind]` keys of one kind."""
    n_kinds = len(counts_at)
    # One sort (no inverse): runs of equal pair x kind, the runs of one pair side by side.
    pair_kind = lo.astype(np.int64)  # in place from here: one array of millions, not five
    pair_kind *= n_accounts
    pair_kind += hi
    pair_kind *= n_kinds
    pair_kind += kind
    pair_kind.sort()
    starts, ends = runs(pair_kind)
    shared = ends - starts
    pair, kind = np.divmod(pair_kind[starts], n_kinds)
    # Per pair, its counted families as bits (an OR over its kinds, no second sort).
    families = np.where(shared >= counts_at[kind], np.left_shift(1, family[kind]), 0)
    alone = shared >= alone_at[kind]
    first, _ = runs(pair)
    linked = (np.bitwise_count(np.bitwise_or.reduceat(families, first)) >= 2) | (
        np.logical_or.reduceat(alone, first))
    return np.divmod(pair[first[linked]], n_accounts)


def wide_key_links(
    account: np.ndarray,
    key: np.ndarray,
    kind: np.ndarray,
    wide: np.ndarray,
    partner: np.ndarray,
    n_accounts: int,
    min_lift: float,
    min_co_holders: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Star links among the holders of a wide key who also hold one partner key of another
    kind (or family of kinds, if `kind` holds families), when they are at least
    `min_co_holders` and `min_lift` times the co-holders chance would give (holders of
    one x holders of the other / accounts). `wide` and `partner` are row masks."""
    holders = np.bincount(key).astype(np.float64)
    # A key of fewer holders than `min_co_holders` cannot have that many co-holders.
    enough = holders[key] >= min_co_holders
    w_rows, p_rows = other_kind_rows(
        account, kind, np.flatnonzero(wide & enough), np.flatnonzero(partner & enough), n_accounts)
    n_keys = len(holders)
    group = key[w_rows].astype(np.int64) * n_keys + key[p_rows]
    values = np.sort(group)
    starts, ends = runs(values)
    wide_key, partner_key = np.divmod(values[starts], n_keys)
    expected = holders[wide_key] * holders[partner_key] / n_accounts
    together = ends - starts
    linked = values[starts[together >= np.maximum(min_co_holders, min_lift * expected)]]
    # Members only of the few linked groups: sorting all rows' accounts would cost more.
    rows = np.flatnonzero(member_of(group, linked))
    return stars(group[rows], account[w_rows[rows]])


def other_kind_rows(
    account: np.ndarray, kind: np.ndarray, w: np.ndarray, p: np.ndarray, n_accounts: int
) -> tuple[np.ndarray, np.ndarray]:
    """Each row of `w` with each row of `p` of the same account and another kind, as row
    pairs (w_rows, p_rows).

    With `p` sorted by account then kind, an account's rows of other kinds than k are the
    two runs around its run of kind k: listed directly, not listed all and then filtered.
    """
    n_kinds = int(kind.max(initial=0)) + 1
    slot = account[p].astype(np.int64) * n_kinds + kind[p]
    p = p[np.argsort(slot, kind="stable")]
    per_slot = np.bincount(slot, minlength=n_accounts * n_kinds)
    end = np.cumsum(per_slot)
    begin = end - per_slot
    first_slot = account[w].astype(np.int64) * n_kinds
    own = first_slot + kind[w]
    first = begin[first_slot]
    before = begin[own] - first
    count = before + end[first_slot + n_kinds - 1] - end[own]
    rank = ranks(count)
    skip = np.where(rank >= np.repeat(before, count), np.repeat(per_slot[own], count), 0)
    return np.repeat(w, count), p[np.repeat(first, count) + rank + skip]


def stars(group: np.ndarray, account: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Links from one account of each group to its others: enough to put a group all of
    whose pairs are linked into one component."""
    order = np.argsort(group)
    return _stars(*runs(group[order]), account[order])


def components(n_accounts: int, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Connected component label of each account (an account with no link is alone)."""
    graph = coo_matrix(
        (np.ones(len(lo), dtype=np.int8), (lo, hi)), shape=(n_accounts, n_accounts)
    )
    return connected_components(graph, directed=False)[1]


def runs(sorted_values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (exclusive) of each run of equal values."""
    if len(sorted_values) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    starts = np.flatnonzero(np.r_[True, sorted_values[1:] != sorted_values[:-1]])
    return starts, np.r_[starts[1:], len(sorted_values)]


def distinct(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values. `np.unique` hashes by default (numpy 2), several times
    slower than a sort on millions of integers."""
    values = np.sort(values)
    return values[np.r_[True, values[1:] != values[:-1]]] if len(values) else values


def member_of(values: np.ndarray, sorted_distinct: np.ndarray) -> np.ndarray:
    """Whether each value is in `sorted_distinct` (binary search: no hashing, no sort of
    `values`)."""
    if len(sorted_distinct) == 0:
        return np.zeros(len(values), bool)
    at = np.minimum(np.searchsorted(sorted_distinct, values), len(sorted_distinct) - 1)
    return sorted_distinct[at] == values


def ranks(counts: np.ndarray) -> np.ndarray:
    """0, 1, …, c-1 for each count c, concatenated."""
    out = np.arange(counts.sum())
    out -= np.repeat(np.cumsum(counts) - counts, counts)
    return out


def _stars(starts: np.ndarray, ends: np.ndarray, member: np.ndarray):
    """Links from the first member of each run to the run's other members."""
    size = ends - starts
    hub = np.repeat(member[starts], size - 1)
    spoke = member[np.repeat(starts + 1, size - 1) + ranks(size - 1)]
    return hub, spoke
