"""One settings object for the whole product; see `config.settings`."""

from config.settings import Settings, load_settings

__all__ = ["Settings", "load_settings"]
