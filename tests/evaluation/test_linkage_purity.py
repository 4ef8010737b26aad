"""The linkage purity benchmark on a hand-made day whose culprits are known.

Distillers d1..d8 share payment P (a hydra). Legitimate accounts reach it:
- L1 shares 3 synchronized minutes and a sign-up client with d1 (the pair rule: network
  + client);
- L2 shares an address range and a template with d2 (the pair rule: network + template);
- L3 shares the same with d3, and payment Q with L4 and L5, who are glued only through L3;
- L6 is alone but holds the hydra's template T2 (d1..d4) and range R2 (d5..d8): loner
  attachment puts it in.
Apart, customers L7..L9 share payment S, and d9 shares the same with L7: a customers'
campaign holding one distiller.
So the hydra's campaign holds 8 distillers and 6 legitimate accounts; without sync_minute (or
without sign-up clients) L1, L3, L4, L5 leave it; without templates L2 and L6; without
attachment L6.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from benchmarks.linkage_purity import measure_day
from config.settings import LinkageSettings
from features import campaigns as cp
from features import linkage as lk

DISTILLERS = [f"d{i}" for i in range(1, 10)]
LEGITIMATE = [f"L{i}" for i in range(1, 10)]
HYDRA = DISTILLERS[:8]


def keys() -> pd.DataFrame:
    shared = [(lk.PAYMENT, "P", HYDRA), (lk.PAYMENT, "Q", ["L3", "L4", "L5"]),
              (lk.PAYMENT, "S", ["L7", "L8", "L9"]),
              (lk.ADDRESS_RANGE, "R", ["L2", "d2"]), (lk.TEMPLATE, "T", ["L2", "d2"]),
              (lk.TEMPLATE, "T2", HYDRA[:4] + ["L6"]),
              (lk.ADDRESS_RANGE, "R2", HYDRA[4:] + ["L6"])]
    for pair in (["L1", "d1"], ["L3", "d3"], ["L7", "d9"]):
        shared += [(lk.SYNC_MINUTE, f"m{i}|{pair[0]}", pair) for i in range(3)]
        shared.append((lk.SIGNUP_CLIENT, f"client-{pair[0]}", pair))
    rows = [(a, kind, key) for kind, key, holders in shared for a in holders]
    return pd.DataFrame(rows, columns=["account_id", "key_kind", "key"])


def stored_members() -> pd.DataFrame:
    """What the walk would have stored: `build_campaigns` on these keys."""
    stats = pd.DataFrame({"account_id": DISTILLERS + LEGITIMATE, "minute": 0, "prompt_simhash": 0,
                          "requests": 1, "cot_requests": 0})
    labels = pd.DataFrame({"case_id": [], "account_id": [], "decided_at": pd.to_datetime([], utc=True),
                           "decision": []})
    return cp.build_campaigns(keys(), stats, labels, None, dt.date(2026, 3, 5)).members


TRUTH = pd.DataFrame({"account_id": DISTILLERS + LEGITIMATE,
                      "is_distiller": [True] * 9 + [False] * 9,
                      "archetype": ["hydra"] * 9 + ["corporate", "researcher", "corporate",
                                                    "corporate", "power_user", "researcher"]
                      + ["app_backend"] * 3})


def test_culprit_links_and_ablations():
    day = measure_day(keys(), stored_members(), TRUTH, LinkageSettings(), top=2)
    assert day["rebuild_matches_stored"]
    assert day["legitimate_in_distiller_majority"] == 6
    largest, customers = day["purity"]["largest"]
    assert largest["members"] == 14
    assert largest["legitimate_archetypes"] == {"corporate": 3, "researcher": 2, "power_user": 1}
    assert customers["members"] == 4 and customers["legitimate_share"] == 0.75
    assert day["edges"]["pair"] == {
        "network+signup_client": {"links": 3, "legitimate_accounts": 3, "in_distiller_majority": 2,
                        "archetypes": {"corporate": 2, "app_backend": 1}},
        "network+template": {"links": 1, "legitimate_accounts": 1, "in_distiller_majority": 1,
                             "archetypes": {"researcher": 1}},
    }
    assert day["edges"]["wide_lift"] == {} and day["edges"]["alone_wide"] == {}
    assert day["attached"] == {"legitimate": 1, "distillers": 0}
    ablations = day["ablations"]
    assert ablations["without sync_minute"]["legitimate_freed"] == 4
    assert ablations["without sync_minute"]["freed_archetypes"] == {"corporate": 3, "power_user": 1}
    assert ablations["without sync_minute"]["distillers_lost"] == 0
    assert ablations["without signup_client"]["legitimate_freed"] == 4
    assert ablations["address_range never alone"]["legitimate_freed"] == 0
    assert ablations["without template"]["legitimate_freed"] == 2
    assert ablations["without attach"]["legitimate_freed"] == 1
    assert ablations["without payment"]["legitimate_freed"] == 6
    assert ablations["without payment"]["distillers_lost"] == 8


def test_rebuild_check_fails_on_other_groups():
    members = stored_members()
    members.loc[members.account_id == "L2", "campaign_id"] = None
    assert not measure_day(keys(), members, TRUTH, LinkageSettings(), top=1)["rebuild_matches_stored"]
