"""Fixed-window counters in the shared cache (Redis in production): how the pages (and the API
beside DRF's throttles) refuse a caller who asks too often.

A rate is ``"<count>/<period>"`` with a period of ``s``, ``min``, ``h`` or ``d``, optionally
with a number in front (``"10/10min"``). Each limit is counted per key (a session, an account,
a client address, an email address): the first key over its limit refuses the call.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*(s|sec|min|m|h|hour|d|day)\s*$")
_UNIT_SECONDS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400}
_UNIT_SECONDS["day"] = 86400


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int


def parse_rate(rate: str) -> Rate:
    match = _RATE.match(rate or "")
    if not match:
        raise ImproperlyConfigured(f"Bad rate {rate!r}: expected e.g. '10/min' or '5/10min'.")
    count, multiplier, unit = match.groups()
    return Rate(int(count), int(multiplier or 1) * _UNIT_SECONDS[unit])


def _cache_key(scope: str, key: str, window: int) -> str:
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"rl:{scope}:{digest}:{window}"


def hit(scope: str, keys: list[str], rate: str) -> bool:
    """Count one call for every key; False when any key is over ``rate`` in this window (the
    call is refused, and still counted, so hammering doesn't reopen the window)."""
    parsed = parse_rate(rate)
    window = int(time.time() // parsed.seconds)
    allowed = True
    for key in keys:
        if not key:
            continue
        name = _cache_key(scope, key, window)
        cache.add(name, 0, timeout=parsed.seconds + 1)
        try:
            count = cache.incr(name)
        except ValueError:  # expired between add and incr
            cache.set(name, 1, timeout=parsed.seconds + 1)
            count = 1
        if count > parsed.count:
            allowed = False
    return allowed


def exceeded(scope: str, keys: list[str], rate: str) -> bool:
    """True when a key already used up ``rate`` in this window (nothing is counted)."""
    parsed = parse_rate(rate)
    window = int(time.time() // parsed.seconds)
    names = [_cache_key(scope, key, window) for key in keys if key]
    counts = cache.get_many(names)
    return any(int(count) >= parsed.count for count in counts.values())


def retry_after(rate: str) -> int:
    """Seconds until the current window of ``rate`` ends."""
    seconds = parse_rate(rate).seconds
    return max(1, int(seconds - time.time() % seconds))


# --- Consecutive failures (e.g. declined cards) -------------------------------------------------


def _streak_key(scope: str, key: str) -> str:
    return f"rl-streak:{scope}:{hashlib.sha256(key.encode()).hexdigest()[:32]}"


def streak(scope: str, key: str) -> int:
    return int(cache.get(_streak_key(scope, key), 0))


def add_to_streak(scope: str, key: str, timeout: int) -> int:
    name = _streak_key(scope, key)
    cache.add(name, 0, timeout=timeout)
    try:
        return cache.incr(name)
    except ValueError:
        cache.set(name, 1, timeout=timeout)
        return 1


def reset_streak(scope: str, key: str) -> None:
    cache.delete(_streak_key(scope, key))
