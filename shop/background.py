"""Work done after the answer, off the request path: emails whose sending time must not tell
an observer anything (password reset, signup), on a small thread pool of this process.

Not durable: a job still queued when the process exits is waited for at exit (gunicorn's
graceful stop), lost on a crash. Order emails, which must not be lost, go through the order's
workflow instead.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any

from django.db import connections
from django.utils import translation

logger = logging.getLogger(__name__)

_executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="shop-background")
_pending: set[Future] = set()
_lock = threading.Lock()


def _run(job: Callable[..., Any], args: tuple, kwargs: dict, language: str | None) -> None:
    try:
        with translation.override(language):
            job(*args, **kwargs)
    except Exception:
        logger.exception("Background job %s failed", getattr(job, "__name__", job))
    finally:
        connections.close_all()  # this thread's connections only


def run_later(job: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Run ``job(*args, **kwargs)`` soon, on another thread, in the caller's language (an email
    to a German shopper is written in German); errors are logged."""
    future = _executor.submit(_run, job, args, kwargs, translation.get_language())
    with _lock:
        _pending.add(future)
    future.add_done_callback(_forget)


def _forget(future: Future) -> None:
    with _lock:
        _pending.discard(future)


def wait_for_background(timeout: float = 10.0) -> None:
    """Wait for the jobs queued so far (tests, and the process's exit)."""
    with _lock:
        pending = list(_pending)
    wait(pending, timeout=timeout)
