"""The model stage's cadence during warm-up and the reason a day without a champion gives."""

from __future__ import annotations

import datetime as dt

from pipelines.model import _record_outcome, in_warmup, no_champion_reason

D = dt.date(2026, 3, 2)


def _feature_days(settings, n: int) -> None:
    for i in range(n):
        settings.warehouse_day("features", D + dt.timedelta(days=i)).mkdir(parents=True)


def test_warm_up_lasts_until_the_windows_have_filled(settings):
    _feature_days(settings, 13)
    settings = settings.replace(model={"warmup_days": 14})
    assert in_warmup(settings, D + dt.timedelta(days=12))  # 13 days with D's
    assert not in_warmup(settings, D + dt.timedelta(days=13))  # the 14th


def test_a_withheld_day_gives_the_latest_model_outcome_before_it(settings):
    assert no_champion_reason(settings, D) == f"no champion model as of {D}: no model trained yet"
    _record_outcome(settings, D, False, "12 active accounts with a distillation verdict decided by 2026-03-02, need 20")
    _record_outcome(settings, D + dt.timedelta(days=2), False, "later")
    assert no_champion_reason(settings, D + dt.timedelta(days=1)) == (
        f"no champion model as of {D + dt.timedelta(days=1)}: 12 active accounts with a distillation "
        f"verdict decided by 2026-03-02, need 20")
