"""The simulated API platform: a world in the input contract's layout, with its truth aside."""

from simulation.presets import PRESETS, Group, Preset
from simulation.world import simulate

__all__ = ["PRESETS", "Group", "Preset", "simulate"]
