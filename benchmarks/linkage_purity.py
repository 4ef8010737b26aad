"""Linkage purity: which linkage rules and key kinds glue legitimate accounts onto distillers.

    python -m benchmarks.linkage_purity --raw RAW_ROOT --out OUT_ROOT [--day D [D ...]] [--top 5]

Reads a finished walk's stored `linkage_keys` and `campaign_members` (warehouse) and the
simulator's `_truth/`, and per day (or per `--day`):
1. purity: campaigns by size band with the legitimate share of their members; the largest
   campaigns with the archetypes of their legitimate members;
2. culprits, on the day's components rebuilt with `features.campaigns` (checked: the
   rebuild must give the stored campaigns' groups, else the culprits describe another graph):
   - edges: each link between a legitimate and a distiller account, by the source that
     made it (`link_sources`: pair rule, wide key strong alone, wide-key lift) and the
     smallest sets of key families whose keys alone still make it (one family: an
     `alone_at` kind; two: the pair rule or the lift test on those two); loners attached
     by `attach_loners` are counted apart;
   - ablations: the day rebuilt without one source, without loner attachment, without
     one key kind, or with one kind's `alone_at` off (attachment re-run on the rest):
     legitimate accounts that leave distiller-majority campaigns (the ones glued only
     through it) and distillers that leave them.
Linkage settings are the shipped defaults, as in the walk they must match (the check says).
The JSON lands in `benchmarks/results/linkage_purity_<preset>_seed<N>.json`.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from dataclasses import replace
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd

from benchmarks.harness import save_and_print, walk_parser
from config.settings import LinkageSettings
from features.campaigns import (
    DEFAULT_RULES, KindRule, account_codes, link_sources, linked_components, prune_crowds,
)
from features.linkgraph import components

SIZE_BANDS = ((2, 2), (3, 5), (6, 20), (21, 100), (101, 1000), (1001, None))
SOURCES = ("pair", "alone_wide", "wide_lift")
# Families of key kinds, as the pair rule counts lines of evidence.
FAMILY = {kind: rule.family or kind for kind, rule in DEFAULT_RULES.items()}


def rebuild(keys: pd.DataFrame, accounts_active: pd.Series, settings: LinkageSettings):
    """The day's kept keys (`prune_crowds`), accounts and a function giving the components
    with some sources or kinds left out or other `rules`, as `build_campaigns` links them."""
    (_, keys_acc), accounts = account_codes(accounts_active, keys.account_id)
    kept = prune_crowds(keys.assign(acc=keys_acc), DEFAULT_RULES)
    args = (len(accounts), DEFAULT_RULES, settings.narrow_accounts, settings.min_lift,
            settings.min_co_holders)

    def component(without: tuple[str, ...] = (), kinds: tuple[str, ...] = (),
                  rules: Mapping[str, KindRule] = DEFAULT_RULES) -> np.ndarray:
        return linked_components(without_kinds(kept, kinds), args[0], rules, *args[2:],
                                 settings.attach_kinds, settings.trace_share, without)

    return kept, accounts, args, component


def without_kinds(kept: pd.DataFrame, kinds: tuple[str, ...]) -> pd.DataFrame:
    """`kept` without the keys of `kinds` (a key's rows go together, so holder counts hold)."""
    if not kinds:
        return kept
    codes = [list(DEFAULT_RULES).index(k) for k in kinds]
    return kept[~np.isin(kept.kind.to_numpy(), codes)]


def same_groups(accounts: np.ndarray, component: np.ndarray, members: pd.DataFrame) -> bool:
    """Whether the rebuilt components of two or more accounts are the stored campaigns."""
    size = np.bincount(component)[component]
    rebuilt = pd.Series(accounts[size >= 2]).groupby(component[size >= 2]).agg(frozenset)
    stored = members.dropna(subset=["campaign_id"]).groupby("campaign_id").account_id.agg(frozenset)
    return set(rebuilt) == set(stored)


def majority(component: np.ndarray, is_distiller: np.ndarray) -> np.ndarray:
    """Accounts in a campaign (component of 2+) whose members are mostly distillers."""
    size = np.bincount(component)
    distillers = np.bincount(component, is_distiller.astype(np.float64), minlength=len(size))
    return ((size >= 2) & (distillers > size / 2))[component]


def purity(component: np.ndarray, is_distiller: np.ndarray, archetype: np.ndarray,
           top: int) -> dict:
    """Campaigns by size band with their legitimate share, and the `top` largest."""
    size = np.bincount(component)
    legit = np.bincount(component, (~is_distiller).astype(np.float64), minlength=len(size))
    bands = []
    for low, high in SIZE_BANDS:
        inside = (size >= low) & (size <= (high or size.max(initial=0)))
        members, legitimate = int(size[inside].sum()), int(legit[inside].sum())
        bands.append({"band": f"{low}-{high}" if high else f"{low}+", "campaigns": int(inside.sum()),
                      "members": members, "legitimate": legitimate,
                      "legitimate_share": legitimate / members if members else None})
    largest = []
    for comp in np.argsort(-size, kind="stable")[:top]:
        if size[comp] < 2:
            break
        inside = component == comp
        largest.append({"members": int(size[comp]), "legitimate": int(legit[comp]),
                        "legitimate_share": float(legit[comp] / size[comp]),
                        "legitimate_archetypes": counts(archetype[inside & ~is_distiller]),
                        "distiller_archetypes": counts(archetype[inside & is_distiller])})
    return {"bands": bands, "largest": largest}


def justifications(kept: pd.DataFrame, args: tuple, lo: np.ndarray, hi: np.ndarray,
                   source: str) -> np.ndarray:
    """Per link (lo, hi) of `source`: the key families whose keys alone make that source
    link the two accounts, e.g. "payment", else the pairs of families that do, e.g.
    "network+template" ("|" between alternatives). A pair link is looked up as such; a star
    source (one hub per group) counts when the two fall in one component of its links."""
    names = list(dict.fromkeys(FAMILY.values()))
    found = np.full(len(lo), "", dtype=object)
    alone = np.zeros(len(lo), bool)
    for subset in [(f,) for f in names] + list(itertools.combinations(names, 2)):
        kinds = tuple(k for k in DEFAULT_RULES if FAMILY[k] not in subset)
        sub_lo, sub_hi = link_sources(without_kinds(kept, kinds), *args)[source]
        if source == "pair":
            made = np.isin(lo.astype(np.int64) * args[0] + hi, sub_lo.astype(np.int64) * args[0] + sub_hi)
        else:
            comp = components(args[0], sub_lo, sub_hi)
            made = comp[lo] == comp[hi]
        if len(subset) == 1:
            alone |= made
        else:
            made &= ~alone  # a family that makes it alone is the smaller set
        label = "+".join(subset)
        found[made] = [f"{f}|{label}" if f else label for f in found[made]]
    return found


def edge_culprits(kept: pd.DataFrame, args: tuple, is_distiller: np.ndarray,
                  archetype: np.ndarray, glued: np.ndarray) -> dict:
    """Links between a legitimate and a distiller account, per source and per the smallest
    family sets that make them; with the legitimate accounts they touch (by archetype, and
    how many sit in distiller-majority campaigns, `glued`: the rest are in customers'
    campaigns that hold a few distillers)."""
    out = {}
    for source, (lo, hi) in link_sources(kept, *args).items():
        mixed = is_distiller[lo] != is_distiller[hi]
        lo, hi = lo[mixed], hi[mixed]
        legit = np.where(is_distiller[lo], hi, lo)
        table = pd.DataFrame({"by": justifications(kept, args, lo, hi, source), "legit": legit})
        out[source] = {by: {"links": len(rows), "legitimate_accounts": int(rows.legit.nunique()),
                            "in_distiller_majority": int(glued[rows.legit.unique()].sum()),
                            "archetypes": counts(archetype[rows.legit.unique()])}
                       for by, rows in table.groupby("by")}
    return out


def attached(component, before: np.ndarray, is_distiller: np.ndarray) -> dict:
    """Lone accounts that `attach_loners` put into a distiller-majority campaign."""
    joined = (np.bincount(before)[before] == 1) & majority(component, is_distiller)
    return {"legitimate": int((joined & ~is_distiller).sum()),
            "distillers": int((joined & is_distiller).sum())}


def counts(values: np.ndarray) -> dict[str, int]:
    return {k: int(v) for k, v in pd.Series(values, dtype=object).value_counts().items()}


def ablation(full: np.ndarray, reduced: np.ndarray, is_distiller: np.ndarray,
             archetype: np.ndarray) -> dict:
    """What leaving something out changes in distiller-majority campaigns."""
    was, now = majority(full, is_distiller), majority(reduced, is_distiller)
    size = np.bincount(reduced)
    biggest = int(np.argmax(size))
    return {"legitimate_freed": int((was & ~now & ~is_distiller).sum()),
            "freed_archetypes": counts(archetype[was & ~now & ~is_distiller]),
            "legitimate_added": int((~was & now & ~is_distiller).sum()),
            "distillers_lost": int((was & ~now & is_distiller).sum()),
            "distillers_added": int((~was & now & is_distiller).sum()),
            "largest": int(size[biggest]),
            "largest_legitimate_share": float((~is_distiller[reduced == biggest]).mean())}


def measure_day(keys: pd.DataFrame, members: pd.DataFrame, truth: pd.DataFrame,
                settings: LinkageSettings, top: int) -> dict:
    """Purity and culprits of one day (keys: account_id, key_kind, key; members: the stored
    campaign_members; truth: account_id, is_distiller, archetype)."""
    kept, accounts, args, component = rebuild(keys, members.account_id, settings)
    full = component()
    known = truth.set_index("account_id").reindex(accounts)
    is_distiller = known.is_distiller.fillna(False).to_numpy(bool)
    archetype = known.archetype.fillna("unknown").to_numpy(object)
    glued = majority(full, is_distiller)
    variants = {f"without {s}": component(without=(s,)) for s in (*SOURCES, "attach")}
    variants |= {f"without {k}": component(kinds=(k,)) for k in DEFAULT_RULES}
    variants["without network family"] = component(
        kinds=tuple(k for k in DEFAULT_RULES if FAMILY[k] == "network"))
    variants |= {f"{k} never alone": component(rules={**DEFAULT_RULES, k: replace(r, alone_at=None)})
                 for k, r in DEFAULT_RULES.items() if r.alone_at}
    return {
        "rebuild_matches_stored": same_groups(accounts, full, members),
        "accounts": len(accounts), "without_truth": int(known.is_distiller.isna().sum()),
        "legitimate_in_distiller_majority": int((glued & ~is_distiller).sum()),
        "distillers_in_distiller_majority": int((glued & is_distiller).sum()),
        "distillers": int(is_distiller.sum()),
        "purity": purity(full, is_distiller, archetype, top),
        "edges": edge_culprits(kept, args, is_distiller, archetype, glued),
        "attached": attached(full, component(without=("attach",)), is_distiller),
        "ablations": {name: ablation(full, reduced, is_distiller, archetype)
                      for name, reduced in variants.items()},
    }


def measure(raw_root: Path, out_root: Path, days: list[dt.date] | None, top: int) -> dict:
    """Every day with stored campaign_members (or `days`) of the walk in `out_root`."""
    truth = pd.read_parquet(raw_root / "_truth" / "accounts_truth.parquet",
                            columns=["account_id", "is_distiller", "archetype"])
    world = json.loads((raw_root / "_truth" / "world.json").read_text())
    warehouse = out_root / "warehouse"
    names = ([d.isoformat() for d in days] if days else
             sorted(p.name.split("=", 1)[1] for p in (warehouse / "campaign_members").glob("date=*")))
    settings = LinkageSettings()
    result = {name: measure_day(pd.read_parquet(warehouse / "linkage_keys" / f"date={name}"),
                                pd.read_parquet(warehouse / "campaign_members" / f"date={name}"),
                                truth, settings, top)
              for name in names}
    return {"preset": world["preset"], "seed": world["seed"], "raw": str(raw_root),
            "out": str(out_root), "settings": vars(settings), "days": result}


def format_table(result: dict) -> str:
    """Per day: the rebuild check, purity by band, the largest campaigns, the culprits."""
    lines = []
    for name, d in result["days"].items():
        lines.append(f"== {name}: rebuild matches stored: {d['rebuild_matches_stored']}; "
                     f"distiller-majority campaigns hold {d['distillers_in_distiller_majority']} of "
                     f"{d['distillers']} distillers and {d['legitimate_in_distiller_majority']} legitimate")
        lines.append(f"{'band':>9} {'camps':>6} {'members':>8} {'legit%':>7}")
        for b in d["purity"]["bands"]:
            share = "    n/a" if b["legitimate_share"] is None else f"{b['legitimate_share'] * 100:6.1f}%"
            lines.append(f"{b['band']:>9} {b['campaigns']:>6} {b['members']:>8} {share}")
        for c in d["purity"]["largest"]:
            kinds = ", ".join(f"{k} {v}" for k, v in c["legitimate_archetypes"].items())
            lines.append(f"  campaign of {c['members']}: {c['legitimate_share'] * 100:.1f}% "
                         f"legitimate ({kinds})")
        lines.append("legitimate-distiller links: source, families that make them: links "
                     "(legitimate accounts, of which in distiller-majority campaigns)")
        for source, rows in d["edges"].items():
            for by, r in sorted(rows.items(), key=lambda item: -item[1]["links"]):
                lines.append(f"  {source:<10} {by:<40} {r['links']:>6} ({r['legitimate_accounts']}, "
                             f"{r['in_distiller_majority']})")
        lines.append(f"  attach     loners into distiller-majority campaigns: "
                     f"{d['attached']['legitimate']} legitimate, {d['attached']['distillers']} distillers")
        lines.append(f"{'rebuilt':<32} {'legit freed':>11} {'added':>6} {'dist lost':>9} {'added':>6} "
                     f"{'largest':>7} {'legit%':>6}")
        for variant, a in d["ablations"].items():
            lines.append(f"{variant:<32} {a['legitimate_freed']:>11} {a['legitimate_added']:>6} "
                         f"{a['distillers_lost']:>9} {a['distillers_added']:>6} {a['largest']:>7} "
                         f"{a['largest_legitimate_share'] * 100:5.1f}%")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = walk_parser(__doc__)
    parser.add_argument("--day", type=dt.date.fromisoformat, nargs="+",
                        help="days to measure (default: every stored day)")
    parser.add_argument("--top", type=int, default=5, help="largest campaigns to describe")
    args = parser.parse_args(argv)
    result = measure(args.raw, args.out, args.day, args.top)
    save_and_print("linkage_purity", result, args.label, format_table(result))


if __name__ == "__main__":
    main()
