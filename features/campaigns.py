"""Campaigns: groups of accounts linked by shared keys, with stable ids and evidence.

`build_campaigns` turns the day's linkage keys into a graph, keeps only the links that
enough independent traces support, and takes connected components: components of two or
more accounts are campaigns. Per account it computes the catalogue's `campaign` features;
per campaign, the evidence an investigator reads. `summarize_campaigns` adds the members'
scores and gives the published campaigns rows.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from features import linkage as lk
from features.linkgraph import (
    components, distinct, key_pairs, member_of, pair_links, pairable, ranks, runs, stars,
    wide_key_links,
)
from models.tiers import FLAGGED_TIERS


@dataclass(frozen=True)
class KindRule:
    """When keys of one kind link accounts.

    max_accounts: a key held by more accounts is a crowd (a big ISP range, a carrier NAT, a
      popular prompt or client) and is dropped: it would glue strangers together.
    counts_at: shared keys of this kind that make one line of evidence for a pair.
    alone_at: shared keys of this kind that link a pair without other evidence (None: never).
    family: kinds of one family are one line of evidence, not two (None: its own).
    """

    max_accounts: int
    counts_at: int = 1
    alone_at: int | None = None
    family: str | None = None


# A link needs two lines of evidence (two kinds of shared trace), except a shared payment
# instrument or three address ranges shared the same day (a rotating proxy pool), each
# strong enough alone. Synchronized minutes count only when repeated (one is chance). The
# address ranges used on the day, the sign-up address and synchronized minutes are one
# family, the network: neighbours on one ISP range would otherwise share two kinds of trace
# just by living there, and a synchronized minute is a minute x ASN, so with a shared range
# it is one network trace counted twice. Nor do synchronized minutes link alone: customers'
# scheduled jobs on one cloud network share them by the dozen. Measured on the demo world
# (`benchmarks.linkage_purity`, 2026-03-05/12/19): legitimate accounts in distiller-majority
# campaigns 403/329/399 -> 5/19/15, distillers in them 854/1011/1294 -> 827/952/1261.
# Crowd limits are the ones `linkage_keys` already applied.
DEFAULT_RULES: Mapping[str, KindRule] = {
    lk.PAYMENT: KindRule(lk.MAX_HOLDERS[lk.PAYMENT], alone_at=1),
    lk.CARD_BIN_SIGNUP: KindRule(lk.MAX_HOLDERS[lk.CARD_BIN_SIGNUP]),
    lk.ADDRESS_RANGE: KindRule(lk.MAX_HOLDERS[lk.ADDRESS_RANGE], alone_at=3, family="network"),
    lk.SIGNUP_ADDRESS: KindRule(lk.MAX_HOLDERS[lk.SIGNUP_ADDRESS], family="network"),
    lk.SIGNUP_CLIENT: KindRule(lk.MAX_HOLDERS[lk.SIGNUP_CLIENT]),
    lk.TEMPLATE: KindRule(lk.MAX_HOLDERS[lk.TEMPLATE]),
    lk.SYNC_MINUTE: KindRule(lk.MAX_HOLDERS[lk.SYNC_MINUTE], counts_at=3, family="network"),
}

# Evidence wording per key kind; `units` counts distinct shared things (instruments, BINs,
# ranges, minutes), `s`/`es` pluralize them.
EVIDENCE = {
    lk.PAYMENT: "{accounts} accounts share {units} payment instrument{s}",
    lk.CARD_BIN_SIGNUP: (
        "{accounts} accounts signed up within a day of each other with cards of {units} BIN{s}"
    ),
    lk.ADDRESS_RANGE: "{accounts} accounts share {units} address range{s}",
    lk.SIGNUP_ADDRESS: "{accounts} accounts signed up from {units} shared address{es} or range{s}",
    lk.SIGNUP_CLIENT: "{accounts} accounts signed up with {units} identical client string{s}",
    lk.TEMPLATE: "{accounts} accounts share near-identical prompt templates",
    lk.SYNC_MINUTE: "{accounts} accounts active in the same minutes on {units} occasion{s}",
}
# Kinds whose key is `unit|window`: the unit (BIN, minute) is what the evidence counts.
_WINDOWED = (lk.CARD_BIN_SIGNUP, lk.SYNC_MINUTE)

MEMBER_COLUMNS = [
    "account_id",
    "campaign_id",
    "campaign_size",
    "campaign_requests",
    "campaign_cot_share",
    "campaign_template_concentration",
    "campaign_sync_share",
    "campaign_labeled_share",
]


@dataclass(frozen=True)
class CampaignsDay:
    """members: one row per account active on the day, `MEMBER_COLUMNS` (campaign_id null
    when alone). campaigns: one row per campaign: campaign_id, n_accounts, requests,
    evidence (list of sentences), account_ids (its members, for `summarize_campaigns`)."""

    members: pd.DataFrame
    campaigns: pd.DataFrame


def coded_frame(table: pa.Table) -> pd.DataFrame:
    """`table` in pandas with its string columns categorical: millions of rows that repeat
    a few hundred thousand account ids and keys then cost an integer each, not a string."""
    strings = (pa.types.is_string, pa.types.is_large_string)
    columns = {
        name: pc.dictionary_encode(column) if any(t(column.type) for t in strings) else column
        for name, column in zip(table.column_names, table.columns)
    }
    return pa.table(columns).to_pandas()


def build_campaigns(
    keys: pd.DataFrame,
    usage_day_stats: pd.DataFrame,
    labels: pd.DataFrame,
    previous_members: pd.DataFrame | None,
    day: dt.date,
    *,
    rules: Mapping[str, KindRule] = DEFAULT_RULES,
    narrow_accounts: int = 20,
    min_lift: float = 5.0,
    min_co_holders: int = 5,
    attach_kinds: int = 2,
    trace_share: float = 0.8,
    template_bands: int = lk.TEMPLATE_BANDS,
    top_templates: int = 3,
) -> CampaignsDay:
    """Campaigns of `day` from its linkage keys (`features.linkage.linkage_keys`, distinct
    rows), its request stats (`features.linkage.usage_day_stats`), the enforcement labels
    and the previous day's members (account_id, campaign_id; None on the first day).

    Links (see `features.linkgraph`): pairs holding a common key of at most
    `narrow_accounts` holders are judged by `rules`; holders of a wider key link when they
    also share a key of another kind, when at least `min_co_holders` of them do and
    `min_lift` times more than chance would put together (two big keys always overlap a
    little, and across thousands of key pairs a little overlap of strangers is certain).
    The narrow limit is low because pairs of two fairly common keys (a range of 40
    accounts, a BIN with 40 sign-ups that day) also meet by chance among 250k accounts;
    above it, the lift test judges. Then an account left alone joins a campaign whose
    traces of `attach_kinds` kinds it holds (`attach_loners`, `trace_share`).

    Campaign features per account, a lone account being a group of one:
    - campaign_size, campaign_requests, campaign_cot_share (the group's step-by-step share);
    - campaign_template_concentration: share of the group's requests on its
      `top_templates` commonest SimHash band values, best band (near-duplicate variants of
      a template keep most of their bands, so a band value stands for a template);
    - campaign_sync_share: share of the account's requests in minutes when another member
      is active too;
    - campaign_labeled_share: share of the OTHER members whose latest verdict decided by the
      end of `day` is `distillation`: never the account's own verdict (that would leak its
      label into its own feature) and never a later one.
    """
    (stats_acc, keys_acc), accounts = account_codes(usage_day_stats.account_id, keys.account_id)
    n = len(accounts)
    kept = prune_crowds(
        pd.DataFrame({"acc": keys_acc, "key_kind": keys.key_kind, "key": keys.key}, copy=False),
        rules)
    component = linked_components(kept, n, rules, narrow_accounts, min_lift, min_co_holders,
                                  attach_kinds, trace_share)
    size = np.bincount(component)[component]

    stats = usage_day_stats
    members = pd.DataFrame(
        {
            "account_id": accounts,
            "campaign_id": _campaign_ids(accounts, component, size, previous_members, day),
            "campaign_size": size.astype(np.int64),
        }
    )
    requests = np.bincount(stats_acc, stats.requests, minlength=n)
    group_requests = np.bincount(component, requests)
    group_cot = np.bincount(component[stats_acc], stats.cot_requests,
                            minlength=len(group_requests))
    members["campaign_requests"] = group_requests[component].astype(np.int64)
    members["campaign_cot_share"] = _share(group_cot, group_requests)[component]
    members["campaign_template_concentration"] = _template_concentration(
        stats, stats_acc, component, group_requests, template_bands, top_templates
    )[component]
    members["campaign_sync_share"] = _sync_share(stats, stats_acc, component, size, requests)
    members["campaign_labeled_share"] = _labeled_share(
        members.account_id.to_numpy(object), component, size, labels, day
    )
    campaigns = _campaign_rows(members, kept, list(rules))
    # Already in account order: `accounts` is sorted.
    return CampaignsDay(members=members[MEMBER_COLUMNS], campaigns=campaigns)


def linked_components(
    kept: pd.DataFrame, n: int, rules: Mapping[str, KindRule], narrow_accounts: int,
    min_lift: float, min_co_holders: int, attach_kinds: int, trace_share: float,
    without: tuple[str, ...] = (),
) -> np.ndarray:
    """Component of each account: the links of `link_sources`, then `attach_loners`.

    `without` names sources (or "attach") to leave out; only a measurement uses it, to see
    what each contributes (`benchmarks.linkage_purity`)."""
    links = [v for name, v in link_sources(
        kept, n, rules, narrow_accounts, min_lift, min_co_holders).items() if name not in without]
    component = components(n, np.concatenate([lo for lo, _ in links]),
                           np.concatenate([hi for _, hi in links]))
    if "attach" in without:
        return component
    return attach_loners(kept, component, rules, attach_kinds, trace_share)


def link_sources(
    kept: pd.DataFrame, n: int, rules: Mapping[str, KindRule], narrow_accounts: int,
    min_lift: float, min_co_holders: int,
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Links (lo, hi) by the way they were found, kept apart so a measurement
    (`benchmarks.linkage_purity`) can tell which rule linked two accounts: "pair" (narrow
    keys' pairs by the rules), "alone_wide" (wide keys strong alone), "wide_lift" (co-holders
    of a wide key, `wide_key_links`)."""
    rule = list(rules.values())
    acc, key, kind, holders = (kept[c].to_numpy() for c in ("acc", "key_code", "kind", "holders"))
    narrow = holders <= narrow_accounts
    counts_at = np.array([r.counts_at for r in rule])
    alone_at = np.array([r.alone_at or np.iinfo(np.int64).max for r in rule])
    family = _families(rules)
    single = counts_at[kind] == 1  # one shared key is one line of evidence
    wide = ~narrow & single
    alone_wide = wide & (alone_at[kind] == 1)
    paired = np.flatnonzero(narrow)
    paired = paired[pairable(acc[paired], kind[paired], n, counts_at, alone_at, family)]
    return {
        "pair": pair_links(*key_pairs(acc[paired], key[paired], kind[paired]), n, counts_at,
                           alone_at, family),
        "alone_wide": stars(key[alone_wide], acc[alone_wide]),
        "wide_lift": wide_key_links(acc, key, family[kind], wide, single, n, min_lift,
                                    min_co_holders),
    }


