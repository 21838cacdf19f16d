"""The console platform: posts go to the log (and to an outbox file when configured).

It needs no credentials, so the bot runs out of the box; posts are rendered like the
platform named by `render_as`, so what it shows is what that platform would get.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, TextIO

from pydantic import Field

from bot.config.channels import ChannelSettings
from bot.config.types import ConfigPath
from bot.logs import log_event
from bot.platforms.base import Channel, Delivery, OutgoingPost, Platform


class ConsoleSettings(ChannelSettings):
    """Posts to the log (and an outbox file): runs with no credentials at all."""

    platform: Literal["console"] = Field(description="Posts go to the log.")
    render_as: Literal[
        "x",
        "telegram",
        "mastodon",
        "bluesky",
        "discord",
        "slack",
        "threads",
        "linkedin",
        "facebook",
    ] = Field("x", description="Render posts as this platform would send them.")
    outbox: ConfigPath | None = Field(
        None, description="Also append each post to this file (optional)."
    )

    @property
    def profile_name(self) -> str:
        return self.render_as

    def destination(self) -> str:
        outbox = f" and {self.outbox}" if self.outbox else ""
        return f"console as {self.render_as}, to the log{outbox}"


class ConsoleChannel(Channel):
    def __init__(
        self,
        name: str,
        *,
        render_as: str = "x",
        outbox: Path | None = None,
        echo: TextIO | None = None,
    ) -> None:
        self.name = name
        self.render_as = render_as
        self.outbox = outbox
        self.echo = echo  # also show each post here (a terminal), as its platform shows it

    async def send(self, post: OutgoingPost) -> Delivery:
        remote_id = f"console-{post.id}"
        log_event(
            "console.post",
            channel=self.name,
            post=post.id,
            render_as=self.render_as,
            text=post.text,
        )
        if self.outbox is not None:
            self._append(post, remote_id)
        if self.echo is not None:
            from bot.render.shown import as_shown

            rule = f"── {self.name} · post {post.id} · as {self.render_as} "
            self.echo.write(f"{rule:─<72}\n{as_shown(post.text, post.parse_mode)}\n\n")
            self.echo.flush()
        return Delivery(remote_id=remote_id, remote_url=None)

    async def check(self) -> str:
        where = f"the log and {self.outbox}" if self.outbox else "the log"
        return f"writes {self.render_as}-style posts to {where}"

    def _append(self, post: OutgoingPost, remote_id: str) -> None:
        self.outbox.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(
            {
                "id": remote_id,
                "post": post.id,
                "channel": self.name,
                "text": post.text,
                "parse_mode": post.parse_mode,
                "sent_at": datetime.now(UTC).isoformat(),
            },
            ensure_ascii=False,
        )
        fd = os.open(self.outbox, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as f:
            f.write(line + "\n")


def connect(settings: ConsoleSettings, secrets: Mapping[str, str]) -> ConsoleChannel:
    echo = sys.stdout if sys.stdout.isatty() else None
    return ConsoleChannel(
        settings.name, render_as=settings.render_as, outbox=settings.outbox, echo=echo
    )


PLATFORM = Platform(
    name="console",
    settings=ConsoleSettings,
    connect=connect,
    profile="x",
    summary="the log (and an outbox file): a dry run of any platform, no credentials",
    example="""\
# Writes posts to the log: runs with no credentials at all.
[channels.console]
platform = "console"
render_as = "x"                         # render as "x", "telegram", "mastodon" or "bluesky" would
schedule = { every = "1h" }
""",
)
