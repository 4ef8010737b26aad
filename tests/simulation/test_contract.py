"""The simulated platform writes exactly what inputs.md promises, column by column."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.parquet as pq

from simworld import on_folder_day, valid_ip

TS = pa.timestamp("us", tz="UTC")
S = pa.string()
# Copied from ../shared/contracts/inputs.md, not from the simulator.
USAGE = [
    ("request_id", S), ("ts", TS), ("account_id", S), ("api_key_id", S), ("ip", S), ("asn", pa.int32()),
    ("ip_kind", S), ("country", S), ("user_agent", S), ("model", S), ("input_tokens", pa.int32()),
    ("output_tokens", pa.int32()), ("reasoning_tokens", pa.int32()), ("status", pa.int16()),
    ("latency_ms", pa.int32()), ("prompt_simhash", pa.int64()), ("system_prompt_hash", S), ("topic", S),
    ("cot_elicitation", pa.bool_()), ("turn_index", pa.int16()), ("tool_count", pa.int16()),
    ("temperature", pa.float32()),
]
ACCOUNTS = [
    ("account_id", S), ("created_at", TS), ("org_id", S), ("email_domain", S), ("payment_fingerprint", S),
    ("card_bin", S), ("billing_country", S), ("verification", S), ("tier", S), ("program", S),
    ("signup_ip", S), ("signup_user_agent", S),
]
LABELS = [
    ("case_id", S), ("account_id", S), ("opened_at", TS), ("decided_at", TS), ("decision", S), ("source", S),
]
TOPICS = {"coding", "math", "reasoning", "agentic", "writing", "chat", "translation", "other"}
IP_KINDS = {"residential", "mobile", "datacenter", "vpn_proxy", "unknown"}
STATUSES = {200, 400, 401, 403, 413, 429, 500, 529}


def _columns(path) -> list[tuple[str, pa.DataType]]:
    schema = pq.read_schema(path)
    return [(f.name, f.type) for f in schema]


def test_layout_is_exactly_the_contract(raw, world):
    assert sorted(p.name for p in raw.iterdir()) == ["_truth", "accounts", "enforcement_labels", "usage_logs"]
    assert [p.name for p in (raw / "accounts").iterdir()] == ["accounts.parquet"]
    assert [p.name for p in (raw / "enforcement_labels").iterdir()] == ["labels.parquet"]
    folders = sorted(p.name for p in (raw / "usage_logs").iterdir())
    assert folders == [f"date={d}" for d in world["dates"]]
    for folder in (raw / "usage_logs").iterdir():
        files = list(folder.iterdir())
        assert len(files) >= 2 and all(f.suffix == ".parquet" for f in files)
    assert sorted(p.name for p in (raw / "_truth").iterdir()) == ["accounts_truth.parquet", "world.json"]


def test_usage_log_files_have_the_contract_types(raw):
    for path in sorted((raw / "usage_logs").rglob("*.parquet")):
        assert _columns(path) == USAGE, path


def test_accounts_and_labels_have_the_contract_types(raw):
    assert _columns(raw / "accounts" / "accounts.parquet") == ACCOUNTS
    assert _columns(raw / "enforcement_labels" / "labels.parquet") == LABELS
    truth = pq.read_schema(raw / "_truth" / "accounts_truth.parquet")
    assert truth.names == ["account_id", "is_distiller", "campaign_id", "archetype"]


def test_usage_values_respect_enums_and_ranges(logs, world):
    n = len(logs)
    # Everything outside the enums is a deliberately broken row: about 0.1 % in all.
    assert logs["topic"].isin(TOPICS).mean() > 0.999
    assert logs["ip_kind"].isin(IP_KINDS).mean() > 0.999
    assert logs["status"].isin(STATUSES).mean() > 0.999
    assert logs["temperature"].between(0, 2).all()
    assert logs["turn_index"].min() >= 1 and logs["tool_count"].min() >= 0
    assert (logs["latency_ms"] >= 0).all() and (logs["reasoning_tokens"] >= 0).all()
    assert logs["country"].str.fullmatch(r"[A-Z]{2}").all()
    assert logs["model"].str.fullmatch(r"model-[a-z]+-\d").all()
    assert set(logs["model"]) >= {"model-large-2", world["release"]["model"]}
    assert (logs["asn"] > 0).all()
    assert logs["system_prompt_hash"].isna().any() and logs["system_prompt_hash"].notna().any()
    tokens_ok = logs["input_tokens"].between(0, 1_000_000) & logs["output_tokens"].between(0, 1_000_000)
    assert 0.998 < tokens_ok.mean() < 1
    assert 0.998 < on_folder_day(logs).mean() < 1
    assert 0 < logs["account_id"].isna().sum() < 0.002 * n
    assert 0 < logs["request_id"].duplicated().sum() < 0.002 * n
    ips = valid_ip(logs["ip"])
    assert 0.998 < ips.mean() < 1
    good = logs.loc[ips, "ip"]
    assert good.str.contains(":").any() and good.str.contains(r"^\d+\.").mean() > 0.8  # some IPv6, mostly IPv4


def test_broken_rows_are_about_a_thousandth(logs, clean, world):
    broken = 1 - len(clean) / len(logs)
    assert 0.0005 < broken < 0.002
    assert sum(world["counts"]["rows_per_day"].values()) == len(logs)


def test_accounts_values(accounts, world):
    assert accounts["account_id"].is_unique
    assert set(accounts["verification"]) == {"none", "email", "phone", "id"}
    assert set(accounts["tier"]) == {"free", "paid", "enterprise"}
    assert set(accounts["program"]) == {"none", "education", "research", "startup"}
    assert accounts["email_domain"].notna().all() and accounts["signup_ip"].notna().all()
    assert valid_ip(accounts["signup_ip"]).all()
    free = accounts["tier"] == "free"
    assert accounts.loc[free, "payment_fingerprint"].isna().all()
    assert accounts.loc[~free, ["payment_fingerprint", "card_bin", "billing_country"]].notna().all().all()
    assert accounts["card_bin"].dropna().str.fullmatch(r"\d{6}").all()
    last = dt.datetime.fromisoformat(world["last_day"]).replace(tzinfo=dt.timezone.utc) + dt.timedelta(days=1)
    assert (accounts["created_at"] < last).all()
    assert accounts["org_id"].notna().any() and accounts["org_id"].isna().any()


def test_labels_values(labels, accounts, world):
    assert labels["case_id"].is_unique
    assert set(labels["decision"]) == {"distillation", "benign"}
    assert set(labels["source"]) <= {"manual_review", "partner_report", "payment_dispute"}
    assert labels["account_id"].isin(accounts["account_id"]).all()
    assert (labels["decided_at"] >= labels["opened_at"]).all()
    end = dt.datetime.fromisoformat(world["last_day"]).replace(tzinfo=dt.timezone.utc) + dt.timedelta(days=1)
    assert (labels["decided_at"] < end).all()
