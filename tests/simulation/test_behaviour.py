"""Each archetype shows its signature; distillers hide one by one and show up together."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import average_precision_score
from simworld import HIGH_VALUE, account_features, hamming, prefix

LOOKALIKES = ["power_user", "tutoring_app", "researcher", "coding_agent"]


@pytest.fixture(scope="session")
def requests(clean, truth) -> pd.DataFrame:
    return clean.assign(archetype=truth["archetype"].reindex(clean["account_id"]).to_numpy(),
                        campaign=truth["campaign_id"].reindex(clean["account_id"]).to_numpy())


@pytest.fixture(scope="session")
def daily(requests) -> pd.DataFrame:
    """Requests per account and active day, with the account's archetype."""
    return requests.groupby(["account_id", "date", "archetype"], observed=True).size().rename("n").reset_index()


def _of(frame: pd.DataFrame, archetype: str) -> pd.DataFrame:
    return frame[frame["archetype"] == archetype]


def test_no_single_account_feature_separates_distillers(requests, truth):
    """Hard on purpose: the best simple 7-day feature stays at average precision ≤ 0.8."""
    week = sorted(requests["date"].unique())[-7:]
    features = account_features(requests[requests["date"].isin(week)])
    y = truth["is_distiller"].reindex(features.index).to_numpy()
    assert len(features.columns) >= 40 and 0.05 < y.mean() < 0.3
    ap = {c: max(average_precision_score(y, features[c]), average_precision_score(y, -features[c]))
          for c in features}
    best = max(ap, key=ap.get)
    assert ap[best] <= 0.8, f"{best} alone separates distillers: AP {ap[best]:.3f}"


