"""The admin chat in tests: a config with `[admin]` pointing at the fake Telegram server,
and waiting (bounded, on the wall clock) for what the admin chat does in its own tasks."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from bot.store import Store
from tests.daemon_support import write_config
from tests.fakes import telegram_api as tg

SECRETS = {"TELEGRAM_BOT_TOKEN": tg.TOKEN}
DATABASE = "var/bot.sqlite3"


def admin_table(
    telegram_api: tg.FakeTelegramAPI,
    *,
    allowed: tuple[int, ...] = (tg.ADMIN["id"],),
    extra: str = "",
    base_url: str | None = None,
) -> str:
    users = ", ".join(map(str, allowed))
    return f"""
[admin]
telegram_chat_id = {tg.ADMIN_GROUP["id"]}
allowed_users = [{users}]
api_base_url = "{base_url or telegram_api.base_url}"
{extra}
"""


def approval_config(
    tmp_path: Path,
    telegram_api: tg.FakeTelegramAPI,
    *,
    admin: str | None = None,
    every: str = "1h",
    bot: str = "",
) -> Path:
    """One Telegram channel on the fake that asks for approval, and the admin chat."""
    return write_config(
        tmp_path,
        f"""
[channels.news]
platform = "telegram"
chat_id = "@my_channel"
api_base_url = "{telegram_api.base_url}"
require_approval = true
schedule = {{ every = "{every}" }}
{admin if admin is not None else admin_table(telegram_api)}
""",
        bot=bot,
    )


async def until(predicate: Callable[[], object], *, timeout: float = 15.0) -> object:
    """Wait for `predicate()` to be truthy (what another thread or task does); fail after
    `timeout` wall-clock seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await asyncio.sleep(0.01)


async def answered(telegram_api: tg.FakeTelegramAPI, query_id: str, daemon) -> str | None:
    """The answer to press `query_id`, once the daemon gave it and queued what followed."""
    await until(lambda: query_id in telegram_api.answers)
    await daemon.admin.idle()
    return telegram_api.answers[query_id]


def questions(telegram_api: tg.FakeTelegramAPI) -> dict[int, dict]:
    """The approval questions in the admin chat, by the post they ask about."""
    found = {}
    for message in telegram_api.messages_in(tg.ADMIN_GROUP):
        text = message["params"]["text"]
        if "Approval needed" in text:
            post_id = int(text.split("post ", 1)[1].split(" ", 1)[0])
            found[post_id] = message
    return found


def outbox(tmp_path: Path) -> list[tuple[str, str, int]]:
    """(key, status, tries) of every admin message in the store, in order."""
    from sqlalchemy import select

    from bot.store.schema import admin_messages

    with Store.open(tmp_path / DATABASE) as store:
        rows = store.read_with(
            lambda conn: conn.execute(
                select(
                    admin_messages.c.key, admin_messages.c.status, admin_messages.c.tries
                ).order_by(admin_messages.c.id)
            ).all()
        )
    return [tuple(row) for row in rows]
