"""Enforcement verdicts as a trust-and-safety team produces them: few, late, sometimes wrong.

A case opens some days after an account starts acting (or, for a legitimate account, when
it tripped an alert), and is decided days to weeks later. Campaigns that began before the
first simulated day therefore already have verdicts in the first days, so a first model can
be trained early. Only cases decided by the end of the window are in the snapshot.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from simulation import archetypes as A
from simulation.encoding import hex_ids
from simulation.population import Population
from simulation.presets import DAY_S, Preset

WRONG = 0.06  # share of verdicts that get it wrong, both ways
SOURCES = ("manual_review", "partner_report", "payment_dispute")


def enforcement_labels(pop: Population, preset: Preset, seed: int) -> pa.Table:
    rng = np.random.default_rng([seed, 0x1AB])
    specs = [A.ARCHETYPES[name] for name in A.ARCHETYPE_NAMES]
    p_case = np.array([s.investigated for s in specs])[pop.archetype]
    case = np.flatnonzero(rng.random(pop.n) < p_case)
    bad = pop.is_distiller[case]
    acting_from = np.maximum(pop.start_day[case], pop.created_s[case] // DAY_S)
    opened = np.where(
        bad,
        (acting_from + 1 + rng.exponential(7, len(case))) * DAY_S,
        rng.uniform(-30, preset.n_days, len(case)) * DAY_S,
    )
    opened = np.maximum(opened, pop.created_s[case] + 3600)
    decided = opened + np.clip(rng.lognormal(np.log(6 * DAY_S), 0.7, len(case)), 3600, 40 * DAY_S)
    keep = decided < preset.n_days * DAY_S
    case, bad, opened, decided = case[keep], bad[keep], opened[keep], decided[keep]
    wrong = rng.random(len(case)) < WRONG
    decision = np.where(bad != wrong, "distillation", "benign")
    source = np.where(bad, rng.choice(3, len(case), p=[0.5, 0.25, 0.25]), rng.choice(3, len(case), p=[0.8, 0.15, 0.05]))
    order = np.argsort(decided, kind="stable")
    return pa.table({
        "case_id": hex_ids(rng, len(case), 6, "case_"),
        "account_id": pop.account_ids.take(pa.array(case[order])),
        "opened_at": _timestamps(preset.epoch_us, opened[order]),
        "decided_at": _timestamps(preset.epoch_us, decided[order]),
        "decision": pa.array(decision[order], pa.string()),
        "source": pa.array(np.array(SOURCES)[source[order]], pa.string()),
    })


def _timestamps(epoch_us: int, seconds: np.ndarray) -> pa.TimestampArray:
    return pa.array(epoch_us + (seconds * 1_000_000).astype(np.int64), pa.timestamp("us", tz="UTC"))
