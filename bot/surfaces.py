"""The daemon's operator surfaces on its own event loop, each only when the config asks
for it: the Prometheus endpoint (`[bot] metrics_port`, `bot.metrics`) and the web console
(`[web] listen`, `bot.web`). Their libraries load only then. An address that cannot be
listened on is one line naming the setting (a UserError), and the daemon does not start.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from bot.errors import UserError
from bot.logs import log_event

if TYPE_CHECKING:
    from bot.daemon import Daemon
    from bot.metrics import MetricsServer
    from bot.web.server import WebConsole


async def start_metrics(daemon: Daemon) -> MetricsServer | None:
    """/metrics served for `daemon`, when metrics_port is set."""
    config = daemon.config
    assert config is not None and daemon.store is not None
    port = config.bot.metrics_port
    if port is None:
        return None
    from bot.metrics import MetricsServer  # prometheus_client costs memory: only when asked

    metrics = MetricsServer(
        daemon.store,
        lambda: sorted(daemon.channels),
        lambda: daemon.scheduler is not None and daemon.scheduler.running,
        host=config.bot.metrics_host,
        port=port,
        settings=lambda: daemon.config.channels if daemon.config is not None else {},
        clock=daemon.clock,
    )
    try:
        await metrics.start()
    except OSError as exc:
        raise UserError(
            f"bot.metrics_port: cannot listen on {config.bot.metrics_host}:{port}: {exc.strerror}"
        ) from exc
    log_event("metrics.listening", url=f"http://{config.bot.metrics_host}:{port}/metrics")
    return metrics


async def start_web(
    daemon: Daemon, *, send_now: Callable[[str], Awaitable[str]]
) -> WebConsole | None:
    """The web console for `daemon`, when [web] listen is set; its Send now is
    `send_now(channel)`."""
    assert daemon.config is not None and daemon.db is not None
    listen = daemon.config.web.listen
    if listen is None:
        return None
    from bot.web import console_for  # aiohttp and Jinja2: only when asked

    web = console_for(
        lambda: daemon.config, daemon.db, daemon.clock, daemon.environ, dispatch=send_now
    )
    try:
        await web.start()
    except OSError as exc:
        raise UserError(f"web.listen: cannot listen on {listen}: {exc.strerror}") from exc
    return web
