"""World sizes. A preset fixes who exists and when campaigns start; the seed fixes the rest.

Campaign start days are relative to the first simulated day: a negative start means the
campaign was already running before the window, which is what lets enforcement verdicts
(and so a first model) exist after only a few simulated days.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

DAY_S = 86_400


@dataclass(frozen=True)
class Group:
    """A distillation operation or a legitimate organisation: accounts acting together."""

    archetype: str
    size: int
    start_day: int = -400  # first day of activity, relative to the first simulated day


@dataclass(frozen=True)
class Preset:
    name: str
    n_accounts: int  # everyone: independent accounts fill what the groups leave
    n_days: int
    first_day: dt.date
    release_day: int  # day index on which the new model appears (17:00 UTC)
    groups: tuple[Group, ...]
    rows_per_file: int  # a day is split into several files of about this many rows
    volume: float = 1.0  # multiplies every account's request rate

    @property
    def days(self) -> list[dt.date]:
        return [self.first_day + dt.timedelta(days=i) for i in range(self.n_days)]

    @property
    def epoch_us(self) -> int:
        """Microseconds since 1970 of the first simulated day's midnight (UTC): times are kept
        as seconds from this moment until they are written."""
        first = dt.datetime.combine(self.first_day, dt.time(), tzinfo=dt.timezone.utc)
        return int(first.timestamp()) * 1_000_000


def _campaigns(archetype: str, sizes: list[int], starts: list[int]) -> tuple[Group, ...]:
    return tuple(Group(archetype, n, s) for n, s in zip(sizes, starts, strict=True))


def _orgs(archetype: str, sizes: list[int]) -> tuple[Group, ...]:
    return tuple(Group(archetype, n) for n in sizes)


PRESETS: dict[str, Preset] = {
    "tiny": Preset(
        name="tiny",
        n_accounts=2_500,
        n_days=8,
        first_day=dt.date(2026, 3, 2),
        release_day=4,
        groups=(
            _campaigns("hydra", [170, 110], [-28, 2])
            + _campaigns("low_and_slow", [20], [-12])
            + _campaigns("program_abuse", [8], [-6])
            + _campaigns("bulk_scraper", [1, 1], [-20, 3])
            + _campaigns("reseller", [1], [-60])
            + _orgs("university_class", [55, 40])
            + _orgs("corporate", [35, 25])
        ),
        rows_per_file=12_000,
        volume=0.7,
    ),
    "demo": Preset(
        name="demo",
        n_accounts=20_000,
        n_days=21,
        first_day=dt.date(2026, 3, 2),
        release_day=10,
        groups=(
            _campaigns("hydra", [650, 500, 400, 250], [-30, -8, 5, 13])
            + _campaigns("low_and_slow", [40, 30], [-20, 3])
            + _campaigns("program_abuse", [30, 15], [-6, 9])
            + _campaigns("bulk_scraper", [1] * 5, [-25, -3, 4, 11, 17])
            + _campaigns("reseller", [1], [-90])
            + _orgs("university_class", [180, 120, 90, 60, 45])
            + _orgs("corporate", [150, 90, 60, 40])
        ),
        rows_per_file=150_000,
        volume=1.3,
    ),
    "incident": Preset(
        name="incident",
        n_accounts=250_000,
        n_days=45,
        first_day=dt.date(2026, 2, 2),
        release_day=22,
        groups=(
            _campaigns(
                "hydra",
                [3400, 3200, 3000, 3000, 2800, 2800, 2600, 2400],
                [-40, -20, -5, 3, 10, 18, 26, 33],
            )
            + _campaigns("low_and_slow", [60] * 10, [-30, -25, -14, -7, 0, 6, 12, 20, 28, 36])
            + _campaigns("program_abuse", [100, 100, 80, 80], [-10, 5, 15, 30])
            + _campaigns("bulk_scraper", [1] * 20, list(range(-38, 40, 4)))
            + _campaigns("reseller", [1, 1], [-120, -60])
            + _orgs("university_class", [300, 250, 200, 200, 150, 150, 120, 100, 80, 60] * 3)
            + _orgs("corporate", [800, 500, 400, 300, 300, 200, 150, 100, 80, 60] * 2)
        ),
        rows_per_file=400_000,
        volume=0.85,
    ),
}
