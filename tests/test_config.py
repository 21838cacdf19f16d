"""The config file as users write it: what loads, what it means, and what the CLI gets from it."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.config import (
    BotSettings,
    ChannelDefaults,
    Config,
    ConfigProblems,
    Schedule,
    SiteSettings,
    Source,
    Utm,
    WebSettings,
    config_json_schema,
    default_config_path,
    load_config,
    render_init_config,
    resolve_secrets,
)
from bot.config.admin import AdminSettings
from bot.errors import ConfigError
from bot.platforms import PLATFORMS
from bot.platforms.console import ConsoleSettings
from bot.platforms.telegram import TelegramSettings
from bot.platforms.x import XSettings

PROJECT = Path(__file__).resolve().parent.parent
REFERENCE = PROJECT / "config" / "reference.toml"

EXAMPLE = """
[bot]
database = "var/excerpt-bot.sqlite3"
posts_dir = "posts"
timezone = "UTC"
log_format = "text"
log_file = "var/excerpt-bot.log"
log_level = "info"
metrics_port = 9464
scan_interval = "5m"

[defaults]
repeat_after = "90d"

[channels.console]
platform = "console"
schedule = { every = "10s" }

[channels.news]
platform = "telegram"
chat_id = "@my_channel"
token_env = "TELEGRAM_BOT_TOKEN"
api_base_url = "http://127.0.0.1:8081"
max_per_day = 3
""" + (
    'schedule = { slots = ["mon-fri 08:30", "mon-fri 18:00", "sat 10:00"], '
    'timezone = "Europe/Berlin", jitter = "10m" }\n'
)


def write_config(folder: Path, text: str, name: str = "excerpt-bot.toml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def load_text(folder: Path, text: str) -> Config:
    return load_config(write_config(folder, text))


def problems_of(folder: Path, text: str) -> list[str]:
    with pytest.raises(ConfigProblems) as caught:
        load_text(folder, text)
    return caught.value.problems


CONSOLE = '[channels.console]\nplatform = "console"\nschedule = { every = "1h" }\n'


# --- what a good config means --------------------------------------------------------------


def test_the_example_config_loads_with_typed_values(tmp_path: Path) -> None:
    config = load_text(tmp_path / "etc", EXAMPLE)

    assert config.bot.database == str(tmp_path / "etc" / "var" / "excerpt-bot.sqlite3")
    assert config.bot.database_url == f"sqlite:///{tmp_path}/etc/var/excerpt-bot.sqlite3"
    assert config.bot.posts_dir == tmp_path / "etc" / "posts"
    assert config.bot.log_file == tmp_path / "etc" / "var" / "excerpt-bot.log"
    assert config.bot.scan_interval == timedelta(minutes=5)
    assert config.bot.metrics_port == 9464
    assert list(config.channels) == ["console", "news"]

    console = config.channels["console"]
    assert isinstance(console, ConsoleSettings)
    assert console.name == "console"
    assert console.render_as == "x"
    assert console.schedule == (Schedule(every=timedelta(seconds=10), timezone="UTC"),)
    assert console.schedule[0].kind == "every"

    news = config.channels["news"]
    assert isinstance(news, TelegramSettings)
    assert news.chat_id == "@my_channel"
    assert news.token_env == "TELEGRAM_BOT_TOKEN"
    assert news.api_base_url == "http://127.0.0.1:8081"
    assert news.max_per_day == 3
    assert news.repeat_after == timedelta(days=90)
    assert news.link_preview == "below"
    assert news.timeout == timedelta(seconds=30)
    (slots,) = news.schedule
    assert slots.kind == "slots"
    assert slots.slots == ("mon-fri 08:30", "mon-fri 18:00", "sat 10:00")
    assert slots.timezone == "Europe/Berlin"
    assert str(slots.zone) == "Europe/Berlin"
    assert slots.jitter == timedelta(minutes=10)


def test_channel_defaults_when_not_written(tmp_path: Path) -> None:
    config = load_text(
        tmp_path,
        CONSOLE
        + """
