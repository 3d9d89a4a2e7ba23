"""Fault injection for the crash tests: kill this worker process at a named point, once.

Set ``SHOP_CRASH_AT`` to a point name (``after_charge``, ``during_shipment``) and
``SHOP_CRASH_MARKER`` to a file path: the first time the point is reached the marker is
created and the process is SIGKILLed, so the restarted worker passes the point normally.
Inactive unless both variables are set.
"""

import os
import signal
from pathlib import Path


def maybe_crash(point: str) -> None:
    if os.environ.get("SHOP_CRASH_AT") != point:
        return
    marker = os.environ.get("SHOP_CRASH_MARKER")
    if not marker:
        return
    try:
        fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return
    os.write(fd, point.encode())
    os.close(fd)
    Path(marker).touch()
    os.kill(os.getpid(), signal.SIGKILL)
