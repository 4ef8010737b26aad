"""Ingest of the accounts snapshot and the enforcement labels: bad rows quarantined with a
reason, sign-up addresses hashed, an unusable file refused with its name."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from config.settings import Settings
from features.ingest import ContractBreach, ingest_accounts, ingest_labels

T0 = dt.datetime(2026, 1, 5, 9, tzinfo=dt.timezone.utc)
ACCOUNTS_SCHEMA = pa.schema([
    ("account_id", pa.string()), ("created_at", pa.timestamp("us", tz="UTC")), ("org_id", pa.string()),
    ("email_domain", pa.string()), ("payment_fingerprint", pa.string()), ("card_bin", pa.string()),
    ("billing_country", pa.string()), ("verification", pa.string()), ("tier", pa.string()),
    ("program", pa.string()), ("signup_ip", pa.string()), ("signup_user_agent", pa.string()),
])
LABELS_SCHEMA = pa.schema([
    ("case_id", pa.string()), ("account_id", pa.string()), ("opened_at", pa.timestamp("us", tz="UTC")),
    ("decided_at", pa.timestamp("us", tz="UTC")), ("decision", pa.string()), ("source", pa.string()),
])


def account(i: int, **changes) -> dict:
    row = {"account_id": f"acct-{i}", "created_at": T0 + dt.timedelta(hours=i), "org_id": None,
           "email_domain": "example.org", "payment_fingerprint": f"pf-{i % 2}", "card_bin": "424242",
           "billing_country": "DE", "verification": "email", "tier": "paid", "program": "none",
           "signup_ip": f"198.51.100.{i}", "signup_user_agent": "Mozilla/5.0"}
    return row | changes


def label(i: int, **changes) -> dict:
    row = {"case_id": f"case-{i}", "account_id": f"acct-{i}", "opened_at": T0 + dt.timedelta(days=3),
           "decided_at": T0 + dt.timedelta(days=9), "decision": "distillation", "source": "manual_review"}
    return row | changes


def write(path: Path, rows: list[dict], schema: pa.Schema) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), path)


def accounts(tmp_path: Path, rows: list[dict]):
    write(tmp_path / "accounts" / "accounts.parquet", rows, ACCOUNTS_SCHEMA)
    return ingest_accounts(tmp_path, Settings(raw_root=tmp_path, out_root=tmp_path / "out"))


def labels(tmp_path: Path, rows: list[dict], known=("acct-0", "acct-1", "acct-2")):
    write(tmp_path / "enforcement_labels" / "labels.parquet", rows, LABELS_SCHEMA)
    return ingest_labels(tmp_path, list(known))


def test_clean_accounts_carry_hashed_signup_addresses_only(tmp_path):
    clean, quarantine = accounts(tmp_path, [account(i) for i in range(3)])
    assert quarantine.num_rows == 0 and clean.num_rows == 3
    assert "signup_ip" not in clean.column_names
    assert len(set(clean.column("signup_ip_hash").to_pylist())) == 3
    assert len(set(clean.column("signup_prefix").to_pylist())) == 1  # one /24
    text = " ".join(str(v) for column in clean.columns for v in column.to_pylist())
    assert "198.51.100." not in text


BAD_ACCOUNTS = {
    "null_account_id": ({"account_id": None}, "missing_account_id"),
    "empty_account_id": ({"account_id": ""}, "missing_account_id"),
    "malformed_signup_ip": ({"signup_ip": "198.51.100"}, "malformed_ip"),
    "unknown_verification": ({"verification": "passport"}, "unknown_verification"),
    "unknown_tier": ({"tier": "platinum"}, "unknown_tier"),
    "unknown_program": ({"program": "vip"}, "unknown_program"),
    "duplicate_account_id": ({"account_id": "acct-0"}, "duplicate_account_id"),
}


@pytest.mark.parametrize("change, reason", BAD_ACCOUNTS.values(), ids=BAD_ACCOUNTS.keys())
def test_bad_account_row_is_quarantined_with_its_reason(tmp_path, change, reason):
    clean, quarantine = accounts(tmp_path, [account(i) for i in range(3)] + [account(3, **change)])
    assert quarantine.column("reason").to_pylist() == [reason]
    assert clean.num_rows == 3
    assert "198.51.100" not in " ".join(map(str, quarantine.column("detail").to_pylist()))


BAD_LABELS = {
    "verdict_for_unknown_account": ({"account_id": "acct-404"}, "unknown_account"),
    "verdict_decided_before_opened": ({"decided_at": T0}, "decided_before_opened"),
    "unknown_decision": ({"decision": "maybe"}, "unknown_decision"),
    "unknown_source": ({"source": "rumour"}, "unknown_source"),
    "duplicate_case_id": ({"case_id": "case-0"}, "duplicate_case_id"),
    "null_account_id": ({"account_id": None}, "missing_account_id"),
}


@pytest.mark.parametrize("change, reason", BAD_LABELS.values(), ids=BAD_LABELS.keys())
def test_bad_label_is_quarantined_with_its_reason(tmp_path, change, reason):
    clean, quarantine = labels(tmp_path, [label(0), label(1), label(2, **change)])
    assert quarantine.column("reason").to_pylist() == [reason]
    assert clean.column("case_id").to_pylist() == ["case-0", "case-1"]
    assert clean.schema == LABELS_SCHEMA


def test_missing_accounts_file_is_refused_by_name(tmp_path):
    with pytest.raises(ContractBreach, match="accounts/accounts.parquet does not exist"):
        ingest_accounts(tmp_path, Settings(raw_root=tmp_path))


def test_truncated_labels_file_is_refused_by_name(tmp_path):
    path = tmp_path / "enforcement_labels" / "labels.parquet"
    write(path, [label(0)], LABELS_SCHEMA)
    path.write_bytes(path.read_bytes()[:40])
    with pytest.raises(ContractBreach) as caught:
        ingest_labels(tmp_path, ["acct-0"])
    [breach] = caught.value.breaches
    assert (breach.code, breach.file) == ("unreadable_file", "enforcement_labels/labels.parquet")