[channels.tw]
platform = "x"
schedule = { cron = "0 9 * * *" }
""",
    )
    console, x = config.channels["console"], config.channels["tw"]
    assert (console.enabled, console.max_per_day, console.repeat_after) == (
        True,
        None,
        timedelta(days=90),
    )
    assert (console.require_approval, console.missed, console.grace, console.on_unknown) == (
        False,
        "skip",
        timedelta(minutes=10),
        "mark",
    )
    assert (console.template, console.hashtags, console.utm, console.articles) == (
        None,
        3,
        None,
        None,
    )
    assert console.outbox is None
    assert isinstance(x, XSettings)
    assert x.max_per_day == 24  # a guard: X bills each post (there is no free tier now)
    assert (x.api_key_env, x.api_secret_env) == ("X_API_KEY", "X_API_SECRET")
    assert (x.access_token_env, x.access_token_secret_env) == (
        "X_ACCESS_TOKEN",
        "X_ACCESS_TOKEN_SECRET",
    )
    assert (x.oauth2_token_env, x.api_base_url, x.thread) == (None, None, False)
    assert x.schedule[0].cron == "0 9 * * *"


def test_defaults_apply_to_every_channel_that_takes_them_and_channels_override(
    tmp_path: Path,
) -> None:
    config = load_text(
        tmp_path,
        """
[defaults]
repeat_after = "30d"
max_per_day = 5
link_preview = "none"
utm = { source = "bot", medium = "social" }
schedule = { every = "2h" }

[channels.log]
platform = "console"

[channels.news]
platform = "telegram"
chat_id = -1001234567890
repeat_after = "7d"

[channels.tw]
platform = "x"
schedule = { every = "6h" }
""",
    )
    log, news, tw = (config.channels[n] for n in ("log", "news", "tw"))
    assert log.repeat_after == tw.repeat_after == timedelta(days=30)
    assert news.repeat_after == timedelta(days=7)
    assert log.max_per_day == news.max_per_day == tw.max_per_day == 5  # beats X's own 17
    assert news.link_preview == "none"  # telegram-only default; console and x ignore it
    assert log.utm == Utm(source="bot", medium="social", campaign=None)
    assert log.schedule[0].every == news.schedule[0].every == timedelta(hours=2)
    assert tw.schedule[0].every == timedelta(hours=6)
    assert news.chat_id == -1001234567890
    assert config.defaults.repeat_after == timedelta(days=30)
    assert isinstance(config.defaults, ChannelDefaults)


def test_platform_may_come_from_defaults(tmp_path: Path) -> None:
    config = load_text(
        tmp_path, '[defaults]\nplatform = "console"\n[channels.a]\nschedule = { every = "1h" }\n'
    )
    assert isinstance(config.channels["a"], ConsoleSettings)


def test_schedules_default_to_the_bot_time_zone_and_may_be_a_list(tmp_path: Path) -> None:
    config = load_text(
        tmp_path,
        """
[bot]
timezone = "America/New_York"

[channels.tw]
platform = "x"

[[channels.tw.schedule]]
cron = "0   9,13  * * mon-fri"

