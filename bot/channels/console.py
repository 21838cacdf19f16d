"""The console channel: posts go to the log (and to an outbox file when configured).

It needs no credentials, so the bot runs out of the box; posts are rendered like the
platform named by `render_as`, so what it shows is what that platform would get.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from bot.channels.base import Channel, Delivery, OutgoingPost
from bot.logs import log_event


class ConsoleChannel(Channel):
    def __init__(self, name: str, *, render_as: str = "x", outbox: Path | None = None,
                 echo: TextIO | None = None) -> None:
        self.name = name
        self.render_as = render_as
        self.outbox = outbox
        self.echo = echo  # also show each post as a readable block here (a terminal)

    async def send(self, post: OutgoingPost) -> Delivery:
        remote_id = f"console-{post.id}"
        log_event("console.post", channel=self.name, post=post.id, render_as=self.render_as,
                  text=post.text)
        if self.outbox is not None:
            self._append(post, remote_id)
        if self.echo is not None:
            rule = f"── {self.name} · post {post.id} · as {self.render_as} "
            self.echo.write(f"{rule:─<72}\n{post.text}\n\n")
            self.echo.flush()
        return Delivery(remote_id=remote_id, remote_url=None)

    async def check(self) -> str:
        where = f"the log and {self.outbox}" if self.outbox else "the log"
        return f"writes {self.render_as}-style posts to {where}"

    def _append(self, post: OutgoingPost, remote_id: str) -> None:
        self.outbox.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(
            {"id": remote_id, "post": post.id, "channel": self.name, "text": post.text,
             "parse_mode": post.parse_mode, "sent_at": datetime.now(UTC).isoformat()},
            ensure_ascii=False,
        )
        fd = os.open(self.outbox, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as f:
            f.write(line + "\n")
