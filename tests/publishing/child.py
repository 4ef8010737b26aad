"""A publishing run in its own process, for tests that kill it or take its rights away.

Usage: child.py OUT_ROOT BUMP [STOP_POINT MARKER]. Publishes the conftest day made with
BUMP and refreshes the mirror; at STOP_POINT it touches MARKER and waits to be killed.
"""

import sys
import time
from pathlib import Path

from publishing_fixtures import DAY, STATUS, day_campaigns, day_scores, passing
from config.settings import Settings
from publishing.mirror import refresh_mirror
from publishing.publish import PublishError, publish_day


def main(out_root: str, bump: str, stop_point: str = "", marker: str = "") -> int:
    def hook(point: str) -> None:
        if point == stop_point:
            Path(marker).touch()
            time.sleep(120)

    settings = Settings(out_root=Path(out_root))
    try:
        publish_day(settings, DAY, day_scores(float(bump)), day_campaigns(float(bump)), STATUS,
                    validate=passing, hook=hook)
    except PublishError as error:
        print(error, file=sys.stderr)
        return 3
    refresh_mirror(settings, hook=hook)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
