"""Prometheus `/metrics` and `/healthz`, served by the daemon when `metrics_port` is set.

The figures are read from the store at scrape time (one grouped query), so they are the
same as `excerpt-bot status` shows and survive restarts: spend and the budget left too
(`excerpt_bot_spend`, `excerpt_bot_budget_left`, in currency units, this month in
`[bot] timezone`), for the channels whose posts cost money.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from bot.pricing import as_number
from bot.spend import month_window, spend_of
from bot.store import Store

READ_LIMIT = 8192  # a request line and headers; anything longer is refused


def _no_settings() -> Mapping[str, Any]:
    return {}


def _wall_clock() -> datetime:
    return datetime.now(UTC)


class StoreCollector:
    """Per-channel figures from the store: posts by status, queue depth, last success, and
    spend where `settings()` (the channels' settings by name) say posts cost money."""

    def __init__(
        self,
        store: Store,
        channels: Callable[[], list[str]],
        *,
        settings: Callable[[], Mapping[str, Any]] = _no_settings,
        clock: Callable[[], datetime] = _wall_clock,
    ) -> None:
        self.store = store
        self.channels = channels
        self.settings = settings
        self.clock = clock

    def collect(self) -> Iterator[Metric]:
        settings, now = self.settings(), self.clock()
        zones = {channel.spend_zone for channel in settings.values()}
        window = month_window(now, ZoneInfo(min(zones))) if zones else None
        summary = self.store.status_summary(self.channels(), window=window)
        posts = GaugeMetricFamily(
            "excerpt_bot_posts", "Posts by channel and status.", labels=["channel", "status"]
        )
        queue = GaugeMetricFamily(
            "excerpt_bot_queue_depth", "Posts waiting to go out.", labels=["channel"]
        )
        last = GaugeMetricFamily(
            "excerpt_bot_last_success_timestamp_seconds",
            "When the channel last sent a post (Unix time).",
            labels=["channel"],
        )
        paused = GaugeMetricFamily(
            "excerpt_bot_channel_paused", "1 when the channel is paused.", labels=["channel"]
        )
        expiry = GaugeMetricFamily(
            "excerpt_bot_token_expiry_timestamp_seconds",
            "When the channel's access token expires (Unix time; +Inf: never).",
            labels=["channel"],
        )
        spend = GaugeMetricFamily(
            "excerpt_bot_spend",
            "What the channel's posts cost this month (currency units).",
            labels=["channel", "currency"],
        )
        left = GaugeMetricFamily(
            "excerpt_bot_budget_left",
            "What is left of the channel's budget this period (currency units).",
            labels=["channel", "currency"],
        )
        for name, s in summary.items():
            cost = spend_of(
                settings.get(name), s.charges, now=now, held_until=s.budget_reached_until
            )
            if cost is not None:
                spend.add_metric([name, cost.currency], as_number(cost.amount))
                if cost.left is not None:
                    left.add_metric([name, cost.currency], as_number(cost.left))
            for status, count in s.counts.items():
                posts.add_metric([name, str(status)], count)
            queue.add_metric([name], s.queue_depth)
            paused.add_metric([name], 1 if s.paused else 0)
            if s.last_sent_at is not None:
                last.add_metric([name], s.last_sent_at.timestamp())
            if s.token_expires_at is not None:
                expiry.add_metric([name], _expiry_seconds(s.token_expires_at))
        yield from (posts, queue, last, paused, expiry, spend, left)
        if self.store.postgresql:  # several daemons: who holds how much of the work
            from datetime import UTC, datetime

            from bot.store.leases import ownership

            held = GaugeMetricFamily(
                "excerpt_bot_leases_held",
                "Leases (channels, library, feeds) each daemon holds.",
                labels=["instance"],
            )
            found = self.store.read_with(ownership, now=datetime.now(UTC))
            for instance, count in found.leases_held.items():
                held.add_metric([instance], count)
            yield held


def _expiry_seconds(expires_at: str) -> float:
    if expires_at == "never":
        return math.inf
    return datetime.fromisoformat(expires_at).timestamp()


class MetricsServer:
    """A small asyncio HTTP server: GET /metrics and GET /healthz, nothing else."""

    def __init__(
        self,
        store: Store,
        channels: Callable[[], list[str]],
        healthy: Callable[[], bool],
        *,
        host: str,
        port: int,
        settings: Callable[[], Mapping[str, Any]] = _no_settings,
        clock: Callable[[], datetime] = _wall_clock,
    ) -> None:
        self.registry = CollectorRegistry()
        self.registry.register(StoreCollector(store, channels, settings=settings, clock=clock))
        self.healthy = healthy
        self.host = host
        self.port = port
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, self.host, self.port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=5)
            request_line = head.split(b"\r\n", 1)[0].decode("latin-1").split(" ")
            method, path = [*request_line, "", ""][:2]
            status, content_type, body = self._answer(method, path.split("?", 1)[0])
        except (
            TimeoutError,
            asyncio.IncompleteReadError,
            asyncio.LimitOverrunError,
            ConnectionError,
        ):
            writer.close()
            return
        writer.write(
            f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body
        )
        try:
            await writer.drain()
        finally:
            writer.close()

    def _answer(self, method: str, path: str) -> tuple[str, str, bytes]:
        if method != "GET":
            return "405 Method Not Allowed", "text/plain", b"GET only\n"
        if path == "/metrics":
            return "200 OK", CONTENT_TYPE_LATEST, generate_latest(self.registry)
        if path == "/healthz":
            if self.healthy():
                return "200 OK", "text/plain", b"ok\n"
            return "503 Service Unavailable", "text/plain", b"not running\n"
        return "404 Not Found", "text/plain", b"try /metrics or /healthz\n"
