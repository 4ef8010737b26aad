"""Helpers the simulation tests share: what a reader of the raw world would compute."""

from __future__ import annotations

import ipaddress

import numpy as np
import pandas as pd


def valid_ip(ips: pd.Series) -> pd.Series:
    """Whether each address parses as IPv4 or IPv6 (checked once per distinct address)."""

    def parses(text: str) -> bool:
        try:
            ipaddress.ip_address(text)
            return True
        except ValueError:
            return False

    distinct = ips.dropna().unique()
    return ips.map(dict(zip(distinct, map(parses, distinct)))).fillna(False).astype(bool)


def on_folder_day(logs: pd.DataFrame) -> pd.Series:
    """Whether each request's ts falls inside the UTC day of the folder it was read from."""
    day = pd.to_datetime(logs["date"].astype(str)).dt.tz_localize("UTC")
    return logs["ts"].dt.floor("D") == day


HIGH_VALUE = ["coding", "math", "reasoning", "agentic"]


def prefix(ips: pd.Series) -> pd.Series:
    """The /24 of an IPv4 address (the /48 of an IPv6 one), computed once per address."""
    distinct = pd.Series(ips.dropna().unique())
    v6 = distinct.str.contains(":")
    ranges = distinct.str.rsplit(".", n=1).str[0].where(~v6, distinct.str.split(":").str[:3].str.join(":"))
    return ips.map(dict(zip(distinct, ranges)))


def shares(x: pd.DataFrame, col: str) -> pd.DataFrame:
    """Per account, the share of its requests with each value of `col`."""
    counts = x.groupby(["account_id", col]).size().unstack(fill_value=0)
    return counts.div(counts.sum(axis=1), axis=0)


def account_features(requests: pd.DataFrame) -> pd.DataFrame:
    """Simple per-account features over the given requests, as any analyst would write them."""
    x = requests.assign(
        prefix=prefix(requests["ip"]),
        hour=requests["ts"].dt.hour,
        temp_zero=requests["temperature"] == 0,
        single_turn=requests["turn_index"] == 1,
        has_tools=requests["tool_count"] > 0,
        rate_limited=requests["status"] == 429,
        failed=requests["status"] != 200,
        has_system=requests["system_prompt_hash"].notna(),
        high_value=requests["topic"].isin(HIGH_VALUE),
        night=requests["ts"].dt.hour < 6,
    )
    g = x.groupby("account_id")
    f = pd.DataFrame({"requests": g.size(), "active_days": g["date"].nunique()})
    f["requests_per_day"] = f["requests"] / f["active_days"]
    means = ["input_tokens", "output_tokens", "reasoning_tokens", "latency_ms", "temperature", "turn_index",
             "tool_count", "cot_elicitation", "temp_zero", "single_turn", "has_tools", "rate_limited", "failed",
             "has_system", "high_value", "night"]
    f = f.join(g[means].mean())
    for col in ["ip", "prefix", "asn", "country", "api_key_id", "user_agent", "system_prompt_hash"]:
        f[f"distinct_{col}"] = g[col].nunique()
    f["distinct_prompts_share"] = g["prompt_simhash"].nunique() / f["requests"]
    f["output_per_input"] = f["output_tokens"] / f["input_tokens"].clip(lower=1)
    for col in ["topic", "ip_kind", "model"]:
        f = f.join(shares(x, col).add_prefix(f"{col}="))
    topics = f[[c for c in f if c.startswith("topic=")]]
    f["top_topic_share"] = topics.max(axis=1)
    hours = shares(x, "hour")
    f["hour_entropy"] = -(hours * np.log2(hours.where(hours > 0, 1))).sum(axis=1)
    return f.fillna(0.0)


def hamming(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Bit distance between every SimHash of `a` (rows) and of `b` (columns)."""
    return np.bitwise_count(a.astype(np.uint64)[:, None] ^ b.astype(np.uint64)[None, :])
