"""The floor of the feature stage: the group-bys #3's features cannot do without, and nothing else.

A reference for `benchmarks.feature_stage`, measured in the same run. One process, one
DuckDB connection, hand-written SQL, the day read once into memory; then, from memory,
the least each mandated feature family needs: per-account counts, sums and distinct
counts, the (account, template) and (account, system prompt) top values, inter-arrival
gaps, requests per model, and the shared keys of address, minute x ASN and the four
SimHash bands. Every result is fetched as Arrow, as a next step would receive it.

Deliberately left out, each a cost the real stage pays on top: validation and
quarantine, address hashing (the raw address stands in for its range), storing anything,
the 7-day window, account attributes, the campaign graph. Each part is the cheapest
formulation we found, and `tests/features/test_feature_floor.py` checks that it gives the
features' own numbers. A floor in practice, not a proof: if this alone exceeds a target
on the same engine and cores, no wiring of these features meets it.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Iterator

import pyarrow as pa

from features.aggregates import IP_KINDS, TOPICS, ip_kind_column, topic_column
from features.linkage import ADDRESS_RANGE, MAX_HOLDERS, MINUTE_US, SYNC_MINUTE, TEMPLATE, band_fields

# The columns the features read (not request_id or latency_ms: only validation reads them).
COLUMNS = (
    "ts", "account_id", "api_key_id", "ip", "asn", "ip_kind", "country", "user_agent", "model",
    "input_tokens", "output_tokens", "reasoning_tokens", "status", "prompt_simhash",
    "system_prompt_hash", "topic", "cot_elicitation", "turn_index", "tool_count", "temperature",
)  # fmt: skip


def _per_account() -> dict[str, str]:
    """Three queries, not one: a single group-by with the distinct counts took 2.7-3.1 s
    here, these three 1.6-1.8 s (distincts over pre-grouped rows, hours as long rows)."""
    topics = ", ".join(f"count_if(topic = '{t}') AS {topic_column(t)}" for t in TOPICS)
    kinds = ", ".join(f"count_if(ip_kind = '{k}') AS {ip_kind_column(k)}" for k in IP_KINDS)
    network = {"ip": "distinct_ips", "asn": "distinct_asns", "country": "distinct_countries",
               "api_key_id": "distinct_api_keys", "user_agent": "distinct_user_agents"}
    return {
        "per_account_sums": f"""
            SELECT account_id, count(*) AS requests, sum(input_tokens::DOUBLE) AS input_tokens,
                   sum(output_tokens::DOUBLE) AS output_tokens,
                   sum(reasoning_tokens::DOUBLE) AS reasoning_tokens, {topics},
                   count_if(cot_elicitation) AS cot_requests,
                   count_if(turn_index = 1) AS single_turn_requests,
                   count_if(tool_count > 0) AS tool_requests,
                   count_if(temperature = 0) AS temperature_zero_requests,
                   count_if(status = 429) AS rate_limited_requests, {kinds}
            FROM u GROUP BY account_id""",
        "per_account_hours": """
            SELECT account_id, epoch_us(ts) // 3600000000 % 24 AS hour, count(*) AS requests
            FROM u GROUP BY ALL""",
        "per_account_distinct": f"""
            SELECT account_id, {", ".join(f"count(DISTINCT {c}) AS {n}" for c, n in network.items())}
            FROM (SELECT account_id, {", ".join(network)} FROM u GROUP BY ALL) GROUP BY account_id""",
    }


def _top_value(column: str, plural: str, singular: str) -> str:
    return f"""
        SELECT account_id, count(*) AS distinct_{plural}, max(n) AS top_{singular}_requests FROM (
            SELECT account_id, {column}, count(*) AS n FROM u
            WHERE {column} IS NOT NULL GROUP BY ALL)
        GROUP BY account_id"""


_GAPS = """
    SELECT account_id, count(g) AS gap_count, coalesce(sum(g::DOUBLE), 0) / 1000 AS gap_sum_s,
           coalesce(sum((g * g)::DOUBLE), 0) / 1000000 AS gap_sq_sum_s FROM (
        SELECT account_id, e - lag(e) OVER (PARTITION BY account_id ORDER BY e) AS g
        FROM (SELECT account_id, epoch_us(ts) // 1000 AS e FROM u))
    GROUP BY account_id"""


def _shared(pairs: str, by: str, limit: int) -> str:
    """Distinct (account, key) `pairs` whose key is held by 2 to `limit` accounts."""
    return f"""
        WITH p AS ({pairs})
        SELECT p.* FROM p SEMI JOIN (
            SELECT {by} FROM p GROUP BY ALL HAVING count(*) BETWEEN 2 AND {limit}) USING ({by})"""


def _band(shift: int, mask: int) -> str:
    pairs = f"""
        SELECT account_id, (prompt_simhash >> {shift}) & {mask} AS value FROM u
        WHERE prompt_simhash IS NOT NULL GROUP BY ALL HAVING count(*) >= 2"""
    return _shared(pairs, "value", MAX_HOLDERS[TEMPLATE])


PARTS = {
    **_per_account(),
    "top_template": _top_value("prompt_simhash", "templates", "template"),
    "top_system_prompt": _top_value("system_prompt_hash", "system_prompts", "system_prompt"),
    "gaps": _GAPS,
    "models": "SELECT account_id, model, count(*) AS requests FROM u GROUP BY ALL",
    "address_keys": _shared("SELECT DISTINCT account_id, ip FROM u", "ip", MAX_HOLDERS[ADDRESS_RANGE]),
    "sync_minute_keys": _shared(
        f"SELECT DISTINCT account_id, epoch_us(ts) // {MINUTE_US} AS minute, asn FROM u"
        " WHERE asn IS NOT NULL", "minute, asn", MAX_HOLDERS[SYNC_MINUTE]),
    **{f"template_band_{i}_keys": _band(*field) for i, field in enumerate(band_fields())},
}


def answers(con) -> Iterator[tuple[str, pa.Table]]:
    """Each part's result over the table `u` of `con`, fetched as Arrow, in `PARTS` order."""
    for name, sql in PARTS.items():
        yield name, con.sql(sql).to_arrow_table()


def floor(files: list[Path], threads: int = 2) -> dict[str, float]:
    """Seconds per part (`load` = reading the day into memory)."""
    import duckdb

    con = duckdb.connect(config={"threads": threads})
    con.execute("SET enable_progress_bar = false")
    start = time.perf_counter()
    con.execute(f"CREATE TABLE u AS SELECT {', '.join(COLUMNS)} FROM read_parquet(?)",
                [[str(f) for f in files]])
    seconds = {"load": time.perf_counter() - start}
    start = time.perf_counter()
    for name, _ in answers(con):
        seconds[name] = time.perf_counter() - start
        start = time.perf_counter()
    con.close()
    return seconds
