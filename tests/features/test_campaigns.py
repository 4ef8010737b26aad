"""Campaigns on hand-made keys and stats with known answers."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import pyarrow as pa
import pytest

from features import campaigns as cp
from features import linkage as lk

DAY = dt.date(2026, 11, 29)
MINUTE0 = 29_932_440  # 2026-11-29 10:00 UTC in minutes since the epoch


def keys_frame(*shared: tuple[str, str, str]) -> pd.DataFrame:
    """Rows from (kind, key, "holder holder …")."""
    rows = [(a, kind, key) for kind, key, holders in shared for a in holders.split()]
    return pd.DataFrame(rows, columns=["account_id", "key_kind", "key"])


def stats_frame(*rows: tuple) -> pd.DataFrame:
    """Rows (account_id, minute offset, simhash, requests, cot_requests)."""
    columns = ["account_id", "minute", "prompt_simhash", "requests", "cot_requests"]
    df = pd.DataFrame(rows, columns=columns)
    return df.assign(minute=df.minute + MINUTE0)


def active(*accounts: str) -> pd.DataFrame:
    """One request each, in different minutes, on different prompts."""
    return stats_frame(*((a, i, i, 1, 0) for i, a in enumerate(accounts)))


NO_LABELS = pd.DataFrame(
    {"case_id": [], "account_id": [], "opened_at": pd.to_datetime([], utc=True),
     "decided_at": pd.to_datetime([], utc=True), "decision": [], "source": []}
)


def build(keys, stats, labels=NO_LABELS, previous=None, day=DAY, **kwargs) -> cp.CampaignsDay:
    return cp.build_campaigns(keys, stats, labels, previous, day, **kwargs)


def groups(result: cp.CampaignsDay) -> set[frozenset[str]]:
    members = result.members.dropna(subset=["campaign_id"])
    return {frozenset(g) for g in members.groupby("campaign_id").account_id.agg(set)}


def id_of(result: cp.CampaignsDay, account_id: str):
    return result.members.set_index("account_id").campaign_id[account_id]


def test_one_row_per_active_account_and_lone_accounts_have_no_campaign():
    keys = keys_frame((lk.PAYMENT, "P", "a b"))
    result = build(keys, active("a", "b", "c"))
    members = result.members.set_index("account_id")
    assert list(result.members.columns) == cp.MEMBER_COLUMNS
    assert sorted(members.index) == ["a", "b", "c"]
    assert members.campaign_size.to_dict() == {"a": 2, "b": 2, "c": 1}
    assert pd.isna(members.campaign_id["c"])
    assert members.campaign_id["a"] == members.campaign_id["b"]


def test_a_payment_instrument_links_alone_a_client_string_does_not():
    keys = keys_frame((lk.PAYMENT, "P", "a b"), (lk.SIGNUP_CLIENT, "curl/8", "c d"))
    assert groups(build(keys, active(*"abcd"))) == {frozenset("ab")}


def test_two_kinds_of_trace_link_a_pair():
    keys = keys_frame((lk.SIGNUP_CLIENT, "curl/8", "a b c"), (lk.TEMPLATE, "0:17", "a b"))
    assert groups(build(keys, active(*"abc"))) == {frozenset("ab")}


def test_neighbours_on_one_range_are_one_line_of_evidence_not_two():
    keys = keys_frame(
        (lk.ADDRESS_RANGE, "R", "a b c d"),
        (lk.SIGNUP_ADDRESS, "range|R", "a b c d"),  # same network, seen at sign-up
        (lk.SIGNUP_CLIENT, "curl/8", "c d"),
    )
    assert groups(build(keys, active(*"abcd"))) == {frozenset("cd")}


@pytest.mark.parametrize(
    "shared_minutes, with_client, linked",
    [(2, True, False), (3, True, True), (10, False, False), (60, False, False)],
)
def test_synchronized_minutes_count_only_when_repeated_and_never_alone(
    shared_minutes, with_client, linked
):
    sync = [(lk.SYNC_MINUTE, f"{MINUTE0 + m}|7", "a b") for m in range(shared_minutes)]
    client = [(lk.SIGNUP_CLIENT, "curl/8", "a b")] if with_client else []
    result = build(keys_frame(*sync, *client), active("a", "b"))
    assert (groups(result) == {frozenset("ab")}) is linked


def test_synchronized_minutes_and_a_shared_range_are_one_network_trace():
    """A synchronized minute is a minute x ASN: with a shared range it is the network twice."""
    sync = [(lk.SYNC_MINUTE, f"{MINUTE0 + m}|7", "a b") for m in range(5)]
    keys = keys_frame(*sync, (lk.ADDRESS_RANGE, "R", "a b"))
    assert groups(build(keys, active("a", "b"))) == set()


def crowd_world():
    """Two unrelated pairs (each sharing a card) and 60 strangers, all behind one big
    address range and one popular client; 2,000 more accounts are active elsewhere."""
    strangers = " ".join(f"s{i:02d}" for i in range(60))
    everyone = f"a1 a2 b1 b2 {strangers}"
    keys = keys_frame(
        (lk.PAYMENT, "PA", "a1 a2"),
        (lk.PAYMENT, "PB", "b1 b2"),
        (lk.ADDRESS_RANGE, "ISP", everyone),
        (lk.SIGNUP_CLIENT, "browser", everyone),
    )
    stats = active(*everyone.split(), *(f"z{i:04d}" for i in range(2000)))
    return keys, stats


def test_crowd_keys_do_not_glue_strangers_together():
    keys, stats = crowd_world()
    rules = {k: dataclasses.replace(r, max_accounts=50) for k, r in cp.DEFAULT_RULES.items()}
    pairs = {frozenset({"a1", "a2"}), frozenset({"b1", "b2"})}
    assert groups(build(keys, stats, rules=rules)) == pairs


def test_without_pruning_the_same_crowd_keys_merge_everyone():
    keys, stats = crowd_world()
    rules = {k: dataclasses.replace(r, max_accounts=10_000) for k, r in cp.DEFAULT_RULES.items()}
    (merged,) = groups(build(keys, stats, rules=rules))
    assert {"a1", "a2", "b1", "b2"} <= merged and len(merged) == 64


def test_a_wide_template_links_holders_sharing_another_trace_beyond_chance():
    hydra = [f"h{i:02d}" for i in range(80)]
    strangers = [f"s{i:03d}" for i in range(300)]
    keys = keys_frame(
        (lk.TEMPLATE, "0:99", " ".join(hydra)),  # wide: 80 holders
        *((lk.ADDRESS_RANGE, f"proxy{j}", " ".join(hydra[j::4])) for j in range(4)),
        # A popular client of 300 strangers, 3 of them on the hydra template by chance.
        (lk.SIGNUP_CLIENT, "browser", " ".join(strangers[:297] + hydra[:3])),
    )
    stats = active(*hydra, *strangers, *(f"z{i:04d}" for i in range(3000)))
    assert groups(build(keys, stats)) == {frozenset(hydra[j::4]) for j in range(4)}


@pytest.mark.parametrize("range_holders, attach_kinds, joins", [
    ("c e g h d", 2, True),  # 4 of the range's 5 holders are members: two kinds of its traces
    ("c e g h d", 3, False),  # two kinds are not enough when three are asked for
    ("c e g h d x y z", 2, False),  # a range half held by strangers is nobody's trace
])
def test_a_lone_account_holding_two_kinds_of_a_campaign_trace_joins_it(range_holders, attach_kinds, joins):
    # d shares the template with a, b, i and j, the range with c, e, g and h: no single
    # partner shares two kinds of trace with it, so the pair rule leaves it alone.
    keys = keys_frame((lk.PAYMENT, "P", "a b c e g h i j"), (lk.TEMPLATE, "0:17", "a b i j d"),
                      (lk.ADDRESS_RANGE, "R", range_holders))
    result = build(keys, active(*"abcdeghijxyz"), attach_kinds=attach_kinds, trace_share=0.8)
    campaign = set("abceghij") | ({"d"} if joins else set())
    assert groups(result) == {frozenset(campaign)}


def test_new_campaign_ids_are_deterministic_and_order_free():
    keys = keys_frame((lk.PAYMENT, "P", "b a"))
    first = build(keys, active("a", "b"))
    again = build(keys.iloc[::-1], active("b", "a"))
    assert id_of(first, "a") == id_of(again, "a")
    other_day = build(keys, active("a", "b"), day=DAY + dt.timedelta(days=1))
    assert id_of(other_day, "a") != id_of(first, "a")


def previous(**campaigns: str) -> pd.DataFrame:
    rows = [(a, cid) for cid, members in campaigns.items() for a in members.split()]
    return pd.DataFrame(rows, columns=["account_id", "campaign_id"])


def test_on_a_split_the_largest_part_keeps_the_id():
    keys = keys_frame((lk.PAYMENT, "P1", "a b c"), (lk.PAYMENT, "P2", "d e"))
    result = build(keys, active(*"abcde"), previous=previous(X="a b c d e"))
    assert id_of(result, "a") == "X"
    assert id_of(result, "d") not in ("X", None)


def test_on_a_merge_the_largest_part_gives_its_id():
    keys = keys_frame((lk.PAYMENT, "P", "a b c d e"))
    result = build(keys, active(*"abcde"), previous=previous(Y="d e", X="a b c"))
    assert set(result.members.campaign_id) == {"X"}


def test_an_overlap_tie_goes_to_the_campaign_with_the_smallest_member():
    keys = keys_frame((lk.PAYMENT, "P1", "b d"), (lk.PAYMENT, "P2", "a c"))
    result = build(keys, active(*"abcd"), previous=previous(X="a b"))
    assert id_of(result, "a") == "X"
    assert id_of(result, "b") != "X"


def label(account_id: str, decided_at: str, decision: str = "distillation") -> dict:
    return dict(case_id=f"case-{account_id}", account_id=account_id,
                opened_at=pd.Timestamp("2026-11-01", tz="UTC"),
                decided_at=pd.Timestamp(decided_at, tz="UTC"), decision=decision,
                source="manual_review")


def test_labeled_share_counts_other_members_verdicts_decided_by_the_day():
    keys = keys_frame((lk.PAYMENT, "P", "a b c d"))
    labels = pd.DataFrame([
        label("a", "2026-11-29 23:59:59"),  # decided on the day: counts
        label("b", "2026-11-30 00:00:00"),  # decided later: must not count
        label("c", "2026-11-10", "benign"),
        label("lone", "2026-11-10"),
    ])
    result = build(keys, active(*"abcd", "lone"), labels)
    share = result.members.set_index("account_id").campaign_labeled_share
    assert share.to_dict() == {"a": 0.0, "b": 1 / 3, "c": 1 / 3, "d": 1 / 3, "lone": 0.0}


def test_a_later_benign_verdict_overturns_an_earlier_one():
    keys = keys_frame((lk.PAYMENT, "P", "a b"))
    labels = pd.DataFrame([label("a", "2026-11-10"), label("a", "2026-11-20", "benign")])
    labels.loc[1, "case_id"] = "case-a-appeal"
    share = build(keys, active("a", "b"), labels).members.set_index("account_id")
    assert share.campaign_labeled_share["b"] == 0.0


def test_group_volume_cot_templates_and_synchronized_minutes():
    keys = keys_frame((lk.PAYMENT, "P", "a b"))
    template, variant = 0x0123_4567_89AB_CDEF, 0x0123_4567_89AB_CDEE  # 1 bit apart
    stats = stats_frame(
        ("a", 0, template, 3, 3),  # minute 0: a and b together
        ("b", 0, variant, 1, 0),
        ("a", 5, template, 2, 0),  # minute 5: a alone
        ("b", 9, 1 << 40, 2, 1),  # another prompt
        ("b", 9, 2 << 40, 1, 0),
        ("b", 9, 3 << 40, 1, 0),
        ("c", 0, template, 4, 4),  # lone account
    )
    m = build(keys, stats, top_templates=1).members.set_index("account_id")
    assert m.campaign_requests.to_dict() == {"a": 10, "b": 10, "c": 4}
    assert m.campaign_cot_share["a"] == pytest.approx(4 / 10)
    # The template and its variant share 3 of 4 bands: 6 of the group's 10 requests.
    assert m.campaign_template_concentration["a"] == pytest.approx(6 / 10)
    assert m.campaign_sync_share.to_dict() == {"a": 3 / 5, "b": 1 / 5, "c": 0.0}
    assert m.campaign_template_concentration["c"] == 1.0


def test_evidence_says_what_links_the_accounts():
    keys = keys_frame(
        (lk.PAYMENT, "P1", "a b c"),
        (lk.PAYMENT, "P2", "d e"),
        (lk.CARD_BIN_SIGNUP, "411111|20000", "a b c d"),
        (lk.CARD_BIN_SIGNUP, "411111|h20000", "a b c d"),
        (lk.ADDRESS_RANGE, "R1", "a e"),
        (lk.TEMPLATE, "0:5", "a b c d e"),
        (lk.TEMPLATE, "1:9", "a b c d e"),
        (lk.SYNC_MINUTE, f"{MINUTE0}|7", "a b"),
        (lk.SYNC_MINUTE, f"{MINUTE0 + 1}|7", "a b"),
        (lk.SYNC_MINUTE, f"{MINUTE0 + 1}|8", "c d"),
        (lk.SIGNUP_CLIENT, "curl/8", "x y"),  # not in the campaign
    )
    result = build(keys, active(*"abcdexy"))
    (row,) = result.campaigns.itertuples()
    assert row.n_accounts == 5 and sorted(row.account_ids) == list("abcde")
    assert row.evidence == [
        "5 accounts share 2 payment instruments",  # ties: in the order of the rules
        "5 accounts share near-identical prompt templates",
        "4 accounts signed up within a day of each other with cards of 1 BIN",
        "4 accounts active in the same minutes on 2 occasions",
        "2 accounts share 1 address range",
    ]


def test_summary_has_the_published_columns_and_scores_the_group():
    keys = keys_frame((lk.PAYMENT, "P", " ".join(f"a{i}" for i in range(10))))
    result = build(keys, active(*(f"a{i}" for i in range(10))))
    scores = pd.DataFrame({
        "account_id": [f"a{i}" for i in range(10)],
        "risk_score": [0.0] * 8 + [0.9, 1.0],
        "risk_tier": ["none"] * 7 + ["monitor", "verify", "suspend_review"],
    })
    summary = cp.summarize_campaigns(result.campaigns, scores, DAY)
    assert list(summary.columns) == ["score_date", "campaign_id", "n_accounts", "n_flagged",
                                     "requests", "risk_score", "evidence"]
    assert summary.dtypes[["n_accounts", "n_flagged", "requests"]].eq("int64").all()
    (row,) = summary.itertuples()
    assert row.score_date == DAY and row.n_accounts == 10 and row.requests == 10
    assert row.n_flagged == 2
    assert row.risk_score == pytest.approx(0.91)  # 0.9 quantile of 8 x 0.0, 0.9, 1.0
    assert row.evidence == ["10 accounts share 1 payment instrument"]


def test_a_day_without_shared_keys_has_no_campaigns():
    keys = keys_frame()
    result = build(keys, active("a", "b"), previous=previous(X="a b"))
    assert result.members.campaign_id.isna().all()
    assert result.campaigns.empty
    summary = cp.summarize_campaigns(result.campaigns, pd.DataFrame(
        {"account_id": ["a"], "risk_score": [0.5], "risk_tier": ["none"]}), DAY)
    assert summary.empty and "risk_score" in summary.columns


def test_template_concentration_ranks_repeated_values_before_one_offs():
    # d: one template 5 times, then three one-off prompts (every band different): the top 3
    # values are the template and two one-offs. e: fewer values than top, all of them count.
    one_offs = [0x1111_1111_1111_1111, 0x2222_2222_2222_2222, 0x3333_3333_3333_3333]
    stats = stats_frame(
        ("d", 0, 0x7777_7777_7777_7777, 5, 0),
        *(("d", i + 1, h, 1, 0) for i, h in enumerate(one_offs)),
        ("e", 0, one_offs[0], 2, 0),
        ("e", 1, one_offs[1], 1, 0),
    )
    m = build(keys_frame(), stats, top_templates=3).members.set_index("account_id")
    assert m.campaign_template_concentration["d"] == pytest.approx(7 / 8)
    assert m.campaign_template_concentration["e"] == 1.0


def test_categorical_inputs_give_the_same_campaigns_as_strings():
    keys = keys_frame((lk.PAYMENT, "P", "a b"), (lk.SYNC_MINUTE, f"{MINUTE0}|7", "a b c"),
                      (lk.TEMPLATE, "0:17", "b c"), (lk.SIGNUP_CLIENT, "curl/8", "c d"))
    stats = stats_frame(("a", 0, 1, 2, 1), ("b", 0, 1, 1, 0), ("c", 0, 2, 1, 0), ("d", 3, 3, 1, 1))
    plain = build(keys, stats)
    coded_keys = cp.coded_frame(pa.Table.from_pandas(keys))
    assert isinstance(coded_keys.key.dtype, pd.CategoricalDtype)
    coded = build(coded_keys, cp.coded_frame(pa.Table.from_pandas(stats)))
    pd.testing.assert_frame_equal(plain.members, coded.members)
    pd.testing.assert_frame_equal(plain.campaigns, coded.campaigns)