[[channels.tw.schedule]]
slots = ["sat 11:00"]
timezone = "Europe/Berlin"
jitter = "20m"
""",
    )
    first, second = config.channels["tw"].schedule
    assert (first.kind, first.cron, first.timezone) == (
        "cron",
        "0 9,13 * * mon-fri",
        "America/New_York",
    )
    assert first.jitter == timedelta(0)
    assert (second.kind, second.timezone, second.jitter) == (
        "slots",
        "Europe/Berlin",
        timedelta(minutes=20),
    )


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("var/bot.sqlite3", "{dir}/var/bot.sqlite3"),
        ("../state/bot.sqlite3", "{parent}/state/bot.sqlite3"),
        ("/srv/bot.sqlite3", "/srv/bot.sqlite3"),
        ("sqlite:///var/bot.sqlite3", "sqlite:///{dir}/var/bot.sqlite3"),
        ("sqlite+pysqlite:///bot.db?timeout=5", "sqlite+pysqlite:///{dir}/bot.db?timeout=5"),
        ("sqlite:////srv/bot.sqlite3", "sqlite:////srv/bot.sqlite3"),
        ("sqlite:///:memory:", "sqlite:///:memory:"),
        ("postgresql://bot@db.example.org/excerpt", "postgresql://bot@db.example.org/excerpt"),
    ],
)
def test_database_paths_are_relative_to_the_config_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, written: str, expected: str
) -> None:
    folder = tmp_path / "etc"
    monkeypatch.chdir(tmp_path)  # the current folder must not matter
    config = load_text(folder, f'[bot]\ndatabase = "{written}"\n' + CONSOLE)
    assert config.bot.database == expected.format(dir=folder, parent=tmp_path)


def test_paths_resolve_from_the_config_folder_with_home_expanded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    config = load_config(
        Path("etc")
        / write_config(
            tmp_path / "etc",
            '[bot]\nposts_dir = "~/articles"\nlog_file = "logs/../bot.log"\n'
            + CONSOLE
            + 'outbox = "out/posts.txt"\n',
        ).name
    )
    assert config.bot.posts_dir == tmp_path / "home" / "articles"
    assert config.bot.log_file == tmp_path / "etc" / "bot.log"
    assert config.channels["console"].outbox == tmp_path / "etc" / "out" / "posts.txt"
    assert config.source == tmp_path / "etc" / "excerpt-bot.toml"


@pytest.mark.parametrize(
    ("written", "expected"), [('"-1001234567890"', -1001234567890), ("42", 42)]
)
def test_numeric_chat_ids_become_integers(tmp_path: Path, written: str, expected: int) -> None:
    config = load_text(
        tmp_path,
        f'[channels.n]\nplatform = "telegram"\nchat_id = {written}\n'
        'schedule = { every = "1h" }\n',
    )
    assert config.channels["n"].chat_id == expected


def test_config_is_frozen_and_keyword_only() -> None:
    schedule = Schedule(every="1h")
    with pytest.raises(ValidationError):
        schedule.every = timedelta(hours=2)  # type: ignore[misc]
    with pytest.raises(TypeError):
        Schedule("1h")  # type: ignore[misc]
    assert BotSettings().model_config["frozen"] is True


def test_every_field_has_one_line_of_documentation() -> None:
    for model in (
        BotSettings,
        SiteSettings,
        ChannelDefaults,
        *(platform.settings for platform in PLATFORMS.values()),
        Schedule,
        Utm,
        Source,
        Config,
    ):
        for name, field in model.model_fields.items():
            assert field.description, f"{model.__name__}.{name}"
            assert "\n" not in field.description


# --- reference, starter config and schema --------------------------------------------------


def documented_keys(text: str) -> set[str]:
    """Keys set in a TOML text, commented out or not (`# key = ...` counts)."""
    keys = set(re.findall(r"^#?\s*([a-z_0-9]+)\s*=", text, flags=re.MULTILINE))
    keys |= set(re.findall(r"[{,]\s*([a-z_]+)\s*=", text))  # inside inline tables
    return keys


def test_the_reference_config_loads_cleanly() -> None:
    config = load_config(REFERENCE)
    assert {type(c) for c in config.channels.values()} == {
        platform.settings for platform in PLATFORMS.values()
    }
    assert config.bot.posts_dir == REFERENCE.parent / "posts"


def test_the_reference_config_documents_every_key() -> None:
    keys = documented_keys(REFERENCE.read_text(encoding="utf-8"))
    platforms = [platform.settings for platform in PLATFORMS.values()]
    for model in (
        BotSettings,
        SiteSettings,
        *platforms,
        Schedule,
        Utm,
        Source,
        AdminSettings,
        WebSettings,
    ):
        missing = set(model.model_fields) - keys
        assert not missing, f"{model.__name__} keys not in reference.toml: {sorted(missing)}"


def test_the_init_config_loads_and_so_do_its_commented_examples(tmp_path: Path) -> None:
    text = render_init_config()
    assert load_text(tmp_path / "plain", text).channels["console"].platform == "console"

    uncommented = re.sub(r"^# (\[|[a-z_]+ = )", r"\1", text, flags=re.MULTILINE)
    config = load_text(tmp_path / "all", uncommented)
    assert set(config.channels) == {
        "console",
        "news",
        "x",
        "discord",
        "slack",
        "toot",
        "sky",
        "fb",
        "threads",
        "li",
    }
    assert config.bot.metrics_port == 9464
    assert [s.feed for s in config.sources] == ["https://example.org/feed/"]


def test_the_init_config_only_uses_keys_the_reference_documents() -> None:
    reference = documented_keys(REFERENCE.read_text(encoding="utf-8"))
    assert documented_keys(render_init_config()) <= reference


def test_json_schema_is_json_and_describes_the_file() -> None:
    schema = json.loads(json.dumps(config_json_schema()))
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert set(schema["properties"]) == {
        "bot",
        "site",
        "defaults",
        "channels",
        "sources",
        "admin",
        "web",
    }
    assert schema["required"] == ["channels"]
    bot = schema["$defs"]["BotSettings"]
    assert bot["additionalProperties"] is False
    assert bot["properties"]["scan_interval"]["default"] == "5m"
    assert bot["properties"]["log_format"]["enum"] == ["text", "json"]
    telegram = schema["$defs"]["TelegramSettings"]
    assert telegram["properties"]["repeat_after"]["default"] == "90d"
    assert set(telegram["required"]) == {"platform", "schedule", "chat_id"}
    channel = schema["properties"]["channels"]["additionalProperties"]
    assert channel["discriminator"]["propertyName"] == "platform"
    admin = schema["$defs"]["AdminSettings"]
    assert admin["properties"]["digest_at"]["default"] == "08:00"
    assert set(admin["required"]) == {"telegram_chat_id", "allowed_users"}


# --- problems ------------------------------------------------------------------------------


def test_a_missing_file_says_so_and_suggests_init(tmp_path: Path) -> None:
    path = tmp_path / "excerpt-bot.toml"
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value) == (
        f'{path}: no such file (run "excerpt-bot init" to write one, or pass --config FILE)'
    )


def test_a_folder_instead_of_a_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is a folder"):
        load_config(tmp_path)


def test_all_problems_are_reported_at_once_in_file_order(tmp_path: Path) -> None:
    problems = problems_of(
        tmp_path,
        """
