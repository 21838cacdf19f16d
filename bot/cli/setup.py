"""Setting a bot up: `init` (a starter config), `check` (is it usable?), `config-schema`."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bot.article import Article
from bot.cli.configured import ProblemsError, load_config_or_fail
from bot.cli.options import config_option, resolve_config_path
from bot.config import Channel as ChannelConfig
from bot.config import (
    Config,
    ConfigProblems,
    config_json_schema,
    render_init_config,
    resolve_secrets,
)
from bot.errors import ExcerptBotError, UserError
from bot.logs import redact
from bot.offloop import AsyncStore, StoredMemory
from bot.platforms import build_channel

if TYPE_CHECKING:
    from bot.store import Store


@click.command()
@config_option
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False), required=False)
@click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
def init(config_path: Path | None, path: Path | None, force: bool) -> None:
    """Write a commented starter config.

    PATH defaults to --config, else $EXCERPT_BOT_CONFIG, else ./excerpt-bot.toml. The
    config runs as is, with a console channel that needs no credentials; the posts folder
    it names is created next to it.
    """
    target = path or resolve_config_path(config_path)
    if target.is_dir():
        raise UserError(f"{target}: is a folder (name the config file, e.g. {target}/bot.toml)")
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with target.open("w" if force else "x", encoding="utf-8") as file:
            file.write(render_init_config())
    except FileExistsError:
        raise UserError(f"{target}: already exists (pass --force to overwrite it)") from None
    posts = load_config_or_fail(target).bot.posts_dir
    posts.mkdir(parents=True, exist_ok=True)
    click.echo(
        f"wrote {target}; put articles in {posts}, then run `excerpt-bot check --config {target}`"
    )


@click.command()
@config_option
@click.option(
    "--online", is_flag=True, help="Also connect to each enabled channel and check its credentials."
)
def check(config_path: Path | None, online: bool) -> None:
    """Check the config and the secrets it names.

    Prints one line per problem and exits with status 2, or prints a summary. Also checks
    that every enabled channel's secrets are set in the environment (their names only are
    printed, never their values).
    """
    config = load_config_or_fail(config_path)
    missing = _missing_secrets(config, os.environ) + _templates_without_room(config)
    if missing:
        raise ProblemsError(missing)
    for line in config.summary():
        click.echo(line)
    for line in config.warnings():
        click.echo(f"warning: {line}", err=True)
    if config.site is not None and config.bot.posts_dir.is_dir():
        _show_site_examples(config)
    for line in _articles_giving_no_post(config):
        click.echo(f"warning: {line}", err=True)
    if online:
        failed = asyncio.run(
            _check_online(
                config.enabled_channels(),
                os.environ,
                config.bot.database,
                config.bot.database_password(os.environ),
            )
        )
        if failed:
            raise ProblemsError(failed)


@click.command("config-schema")
@config_option
def config_schema(config_path: Path | None) -> None:
    """Print the config file's JSON Schema.

    For editors, e.g. Taplo / Even Better TOML.
    """
    click.echo(json.dumps(config_json_schema(), ensure_ascii=False, indent=2))


def _show_site_examples(config: Config) -> None:
    """Two URLs [site] made for files of posts_dir, to compare with the live site."""
    from bot.sources.library import site_examples

    assert config.site is not None
    examples, problems = site_examples(config.bot.posts_dir, config.site)
    click.echo("links made by [site], e.g.:")
    for path, url in examples:
        click.echo(f"  {path.as_posix()} -> {url}")
    if not examples:
        click.echo(
            "  (no post in posts_dir takes its URL from [site]: none yet, or each names its own)"
        )
    for problem in problems[:2]:
        click.echo(f"warning: {problem}", err=True)


NAMED_NO_POST = 10  # articles that give no post, named by `check` (the rest counted)


def _articles_giving_no_post(config: Config) -> list[str]:
    """A line for each article of the library that gives no post, and why (as `add` and
    the daemon said when they cut it): read from the daemon's store, when it has one."""
    from bot.cli.output import count
    from bot.sources.library import articles_giving_no_post

    channels = config.enabled_channels()
    if not channels:
        return []
    with _existing_store(
        config.bot.database, read_only=True, password=config.bot.database_password(os.environ)
    ) as store:
        if store is None:
            return []
        named, total = articles_giving_no_post(
            store, channels, root=config.bot.posts_dir, limit=NAMED_NO_POST
        )
    lines = [f"{source}: gives no post: {reason}" for source, reason in named]
    rest = total - len(named)
    if rest:
        lines.append(f"and {count(rest, 'more article')} give{'s' if rest == 1 else ''} no post")
    return lines