def test_hydra_accounts_share_paraphrased_templates(requests):
    """Near-duplicate SimHashes (a few bits apart) recur across a hydra's accounts, not elsewhere."""
    day = requests[requests["date"] == requests["date"].max()]
    rng = np.random.default_rng(0)

    def near_duplicate_share(sample: pd.DataFrame) -> float:
        sample = sample.iloc[rng.choice(len(sample), min(300, len(sample)), replace=False)]
        hits = []
        for _, chunk in sample.groupby(np.arange(len(sample)) // 50):
            distance = hamming(chunk["prompt_simhash"].to_numpy(), day["prompt_simhash"].to_numpy())
            other = chunk["account_id"].to_numpy()[:, None] != day["account_id"].to_numpy()[None, :]
            hits.append((np.where(other, distance, 64) <= 8).any(axis=1))
        return float(np.concatenate(hits).mean())

    hydra = _of(day, "hydra")
    assert near_duplicate_share(hydra[hydra["topic"].isin(HIGH_VALUE)]) > 0.6
    assert near_duplicate_share(_of(day, "hobbyist")) < 0.1
    assert near_duplicate_share(day[day["archetype"].isin(LOOKALIKES)]) < 0.15


def test_hydra_signs_up_in_waves_with_few_card_bins(accounts, truth):
    acc = accounts.set_index("account_id").join(truth)
    paying = acc[acc["card_bin"].notna()].reset_index()
    pairs = paying.merge(paying, on="card_bin", suffixes=("", "_other"))
    pairs = pairs[(pairs["account_id"] != pairs["account_id_other"])
                  & ((pairs["created_at"] - pairs["created_at_other"]).abs() <= pd.Timedelta(hours=12))]
    burst = pairs.groupby("account_id").size().reindex(paying["account_id"], fill_value=0)
    burst.index = paying.index
    hydra = paying["archetype"] == "hydra"
    assert burst[hydra].median() >= 5
    assert burst[~paying["is_distiller"]].quantile(0.9) <= 2
    for _, members in paying[hydra].groupby("campaign_id"):
        assert members["card_bin"].value_counts().head(3).sum() >= 0.6 * len(members)
    # part of every wave comes through one address range
    ranges = prefix(acc["signup_ip"])
    for _, members in acc[acc["archetype"] == "hydra"].groupby("campaign_id"):
        assert ranges[members.index].value_counts().iloc[0] >= 0.2 * len(members)


def test_hydra_campaigns_act_in_the_same_minutes(requests, truth):
    day = requests[requests["date"] == requests["date"].max()].assign(minute=lambda d: d["ts"].dt.floor("min"))
    campaign = _of(day, "hydra")["campaign"].value_counts().index[0]
    members = day[day["campaign"] == campaign]
    n = members["account_id"].nunique()
    peers = day[day["archetype"].isin(LOOKALIKES)]
    rng = np.random.default_rng(0)
    peers = peers[peers["account_id"].isin(rng.choice(peers["account_id"].unique(), n, replace=False))]
    assert _crowd(members) >= 3 * _crowd(peers)


def _crowd(requests: pd.DataFrame) -> int:
    """The most accounts active in one minute."""
    return requests.groupby("minute")["account_id"].nunique().max()


def test_half_of_hydra_traffic_moves_to_the_new_model_within_a_day(requests, world):
    new = world["release"]["model"]
    release_at = pd.Timestamp(world["release"]["at"])
    assert not (requests["ts"] < release_at)[requests["model"] == new].any()
    after = requests[requests["date"] == world["dates"][world["release"]["day_index"] + 1]]
    share = after.groupby("archetype")["model"].apply(lambda m: (m == new).mean())
    assert 0.3 <= share["hydra"] <= 0.7
    assert 0 < share[LOOKALIKES].mean() < share["hydra"]


def test_hydra_accounts_are_light_users_each(daily, truth):
    per_day = _of(daily, "hydra")["n"]
    assert 15 <= per_day.median() <= 80  # "a few dozen requests per account per day"
    assert (truth.loc[truth["archetype"] == "hydra", "campaign_id"].value_counts() >= 100).all()
    look = daily[daily["archetype"].isin(LOOKALIKES)]["n"]
    assert look.quantile(0.25) < per_day.median() < look.quantile(0.75)


def test_lookalikes_ask_for_reasoning_like_distillers(requests, truth):
    cot = requests.groupby("account_id")["cot_elicitation"].mean()
    arch = truth["archetype"].reindex(cot.index)
    assert arch.isin(LOOKALIKES).sum() >= 2 * truth["is_distiller"].sum()
    assert abs(cot[arch.isin(LOOKALIKES)].median() - cot[arch == "hydra"].median()) < 0.25


def test_university_classes_share_domain_and_campus_range(accounts, requests, truth):
    acc = accounts.set_index("account_id").join(truth)
    classes = acc[acc["archetype"] == "university_class"]
    domains = classes["email_domain"].value_counts()
    assert len(domains) == 2 and (domains >= 30).all()  # tiny has two classes
    assert (acc.loc[acc["email_domain"].isin(domains.index), "archetype"] == "university_class").all()
    assert (classes["program"] == "education").all()
    for domain in domains.index:
        traffic = requests[requests["account_id"].isin(classes.index[classes["email_domain"] == domain])]
        assert prefix(traffic["ip"]).value_counts(normalize=True).iloc[0] > 0.5


def test_corporate_organisations_share_payment_and_nat(accounts, requests, truth):
    acc = accounts.set_index("account_id").join(truth)
    firms = acc[acc["archetype"] == "corporate"]
    for _, staff in firms.groupby("org_id"):
        assert staff["payment_fingerprint"].value_counts(normalize=True).iloc[0] >= 0.7
        assert (staff["tier"] == "enterprise").all() and staff["email_domain"].nunique() == 1
        traffic = requests[requests["account_id"].isin(staff.index)]
        assert traffic["ip"].value_counts(normalize=True).head(4).sum() > 0.5  # a NAT: a handful of addresses


def test_hard_negatives_and_machines_show_their_signatures(accounts, requests, daily, truth, world):
    acc = accounts.set_index("account_id").join(truth)
    vendors = acc[acc["archetype"] == "synth_vendor"]
    assert (vendors["verification"] == "id").all() and (vendors["tier"] == "enterprise").all()
    assert _of(daily, "synth_vendor")["n"].median() >= 500

    backend = _of(requests, "app_backend").groupby("account_id")
    assert backend["ip_kind"].apply(lambda k: (k == "datacenter").mean()).median() >= 0.95
    top_system_prompt = backend["system_prompt_hash"].agg(lambda s: s.value_counts(normalize=True, dropna=False).iloc[0])
    assert top_system_prompt.median() >= 0.9

    agents = _of(requests, "coding_agent")
    assert agents["turn_index"].mean() > 2 and (agents["tool_count"] > 0).mean() > 0.3

    evals = _of(requests, "eval_runner")
    assert (evals["temperature"] == 0).mean() > 0.8
    per_hash = evals.groupby("prompt_simhash")["account_id"].nunique()
    assert (evals["prompt_simhash"].map(per_hash) > 1).mean() > 0.3  # the same public benchmarks
    per_date = evals.groupby("date").size()
    release = world["dates"][world["release"]["day_index"] + 1]
    before = [d for d in world["dates"][: world["release"]["day_index"]]]
    assert per_date[release] > 2 * per_date[before].mean()


def test_distillation_styles_show_their_signatures(accounts, requests, daily, truth):
    acc = accounts.set_index("account_id").join(truth)
    scrapers = _of(requests, "bulk_scraper")
    assert (scrapers["status"] == 429).mean() > 0.1 and _of(daily, "bulk_scraper")["n"].median() > 500
    assert _of(requests, "reseller")["api_key_id"].nunique() >= 10
    abuse = acc[acc["archetype"] == "program_abuse"]
    assert abuse["program"].isin(["education", "startup"]).all()
    assert _of(daily, "program_abuse")["n"].median() >= 80
    assert (_of(requests, "program_abuse")["topic"] == "agentic").mean() > 0.3
    ring = acc[acc["archetype"] == "low_and_slow"]
    first_day = pd.Timestamp(requests["date"].min(), tz="UTC")
    assert (ring["created_at"] < first_day - pd.Timedelta(days=30)).mean() > 0.8  # aged accounts
    assert _of(daily, "low_and_slow")["n"].median() < _of(daily, "hydra")["n"].median()
    hydra = acc[acc["archetype"] == "hydra"]
    assert 0.05 < (hydra["created_at"] < first_day - pd.Timedelta(days=100)).mean() < 0.3  # some bought aged
    assert hydra["email_domain"].isin(["gmail.com", "outlook.com", "yahoo.com"]).mean() > 0.2  # ordinary domains