[bot]
log_level = "loud"
timezone = "Mars/Olympus"

[channels.news]
platform = "telegram"
chat_id = "@my_channel"
max_per_dya = 3
schedule = { every = "10x" }
""",
    )
    path = tmp_path / "excerpt-bot.toml"
    assert problems == [
        f'{path}: bot.log_level: "loud" is not allowed '
        '(write "debug", "info", "warning" or "error")',
        f'{path}: bot.timezone: "Mars/Olympus" is not a time zone (write an IANA time zone name '
        'such as "Europe/Berlin", "America/New_York" or "UTC")',
        f'{path}: channels.news.max_per_dya: unknown key (did you mean "max_per_day"?)',
        f'{path}: channels.news.schedule.every: "10x" is not a duration '
        "(write 90s, 10m, 2h or 90d)",
    ]


def test_an_error_in_a_default_is_reported_once_at_defaults(tmp_path: Path) -> None:
    problems = problems_of(
        tmp_path,
        '[defaults]\ngrace = "later"\n'
        + CONSOLE
        + '[channels.b]\nplatform = "console"\nschedule = { every = "2h" }\n',
    )
    assert [p.split(": ", 1)[1] for p in problems] == [
        'defaults.grace: "later" is not a duration (write 90s, 10m, 2h or 90d)'
    ]


def test_slot_syntax_is_checked_by_the_scheduler(tmp_path: Path) -> None:
    problems = problems_of(
        tmp_path,
        '[channels.n]\nplatform = "console"\nschedule = { slots = ["mon-fri 8.30"] }\n',
    )
    assert len(problems) == 1
    assert 'channels.n.schedule.slots[0]: "mon-fri 8.30"' in problems[0]


# --- helpers for the CLI -------------------------------------------------------------------


def test_resolve_secrets_reads_the_named_variables(tmp_path: Path) -> None:
    config = load_text(tmp_path, EXAMPLE)
    env = {"TELEGRAM_BOT_TOKEN": "123:abc", "OTHER": "x"}
    assert resolve_secrets(config.channels["news"], env) == {"token": "123:abc"}
    assert resolve_secrets(config.channels["console"], {}) == {}


def test_resolve_secrets_names_every_missing_variable_and_no_value(tmp_path: Path) -> None:
    config = load_text(
        tmp_path,
        '[channels.tw]\nplatform = "x"\napi_secret_env = "MY_SECRET"\n'
        'schedule = { every = "1h" }\n',
    )
    env = {"X_API_KEY": "key-value-1", "MY_SECRET": "", "X_ACCESS_TOKEN": "token-value-2"}
    with pytest.raises(ConfigError) as caught:
        resolve_secrets(config.channels["tw"], env)
    path = tmp_path / "excerpt-bot.toml"
    fix = "(export it, or add it to the service's EnvironmentFile)"
    assert caught.value.problems == [
        f"{path}: channels.tw.api_secret_env: environment variable MY_SECRET is empty {fix}",
        f"{path}: channels.tw.access_token_secret_env: environment variable "
        f"X_ACCESS_TOKEN_SECRET is not set {fix}",
    ]
    assert "value" not in str(caught.value)


def test_an_oauth2_token_replaces_the_four_x_keys(tmp_path: Path) -> None:
    config = load_text(
        tmp_path,
        '[channels.tw]\nplatform = "x"\noauth2_token_env = "X_OAUTH2_TOKEN"\n'
        'schedule = { every = "1h" }\n',
    )
    assert resolve_secrets(config.channels["tw"], {"X_OAUTH2_TOKEN": "t"}) == {"oauth2_token": "t"}


def test_default_config_path(tmp_path: Path) -> None:
    assert default_config_path({}, tmp_path) == tmp_path / "excerpt-bot.toml"
    assert default_config_path({"EXCERPT_BOT_CONFIG": "conf/bot.toml"}, tmp_path) == (
        tmp_path / "conf" / "bot.toml"
    )
    assert default_config_path({"EXCERPT_BOT_CONFIG": "/etc/bot.toml"}, tmp_path) == Path(
        "/etc/bot.toml"
    )


def test_summary_names_channels_platforms_schedules_and_database(tmp_path: Path) -> None:
    config = load_text(tmp_path, EXAMPLE)
    summary = config.summary()
    assert summary[0] == f"config: {tmp_path / 'excerpt-bot.toml'}"
    assert f"database: sqlite:///{tmp_path}/var/excerpt-bot.sqlite3" in summary
    assert "channels: 2 (2 enabled)" in summary
    assert "  console: console as x, to the log; every 10s; repeats after 90d" in summary
    assert (
        "  news: telegram to @my_channel; at mon-fri 08:30, mon-fri 18:00, sat 10:00 "
        "(Europe/Berlin, jitter 10m); at most 3 a day; repeats after 90d"
    ) in summary


def test_warnings_when_a_schedule_asks_for_more_than_max_per_day(tmp_path: Path) -> None:
    (tmp_path / "posts").mkdir()
    config = load_text(
        tmp_path,
        """