# What a template is measured with: an article of ordinary title, link and site.
_PROBE = Article(
    id="probe",
    title="An ordinary article title, some sixty characters long",
    paragraphs=(),
    source="probe",
    site="example.org",
    url="https://example.org/2026/01/15/an-ordinary-article-title-some-sixty/",
)


def _templates_without_room(config: Config) -> list[str]:
    """A line for each enabled channel whose template leaves no room for an excerpt."""
    from bot.render.channel import channel_profile, utm_for
    from bot.render.post import excerpt_budget
    from bot.sources.cutting import MIN_ROOM

    problems = []
    for name, channel in config.enabled_channels().items():
        profile = channel_profile(channel)
        room = excerpt_budget(_PROBE, profile, template=channel.template, utm=utm_for(channel))
        if room < MIN_ROOM:
            where = f"{config.source}: " if config.source else ""
            problems.append(
                f"{where}channels.{name}.template: leaves {room} characters for the excerpt "
                f"in a post of at most {profile.limit} (an excerpt needs {MIN_ROOM} or more: "
                "shorten the template's own text)"
            )
    return problems


def _missing_secrets(config: Config, environ: Mapping[str, str]) -> list[str]:
    missing: list[str] = []
    for channel in config.enabled_channels().values():
        try:
            resolve_secrets(channel, environ)
        except ConfigProblems as exc:
            missing += exc.problems
    if config.web.listen is not None:
        from bot.web.sessions import check_token

        try:
            check_token(environ.get(config.web.token_env), config.web.token_env)
        except ValueError as exc:
            missing.append(f"{config.source or 'the config'}: web.token_env: {exc}")
    try:
        config.bot.database_password(environ)
    except UserError as exc:
        missing.append(f"{config.source or 'the config'}: {exc}")
    return missing


async def _check_online(
    channels: Mapping[str, ChannelConfig],
    environ: Mapping[str, str],
    database: str,
    password: str | None,
) -> list[str]:
    """Print `NAME: what the check found` per channel; return the failures as lines.

    Each channel checks with what it keeps in the daemon's store (a refreshed token), when
    there is a store: the same credentials the daemon posts with."""
    with _store_if_any(database, password) as db:
        return await _check_each(channels, environ, db)


@contextmanager
def _existing_store(
    database: str, *, read_only: bool = False, password: str | None = None
) -> Iterator[Store | None]:
    """The daemon's store, when it exists (`check` never creates one)."""
    from bot.store import Store

    if "://" not in database and not Path(database).expanduser().exists():
        yield None
        return
    with Store.open(database, read_only=read_only, quick=True, password=password) as store:
        yield store


@contextmanager
def _store_if_any(database: str, password: str | None) -> Iterator[AsyncStore | None]:
    """The daemon's store, when it exists, for code on an event loop."""
    with _existing_store(database, password=password) as store:
        if store is None:
            yield None
            return
        db = AsyncStore(store)
        try:
            yield db
        finally:
            db.close()


async def _check_each(
    channels: Mapping[str, ChannelConfig], environ: Mapping[str, str], db: AsyncStore | None
) -> list[str]:
    failed: list[str] = []
    for name, config in channels.items():
        try:
            answer = await _check_channel(config, environ, db)
        except Exception as exc:  # one channel's failure must not hide the others'
            reason = str(exc)
            if not isinstance(exc, ExcerptBotError):
                reason = f"{type(exc).__name__}: {reason}"
            failed.append(f"{name}: {redact(' '.join(reason.split()))}")
            continue
        click.echo(f"{name}: {redact(answer)}")
    return failed


async def _check_channel(
    config: ChannelConfig, environ: Mapping[str, str], db: AsyncStore | None = None
) -> str:
    channel = build_channel(config, environ)
    if db is not None:
        channel.memory = StoredMemory(db, config.name, lambda: datetime.now(UTC))
    try:
        return await channel.check()
    finally:
        await channel.aclose()
