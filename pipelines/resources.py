"""The resource that hands every asset the one `Settings`.

Built by `config.load_settings`, with the raw and output roots as resource config: the UI
shows them, and `distillguard run` and `distillguard ui` pass the same ones, so both see the
same stores.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from config import Settings, load_settings


class SettingsResource(dg.ConfigurableResource):
    """Paths, thresholds and threads of the pipeline (see `config.settings`)."""

    raw_root: str | None = None
    out_root: str | None = None
    config_file: str | None = None

    def get(self) -> Settings:
        return load_settings(
            self.config_file,
            raw_root=self.raw_root and Path(self.raw_root),
            out_root=self.out_root and Path(self.out_root),
        )

    @classmethod
    def of(cls, settings: Settings) -> "SettingsResource":
        return cls(raw_root=str(settings.raw_root), out_root=str(settings.out_root))
