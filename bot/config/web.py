"""`[web]`: the web console (`bot.web`): where it listens, and where its login token is."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

from bot.config.channels import FrozenModel
from bot.config.types import EnvVarName, StrictStr

DEFAULT_LISTEN = "127.0.0.1:8765"


def split_listen(listen: str) -> tuple[str, int]:
    """("127.0.0.1", 8765) from "127.0.0.1:8765" ("[::1]:8765" for IPv6); a ValueError
    saying what is wrong otherwise."""
    host, colon, port = listen.rpartition(":")
    if not colon or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError(f'must be "HOST:PORT" such as "{DEFAULT_LISTEN}", got "{listen}"')
    return host.removeprefix("[").removesuffix("]"), int(port)


def _listen(value: str) -> str:
    split_listen(value)
    return value


class WebSettings(FrozenModel):
    """`[web]`: the web console, served by the daemon (and by `excerpt-bot web`)."""

    listen: Annotated[StrictStr, AfterValidator(_listen)] | None = Field(
        None, description='Serve the web console on this "HOST:PORT" (default: not served).'
    )
    token_env: EnvVarName = Field(
        "EXCERPT_BOT_WEB_TOKEN",
        description="The environment variable holding the console's login token.",
    )
