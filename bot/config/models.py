"""The whole config: `Config` holds `[bot]` (`BotSettings`), `[site]` (`SiteSettings`, in
`bot.config.site`), `[defaults]`, `[channels.NAME]` and `[[sources]]` (`Source`, in
`bot.config.sources`).

Validation normalises once: durations become timedelta, relative paths become absolute
(relative to the config file's folder, passed as the validation context `config_dir`),
every schedule gets a time zone (its own, else `bot.timezone`), and `[defaults]` is merged
into every channel whose platform takes the key (a channel's own keys win, tables whole).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import (
    AfterValidator,
    BaseModel,
    Field,
    PrivateAttr,
    ValidationInfo,
    create_model,
    field_validator,
    model_validator,
)

from bot.config.admin import AdminSettings
from bot.config.channels import ChannelSettings, FrozenModel, Schedule, Utm
from bot.config.site import SiteSettings
from bot.config.sources import Source, check_sources
from bot.config.types import (
    ChannelName,
    ConfigPath,
    DatabaseLocation,
    EnvVarName,
    PositiveDuration,
    StrictInt,
    StrictStr,
    TimeZoneName,
    time_zone,
)
from bot.config.web import WebSettings
from bot.errors import UserError
from bot.platforms import PLATFORMS

__all__ = [
    "PLATFORMS",
    "AdminSettings",
    "BotSettings",
    "Channel",
    "ChannelDefaults",
    "ChannelSettings",
    "Config",
    "Schedule",
    "SiteSettings",
    "Source",
    "Utm",
    "WebSettings",
]

# A channel's settings: the model of its platform, chosen by its `platform` key.
_MODELS = tuple(platform.settings for platform in PLATFORMS.values())
Channel = Annotated[Union[_MODELS], Field(discriminator="platform")]  # noqa: UP007


def _defaults_model() -> type[BaseModel]:
    """`[defaults]`: every key any channel takes, all optional."""
    fields: dict[str, Any] = {}
    for model in _MODELS:
        for name, field in model.model_fields.items():
            if name in fields:
                continue
            info = ChannelSettings.model_fields.get(name, field)
            annotation = info.annotation
            if info.metadata:
                annotation = Annotated[(annotation, *info.metadata)]
            if name == "platform":
                annotation = Literal[tuple(PLATFORMS)]  # type: ignore[valid-type]
            fields[name] = (annotation | None, Field(None, description=info.description))
    return create_model(
        "ChannelDefaults",
        __base__=FrozenModel,
        __doc__="Any channel key, applied to every channel whose platform takes it.",
        **fields,
    )


ChannelDefaults = _defaults_model()


# --- the bot and the whole file --------------------------------------------------------------


def _at_least_3s(value: timedelta) -> timedelta:
    if value < timedelta(seconds=3):
        raise ValueError("must be 3s or longer (a heartbeat renews it every third of it)")
    return value


class BotSettings(FrozenModel):
    """`[bot]`: where the bot keeps its state, what it reads, how it logs."""

    database: DatabaseLocation = Field(
        "var/excerpt-bot.sqlite3",
        description="A SQLite file path, or a postgresql:// URL (no password in it).",
    )
    database_password_env: EnvVarName | None = Field(
        None,
        description="The environment variable holding the PostgreSQL password "
        "(else libpq's PGPASSWORD or ~/.pgpass).",
    )
    posts_dir: ConfigPath = Field("posts", description="The folder of articles to post.")
    timezone: TimeZoneName = Field("UTC", description="The default time zone of every schedule.")
    scan_interval: PositiveDuration = Field(
        timedelta(minutes=5), description="How often posts_dir is rescanned for changes."
    )
    fetch_timeout: PositiveDuration = Field(
        timedelta(seconds=20), description="Give up fetching a page or a feed after this long."
    )
    log_format: Literal["text", "json"] = Field(
        "text", description="Log lines as readable text or as JSON objects."
    )
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        "info", description="The least severe events logged."
    )
    log_file: ConfigPath | None = Field(
        None, description="Also log to this file (stderr always); works with logrotate."
    )
    metrics_port: Annotated[StrictInt, Field(ge=1, le=65535)] | None = Field(
        None, description="Serve Prometheus /metrics and /healthz on this port (optional)."
    )
    metrics_host: StrictStr = Field(
        "127.0.0.1", description="The address the metrics server listens on."
    )
    instance: Annotated[StrictStr, Field(min_length=1, max_length=200)] | None = Field(
        None,
        description="This daemon's name among several on one PostgreSQL database "
        "(default: host name and pid).",
    )
    lease_ttl: Annotated[PositiveDuration, AfterValidator(_at_least_3s)] = Field(
        timedelta(seconds=30),
        description="How long a daemon's channels stay its own "
        "without a heartbeat (several daemons): a dead one's are taken over after this.",
    )

    def database_password(self, environ: Mapping[str, str]) -> str | None:
        """The PostgreSQL password from `database_password_env`'s variable (None when no
        variable is named: libpq looks in PGPASSWORD and ~/.pgpass itself)."""
        if self.database_password_env is None:
            return None
        value = environ.get(self.database_password_env)
        if not value:
            raise UserError(
                f"bot.database_password_env: the environment variable "
                f"{self.database_password_env} is not set; export it (the "
                "database user's password) or remove the key"
            )
        return value

    @property
    def database_url(self) -> str:
        """`database` as an SQLAlchemy URL (a plain path becomes sqlite:////abs/path)."""
        if "://" in self.database:
            return self.database
        return f"sqlite:///{self.database}"


class Config(FrozenModel):
    """The whole config file."""

    bot: BotSettings = Field(default_factory=BotSettings, description="The bot itself.")
    site: SiteSettings | None = Field(
        None, description="The site posts_dir holds: its address and permalinks."
    )
    defaults: ChannelDefaults = Field(  # type: ignore[valid-type]
        default_factory=ChannelDefaults, description="Keys applied to every channel."
    )
    channels: dict[ChannelName, Channel] = Field(
        min_length=1, description="The channels to post to, by name."
    )
    sources: tuple[Source, ...] = Field(
        (), description="Feeds polled for new articles ([[sources]] tables)."
    )
    admin: AdminSettings | None = Field(
        None, description="The Telegram admin chat: approvals, alerts, a daily digest."
    )
    web: WebSettings = Field(default_factory=WebSettings, description="The web console.")

    _source: Path | None = PrivateAttr(None)

    @property
    def source(self) -> Path | None:
        """The file this config was read from (None when built in code)."""
        return self._source

    def enabled_channels(self) -> dict[str, Channel]:
        """The channels that post (`enabled`, the default), by name."""
        return {name: channel for name, channel in self.channels.items() if channel.enabled}

    @model_validator(mode="before")
    @classmethod
    def _apply_defaults(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        data.setdefault("bot", {})
        data.setdefault("defaults", {})
        defaults, channels = data["defaults"], data.get("channels")
        if isinstance(channels, dict) and isinstance(defaults, dict):
            zone = _valid_zone(data["bot"])
            data["channels"] = {
                name: _channel_with_defaults(raw, defaults, zone) for name, raw in channels.items()
            }
        return data

    @field_validator("sources")
    @classmethod
    def _known_channels(cls, sources: tuple[Source, ...], info: ValidationInfo):
        channels = info.data.get("channels")
        if channels is not None:  # else the channels' own problems are reported
            check_sources(sources, channels)
        return sources

    @model_validator(mode="after")
    def _name_channels(self) -> Config:
        for name, channel in self.channels.items():
            channel._name = name
            channel._spend_zone = self.bot.timezone
        return self

    def attach_source(self, path: Path) -> None:
        """Remember the file this config came from (the loader calls this)."""
        self._source = path
        for channel in self.channels.values():
            channel._source = path

    def summary(self) -> list[str]:
        """A short human summary: database, posts, logs, and each channel with its schedules."""
        from bot.config.summary import describe_config

        return describe_config(self)

    def warnings(self) -> list[str]:
        """Settings that load but will not do what they seem to (e.g. more slots than allowed)."""
        from bot.config.summary import find_warnings

        return find_warnings(self)


def _valid_zone(bot: object) -> str | None:
    zone = bot.get("timezone", "UTC") if isinstance(bot, dict) else None
    try:
        return time_zone(zone) if isinstance(zone, str) else None
    except ValueError:
        return None


def _channel_with_defaults(raw: object, defaults: dict[str, Any], zone: str | None) -> object:
    if not isinstance(raw, dict):
        return raw
    merged = dict(raw)
    platform = PLATFORMS.get(str(raw.get("platform", defaults.get("platform"))))
    model = platform.settings if platform is not None else None
    if model is not None:
        for key, value in defaults.items():
            if key in model.model_fields:
                merged.setdefault(key, value)
    if zone is not None:
        schedule = merged.get("schedule")
        if isinstance(schedule, dict):
            merged["schedule"] = _with_zone(schedule, zone)
        elif isinstance(schedule, list):
            merged["schedule"] = [_with_zone(s, zone) for s in schedule]
    return merged


def _with_zone(schedule: object, zone: str) -> object:
    if isinstance(schedule, dict) and "timezone" not in schedule:
        return {**schedule, "timezone": zone}
    return schedule
