"""The boot-time doctor's verdict as the kiosk reads it at start: the first failed check, or none.

`kiosk doctor --json --output FILE` (packaging/systemd/kiosk-doctor.service, before kiosk.service) writes the verdict;
the kiosk, configured with `[kiosk] boot_check = FILE`, offers nothing and shows the out-of-service screen when a
check failed. A configured verdict that is missing or unreadable counts as failed ("boot_check"): a kiosk whose
start-up check did not run is not known to be well.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

log = logging.getLogger(__name__)

NOT_RUN = "boot_check"


def failed_check(path: Path | None) -> str:
    """The name of the first failed check in the verdict at `path`; "" when all passed or no boot check is set."""
    if path is None:
        return ""
    try:
        verdict = json.loads(path.read_text(encoding="utf-8"))
        checks = verdict["checks"]
        failed = [str(c["name"]) for c in checks if c["status"] == "fail"]
        ok = verdict["ok"] is True
    except (OSError, ValueError, KeyError, TypeError) as e:
        log.error("the boot-time doctor's verdict at %s cannot be read (%s): out of service", path, type(e).__name__)
        return NOT_RUN
    if ok and not failed:
        return ""
    name = failed[0] if failed else NOT_RUN
    log.error("the boot-time doctor failed (%s): out of service", name)
    return name