[channels.tw]
platform = "x"
schedule = { every = "30m" }

[channels.news]
platform = "telegram"
chat_id = "@my_channel"
max_per_day = 2
schedule = { slots = ["mon-fri 08:30", "mon-fri 12:00", "mon-fri 18:00", "sat 10:00"] }

[channels.ok]
platform = "x"
schedule = { cron = "0 9,13,17 * * *" }
""",
    )
    path = tmp_path / "excerpt-bot.toml"
    fix = "(the extra slots are skipped; post less often or raise max_per_day)"
    assert config.warnings() == [
        f"{path}: channels.tw.schedule: asks for more than 24 posts in 24 hours "
        f"but max_per_day is 24 {fix}",
        f"{path}: channels.news.schedule: asks for up to 3 posts in 24 hours "
        f"but max_per_day is 2 {fix}",
    ]


def test_warning_when_posts_dir_does_not_exist(tmp_path: Path) -> None:
    config = load_text(tmp_path, CONSOLE)
    assert config.warnings() == [
        f"{tmp_path / 'excerpt-bot.toml'}: bot.posts_dir: {tmp_path / 'posts'} is not a folder "
        "yet (create it and put articles in it)"
    ]


def test_every_platform_is_documented_and_has_an_example_in_the_starter_config() -> None:
    reference = REFERENCE.read_text(encoding="utf-8")
    listed = re.search(r"#   platform +(.+?) \(required\)", reference).group(1)
    assert set(re.findall(r'"([a-z]+)"', listed)) == set(PLATFORMS)
    starter = render_init_config()
    readme = (REFERENCE.parent.parent / "README.md").read_text(encoding="utf-8")
    for name in PLATFORMS:
        assert re.search(rf'^#? ?platform = "{name}"', starter, flags=re.MULTILINE), name
        assert re.search(rf"^### {name}$", readme, flags=re.MULTILINE | re.IGNORECASE), name