def attach_loners(
    kept: pd.DataFrame, component: np.ndarray, rules: Mapping[str, KindRule], attach_kinds: int,
    trace_share: float,
) -> np.ndarray:
    """Components after each lone account joins the campaign whose traces it holds.

    The pair rule wants two kinds of evidence shared with ONE other account, so a hydra
    account that shares the hydra's template with some members and its address ranges with
    others stays alone. A key is a campaign's *trace* when at least `trace_share` of its
    holders are that campaign's members: a busy ISP range or a popular prompt, mostly held
    by strangers, is nobody's trace. A lone account holding a campaign's traces of
    `attach_kinds` families of kinds (each kind counted once it holds `counts_at` of
    them, as in the pair rule) joins it; with several such campaigns, the one it shares
    most families with, then the larger.
    """
    size = np.bincount(component)
    acc, key, kind = (kept[c].to_numpy() for c in ("acc", "key_code", "kind"))
    comp = component[acc]
    grouped = size[comp] >= 2
    if not grouped.any() or grouped.all():
        return component
    owner = _trace_owner(key, comp, grouped, trace_share)
    counts_at = np.array([r.counts_at for r in rules.values()])
    family = _families(rules)
    alone = np.flatnonzero(~grouped & (owner[key] >= 0))
    # Per lone account x campaign x kind: the campaign's traces it holds.
    n_comps, n_kinds = len(size), len(counts_at)
    held, keys_held = _counted((acc[alone] * n_comps + owner[key[alone]]) * n_kinds + kind[alone])
    candidate, kind_held = np.divmod(held[keys_held >= counts_at[held % n_kinds]], n_kinds)
    # Families per lone account x campaign (a family once however many of its kinds).
    candidate, families = _counted(distinct(candidate * n_kinds + family[kind_held]) // n_kinds)
    joins = families >= attach_kinds
    lone, campaign = np.divmod(candidate[joins], n_comps)
    families = families[joins]
    best = np.lexsort((campaign, -size[campaign], -families, lone))
    first = best[runs(lone[best])[0]]  # each lone account's best campaign
    out = component.copy()
    out[lone[first]] = campaign[first]
    return out


def _trace_owner(key: np.ndarray, comp: np.ndarray, grouped: np.ndarray,
                 trace_share: float) -> np.ndarray:
    """Per key, the campaign it is a trace of (-1: none): the campaign holding most of its
    holders (ties: the smaller component), when they are at least 2 and `trace_share` of
    them."""
    holders = np.bincount(key)
    n_comps = int(comp.max(initial=0)) + 1
    key_comp, members = _counted(key[grouped].astype(np.int64) * n_comps + comp[grouped])
    trace_key, trace_comp = np.divmod(key_comp, n_comps)
    # Sorted by key then component: the first of a key's largest counts is its dominant one.
    order = np.lexsort((-members, trace_key))
    first = order[runs(trace_key[order])[0]]
    first = first[members[first] >= np.maximum(2, trace_share * holders[trace_key[first]])]
    owner = np.full(len(holders), -1, np.int64)
    owner[trace_key[first]] = trace_comp[first]
    return owner


def _counted(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values (sorted) and how often each occurs."""
    values = np.sort(values)
    starts, ends = runs(values)
    return values[starts], ends - starts


def summarize_campaigns(
    campaigns: pd.DataFrame, scores: pd.DataFrame, day: dt.date, *, quantile: float = 0.9
) -> pd.DataFrame:
    """The published campaigns rows (outputs.md) of `day`.

    risk_score is the `quantile` of the members' risk scores. Not the mean: a hydra's
    accounts each look light, and a few members caught with strong evidence should carry the
    group. Not the max: one wrongly scored account would condemn a benign group. The 0.9
    quantile needs about a tenth of the group to look risky.
    """
    members = campaigns[["campaign_id", "account_ids"]].explode("account_ids")
    members = members.rename(columns={"account_ids": "account_id"}).merge(
        scores[["account_id", "risk_score", "risk_tier"]], on="account_id", how="left"
    )
    members["flagged"] = members.risk_tier.isin(FLAGGED_TIERS)
    by_campaign = members.groupby("campaign_id")
    out = campaigns[["campaign_id", "n_accounts", "requests", "evidence"]].set_index("campaign_id")
    out["n_flagged"] = by_campaign.flagged.sum()
    out["risk_score"] = by_campaign.risk_score.quantile(quantile)
    out = out.reset_index()
    out.insert(0, "score_date", day)
    out = out.astype({"n_accounts": "int64", "n_flagged": "int64", "requests": "int64",
                      "risk_score": "float64"})
    columns = ["score_date", "campaign_id", "n_accounts", "n_flagged", "requests",
               "risk_score", "evidence"]
    return out[columns].sort_values(["risk_score", "campaign_id"], ascending=[False, True],
                                    ignore_index=True)


def _families(rules: Mapping[str, KindRule]) -> np.ndarray:
    """Line-of-evidence code per kind (position in `rules`): kinds of one family share it."""
    return pd.factorize(pd.Series([r.family or k for k, r in rules.items()]))[0]


def account_codes(*columns: pd.Series) -> tuple[list[np.ndarray], np.ndarray]:
    """Each column's accounts as integer codes into one sorted array of the accounts.

    Only each column's distinct accounts are looked up (`coded`: a categorical column is
    not turned back into millions of strings, nor hashed again), and sorted in Arrow:
    Python's comparisons of a hundred thousand strings cost more than the rest. Sorted
    codes make component labels independent of row order.
    """
    parts = [coded(column) for column in columns]
    distinct_values = pa.array(np.concatenate([u for _, u in parts]))
    accounts = pc.unique(distinct_values)
    accounts = accounts.take(pc.sort_indices(accounts))
    position = pc.index_in(distinct_values, value_set=accounts).to_numpy(zero_copy_only=False)
    ends = np.cumsum([len(u) for _, u in parts])
    codes = [p.astype(np.int64)[c] for p, (c, _) in zip(np.split(position, ends[:-1]), parts)]
    return codes, np.asarray(accounts.to_numpy(zero_copy_only=False), dtype=object)


def coded(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes of `column` and the distinct values they stand for (object array).

    A categorical column (`coded_frame`) already has them: its codes, and its categories
    that occur (a category no row holds is no value of the column)."""
    if not isinstance(column.dtype, pd.CategoricalDtype):
        codes, uniques = pd.factorize(column)
        return codes, np.asarray(uniques, dtype=object)
    codes = column.cat.codes.to_numpy()
    categories = column.cat.categories.to_numpy(object)
    occurs = np.bincount(codes[codes >= 0], minlength=len(categories)) > 0
    if occurs.all():
        return codes, categories
    return (np.cumsum(occurs) - 1)[codes], categories[occurs]


def prune_crowds(keys: pd.DataFrame, rules: Mapping[str, KindRule]) -> pd.DataFrame:
    """Keys of the ruled kinds held by 2 to `max_accounts` accounts, as integer codes: acc
    (the account's code, given), kind (position in `rules`), key_code, holders; and key
    (the key itself, for the evidence)."""
    kind_code, kinds = coded(keys.key_kind)
    kind = pd.Index(list(rules)).get_indexer(kinds)[kind_code]
    key_code = coded(keys.key)[0].astype(np.int64)  # in place from here: millions of rows
    key_code *= len(rules) + 1
    key_code += kind
    key_code += 1
    holders = np.bincount(key_code)[key_code] if len(key_code) else key_code
    # Kinds without a rule (code -1) get the appended limit 0: dropped.
    limit = np.array([r.max_accounts for r in rules.values()] + [0])[kind]
    keep = (holders >= 2) & (holders <= limit)
    # `linkage_keys` applies the same limits: usually nothing to drop, nothing to copy.
    rows = slice(None) if keep.all() else np.flatnonzero(keep)
    return pd.DataFrame({
        "acc": keys.acc.to_numpy()[rows],
        "key": keys.key.iloc[rows].reset_index(drop=True),
        "kind": kind[rows],
        "holders": holders[rows],
        "key_code": _dense(key_code[rows]),
    }, copy=False)  # no consolidation of the integer columns into one block: a copy


def _dense(codes: np.ndarray) -> np.ndarray:
    """Codes renumbered 0..k-1 in their order through a lookup table: no hashing of
    millions of keys."""
    if len(codes) == 0:
        return codes
    present = np.zeros(int(codes.max()) + 1, dtype=np.int64)
    present[codes] = 1
    return (np.cumsum(present) - 1)[codes]


def _share(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    return np.divide(part, whole, out=np.zeros(len(whole)), where=whole > 0)


def _template_concentration(
    stats: pd.DataFrame, acc: np.ndarray, component: np.ndarray, group_requests: np.ndarray,
    bands: int, top: int,
) -> np.ndarray:
    """Per component: the best band's share of requests on its `top` commonest values
    (`acc`: each stats row's account code)."""
    requests = stats.requests.to_numpy(np.int64)
    # One entry per request (a stats row may hold several), so a value's count is the
    # length of its run once sorted: sorting integers is several times faster than hashing.
    comp = np.repeat(component[acc].astype(np.int64) << 32, requests)
    simhash = np.repeat(stats.prompt_simhash.to_numpy(np.int64), requests)
    best = np.zeros(len(group_requests))
    for band in lk.simhash_bands(simhash, bands):  # each band a new array: sorted in place
        band |= comp
        band.sort()
        starts, ends = runs(band)
        best = np.maximum(best, _top_sums(band[starts] >> 32, ends - starts, top, len(best)))
    return _share(best, group_requests)


def _top_sums(owner: np.ndarray, count: np.ndarray, top: int, n_owners: int) -> np.ndarray:
    """Per owner, the sum of its `top` largest counts (counts are whole numbers >= 1).

    Most values are seen once, and all counts of 1 are alike: only the larger counts need
    ranking; an owner with fewer than `top` of them adds as many 1s as it has left.
    """
    many = count >= 2
    o, c = owner[many], count[many]
    order = np.lexsort((-c, o))
    o, c = o[order], c[order]
    starts, ends = runs(o)
    first = ranks(ends - starts) < top
    ranked = np.bincount(o[first], c[first].astype(np.float64), minlength=n_owners)
    taken = np.bincount(o[first], minlength=n_owners)
    ones = np.bincount(owner[~many], minlength=n_owners)
    return ranked + np.minimum(top - taken, ones)


def _sync_share(
    stats: pd.DataFrame, acc: np.ndarray, component: np.ndarray, size: np.ndarray,
    requests: np.ndarray,
) -> np.ndarray:
    """Share of each account's requests in minutes when another member is active (`acc`:
    each stats row's account code)."""
    grouped = size[acc] >= 2
    acc, minute = acc[grouped], stats.minute.to_numpy(np.int64)[grouped]
    minute = minute - (minute.min() if len(minute) else 0)
    span = int(minute.max(initial=0)) + 1
    # Component x minutes with at least two distinct active members.
    active = distinct(acc.astype(np.int64) * span + minute)
    comp_minute = np.sort(component[active // span].astype(np.int64) * span + active % span)
    starts, ends = runs(comp_minute)
    together = comp_minute[starts[ends - starts >= 2]]
    synced = member_of(component[acc].astype(np.int64) * span + minute, together)
    weights = stats.requests.to_numpy(np.float64)[grouped][synced]
    return _share(np.bincount(acc[synced], weights, minlength=len(requests)), requests)


def _labeled_share(
    accounts: np.ndarray, component: np.ndarray, size: np.ndarray, labels: pd.DataFrame,
    day: dt.date,
) -> np.ndarray:
    """Share of the other members whose latest verdict by the end of `day` is distillation."""
    cutoff = pd.Timestamp(day + dt.timedelta(days=1))
    if labels.decided_at.dt.tz is not None:
        cutoff = cutoff.tz_localize("UTC")
    decided = labels[labels.decided_at < cutoff]
    latest = decided.sort_values(["decided_at", "case_id"]).drop_duplicates(
        "account_id", keep="last"
    )
    convicted = latest.account_id[latest.decision == "distillation"].to_numpy(object)
    own = pd.Series(accounts).isin(convicted).to_numpy(np.float64)
    others = np.bincount(component, own)[component] - own
    return _share(others, (size - 1).astype(np.float64))


def _campaign_ids(
    accounts: np.ndarray, component: np.ndarray, size: np.ndarray,
    previous: pd.DataFrame | None, day: dt.date,
) -> np.ndarray:
    """Campaign id per account (None when alone).

    A campaign takes the previous id it shares most members with; when several campaigns
    claim one previous id (a split), the largest overlap keeps it (ties: the campaign with
    the smallest member id). On a merge the merged group takes the id of its largest part.
    Every other campaign gets a new id from its smallest member id and the day.
    """
    grouped = np.flatnonzero(size >= 2)
    current = pd.DataFrame({"account_id": accounts[grouped], "comp": component[grouped]})
    first = current.groupby("comp").account_id.min()
    ids = pd.Series([_new_id(a, day) for a in first], index=first.index, dtype=object)
    if previous is not None:
        overlap = (
            current.merge(previous.dropna(subset=["campaign_id"]), on="account_id")
            .groupby(["comp", "campaign_id"]).size().rename("overlap").reset_index()
        )
        overlap["first"] = first.reindex(overlap.comp).to_numpy()
        best = overlap.sort_values(["overlap", "campaign_id"], ascending=[False, True])
        best = best.drop_duplicates("comp")
        kept = best.sort_values(["overlap", "first"], ascending=[False, True])
        kept = kept.drop_duplicates("campaign_id")
        ids.loc[kept.comp.to_numpy()] = kept.campaign_id.to_numpy()
    out = np.full(len(accounts), None, dtype=object)
    out[grouped] = ids.reindex(component[grouped]).to_numpy()
    return out


def _new_id(first_member: str, day: dt.date) -> str:
    return "cmp-" + hashlib.sha256(f"{first_member}|{day.isoformat()}".encode()).hexdigest()[:16]


def _campaign_rows(members: pd.DataFrame, kept: pd.DataFrame, kinds: list[str]) -> pd.DataFrame:
    """One row per campaign: campaign_id, n_accounts, requests, evidence, account_ids."""
    grouped = members[members.campaign_id.notna()]
    rows = grouped.groupby("campaign_id").agg(
        n_accounts=("account_id", "size"),
        requests=("campaign_requests", "first"),
        account_ids=("account_id", list),
    )
    # Every campaign has evidence: its links come from keys its members share.
    rows["evidence"] = _evidence(kept, members.campaign_id.to_numpy(), kinds)
    return rows.reset_index()[["campaign_id", "n_accounts", "requests", "evidence", "account_ids"]]


def _evidence(kept: pd.DataFrame, campaign_of: np.ndarray, kinds: list[str]) -> pd.Series:
    """Sentences per campaign id, the most widely shared trace first."""
    campaign, names = pd.factorize(campaign_of)  # per account; -1 when alone
    acc, key, kind = (kept[c].to_numpy() for c in ("acc", "key_code", "kind"))
    rows = np.flatnonzero(campaign[acc] >= 0)
    # Keys held by at least two members of the campaign: runs of campaign x key, one row
    # per member (rows are distinct account x key).
    n_keys, n_kinds, n = int(key.max(initial=0)) + 1, len(kinds), len(campaign)
    camp_key = campaign[acc[rows]].astype(np.int64) * n_keys + key[rows]
    order = np.argsort(camp_key)
    starts, ends = runs(camp_key[order])
    shared = ends - starts >= 2
    first = rows[order[starts[shared]]]  # a row of each shared campaign x key
    rows = rows[order[np.repeat(shared, ends - starts)]]
    # Per campaign x kind: distinct members and distinct units (`_units`).
    group, accounts = _counted(distinct(
        (campaign[acc[rows]].astype(np.int64) * n_kinds + kind[rows]) * n + acc[rows]) // n)
    unit = _units(kept.key.iloc[first], kind[first], kinds)
    n_units = int(unit.max(initial=0)) + 1
    _, units = _counted(distinct(
        (campaign[acc[first]].astype(np.int64) * n_kinds + kind[first]) * n_units + unit) // n_units)
    camp, kind = np.divmod(group, n_kinds)
    order = np.lexsort((kind, -accounts, camp))
    text = [
        EVIDENCE[kinds[k]].format(
            accounts=a, units=u, s="" if u == 1 else "s", es="" if u == 1 else "es"
        )
        for k, a, u in zip(kind[order], accounts[order], units[order])
    ]
    campaign_id = np.asarray(names, dtype=object)[camp[order]]
    return pd.Series(text, index=campaign_id).groupby(level=0, sort=False).agg(list)


def _units(key: pd.Series, kind: np.ndarray, kinds: list[str]) -> np.ndarray:
    """Code of what each key counts as evidence: the key, or for a windowed kind its unit
    (before the `|`). Codes of keys and units of different kinds may coincide: they are
    only compared within a kind."""
    windowed = np.isin(kind, [kinds.index(k) for k in _WINDOWED if k in kinds])
    text = key.to_numpy(object)
    return pd.factorize(np.array(
        [t.partition("|")[0] if w else t for t, w in zip(text, windowed)], dtype=object))[0]
