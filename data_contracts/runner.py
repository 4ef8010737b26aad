"""Run a stored suite on a pandas frame and hand back a plain result.

Great Expectations is imported here, inside the functions, because importing it costs
seconds; callers (Dagster asset checks, tests) get a dataclass, never a GX object.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import pandas as pd

from data_contracts.suites import load_suite


@dataclass(frozen=True)
class Failure:
    expectation: str
    column: str | None
    observed: Any
    message: str


@dataclass(frozen=True)
class ContractResult:
    suite: str
    rows: int
    success: bool
    failures: list[Failure] = field(default_factory=list)
    evaluated: int = 0

    def summary(self) -> str:
        if self.success:
            return f"{self.suite}: {self.evaluated} expectations passed on {self.rows} rows"
        return (f"{self.suite}: {len(self.failures)} of {self.evaluated} expectations failed on "
                f"{self.rows} rows: " + "; ".join(f.message for f in self.failures))


def validate(df: pd.DataFrame, suite: str, **params: Any) -> ContractResult:
    """Validate `df` against the stored suite `suite`; `params` fill its `$PARAMETER`s
    (the usage suite needs `day_start` and `day_end`, UTC datetimes)."""
    from great_expectations.core import ExpectationSuite

    gx_suite = ExpectationSuite(**load_suite(suite))
    batch = _batch_definition().get_batch(batch_parameters={"dataframe": df})
    outcome = batch.validate(
        gx_suite,
        expectation_parameters={k: _as_gx_value(v) for k, v in params.items()},
        result_format="SUMMARY",
    )
    failures = [_failure(r) for r in outcome.results if not r.success]
    return ContractResult(suite=suite, rows=len(df), success=bool(outcome.success),
                          failures=failures, evaluated=len(outcome.results))


@cache
def _batch_definition():
    """One in-memory context for the process: no files, no analytics, no progress bars."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
    )
    context = gx.get_context(mode="ephemeral", project_config=config)
    asset = context.data_sources.add_pandas("distillguard").add_dataframe_asset("frame")
    return asset.add_batch_definition_whole_dataframe("whole")


def _as_gx_value(value: Any) -> Any:
    """GX compares pandas columns; a datetime parameter must be a pandas Timestamp."""
    return pd.Timestamp(value) if isinstance(value, (dt.datetime, dt.date)) else value


def _failure(result) -> Failure:
    config = result.expectation_config
    column = config.kwargs.get("column")
    info = result.exception_info or {}
    if info.get("raised_exception"):
        observed: Any = None
        message = f"{config.type}({column}) could not run: {info.get('exception_message')}"
    else:
        observed = _observed(result.result)
        where = f" on {column}" if column else ""
        message = f"{config.type}{where}: {observed}"
    return Failure(expectation=config.type, column=column, observed=observed, message=message)


def _observed(result: dict) -> Any:
    if "observed_value" in result:
        details = result.get("details", {}).get("mismatched")
        return {"observed": result["observed_value"], "mismatched": details} if details else result["observed_value"]
    return {
        "unexpected_count": result.get("unexpected_count"),
        "unexpected_percent": result.get("unexpected_percent"),
        "examples": result.get("partial_unexpected_list", [])[:5],
    }
