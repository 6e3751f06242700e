"""Pacing and retries for calls to the Bot Connector, as Teams asks bots to behave.

Teams throttles a bot per conversation (thread): 7 messages per second, 8 per 2 s,
60 per 30 s and 1800 per hour ("Optimize your bot: rate limiting", Teams docs). It
answers 429 (with ``Retry-After``), 412 and 502/504 for transient failures and asks for
retries with exponential backoff. A wait longer than a few seconds goes back to the
outbox instead (``DeliveryError(retry_after=...)``), so one busy conversation does not
hold a worker.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

RETRYABLE_STATUSES = frozenset({412, 429, 502, 503, 504})
# The conversation is gone, the bot was removed or blocked, or Teams refuses the payload:
# trying again later cannot help.
PERMANENT_STATUSES = frozenset({400, 403, 404, 405, 413})

# (window in seconds, messages allowed in it) per conversation.
TEAMS_LIMITS: tuple[tuple[float, int], ...] = ((1.0, 7), (2.0, 8), (30.0, 60), (3600.0, 1800))

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4  # tries of one call before the message goes back to the outbox
    base_delay: float = 0.5  # doubled after each failure, with jitter
    max_delay: float = 8.0
    max_inline_wait: float = 10.0  # a longer Retry-After (or pacing wait) goes to the outbox

    def backoff(self, attempt: int) -> float:
        delay: float = min(self.max_delay, self.base_delay * 2**attempt)
        return delay * random.uniform(0.8, 1.2)


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """``Retry-After`` in seconds, or as an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class PacingDelay(Exception):
    """Sending now would exceed Teams' limits for a longer time than we wait inline."""

    def __init__(self, wait: float) -> None:
        super().__init__(f"pacing: next send in {wait:.1f}s")
        self.wait = wait


class Pacer:
    """Per-conversation sliding windows over the times of our sends."""

    def __init__(
        self,
        limits: tuple[tuple[float, int], ...] = TEAMS_LIMITS,
        *,
        max_wait: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.limits = limits
        self.max_wait = max_wait
        self.clock = clock
        self.sleep = sleep
        self._sent: dict[str, deque[float]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    def wait_for(self, key: str) -> float:
        """Seconds until one more message to ``key`` is within every limit."""
        sent = self._sent.get(key)
        if not sent:
            return 0.0
        now = self.clock()
        longest = max(window for window, _ in self.limits)
        while sent and now - sent[0] >= longest:
            sent.popleft()
        if not sent:
            del self._sent[key]
            return 0.0
        wait = 0.0
        for window, allowed in self.limits:
            recent = [t for t in sent if now - t < window]
            if len(recent) >= allowed:
                # The oldest send that must leave the window before we may send again.
                wait = max(wait, recent[-allowed] + window - now)
        return wait

    async def acquire(self, key: str) -> None:
        """Wait for a send slot (or raise :class:`PacingDelay`), then take it."""
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            wait = self.wait_for(key)
            if wait > self.max_wait:
                raise PacingDelay(wait)
            if wait > 0:
                await self.sleep(wait)
            self._sent.setdefault(key, deque()).append(self.clock())
