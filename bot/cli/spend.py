"""`excerpt-bot spend [--month YYYY-MM]`: what posting cost, per channel and per day, from
the store — the charges and the reckoning `status` shows (`bot.spend`), so the two agree
to the cent.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click

from bot.cli.configured import json_option, load_config_or_fail, opened_store, utc_now
from bot.cli.options import config_option
from bot.cli.output import NOTHING, add_row, make_table, print_json, print_table
from bot.config import Config
from bot.errors import UserError
from bot.pricing import as_number, format_money, month_bounds, month_of
from bot.spend import Charge, by_day, spent


@click.command()
@config_option
@click.option(
    "--month", metavar="YYYY-MM", help="The month to show, e.g. 2026-11 (default: this month)."
)
@json_option
def spend(config_path: Path | None, month: str | None, as_json: bool) -> None:
    """Show what posting cost, per channel and per day.

    For each channel whose posts cost money, what its posts cost in the month (or may
    have: an unknown post counts), day by day, in [bot] timezone: the figures `status`
    shows. `--json` prints {"month", "currency", "channels": {NAME: {"spend", "posts",
    "days": {"YYYY-MM-DD": amount}}}, "total"} (amounts in currency units; "currency" and
    "total" are null when channels bill in different currencies).
    """
    config = load_config_or_fail(config_path)
    zone = ZoneInfo(config.bot.timezone)
    month = month or month_of(utc_now(), zone)
    try:
        since, until = month_bounds(month, zone)
    except ValueError as exc:
        raise UserError(f"--month: {exc}") from None
    with opened_store(config, read_only=True) as store:
        names = sorted(set(config.channels) | set(store.status_summary()))
        found = {name: store.charges(name, since, until) for name in names}
    report = spend_report(config, found, month=month, zone=zone)
    if as_json:
        print_json(report)
        return
    _show(report, config.bot.timezone)


def spend_report(
    config: Config, charges: dict[str, list[Charge]], *, month: str, zone: ZoneInfo
) -> dict[str, Any]:
    """The month's spend per channel (those whose posts cost money, and any channel with
    charges), per day, and in all."""
    channels: dict[str, dict[str, Any]] = {}
    currencies = set()
    for name, found in charges.items():
        settings = config.channels.get(name)
        prices = settings.prices if settings is not None else None
        currency = (
            prices.currency
            if prices is not None
            else next((c.currency for c in found if c.currency), None)
        )
        if currency is None:
            continue  # its posts cost nothing we know of
        currencies.add(currency)
        days = by_day(found, zone, currency)
        channels[name] = {
            "spend": as_number(spent(found, currency)),
            "posts": sum(c.posts for c in found if c.currency == currency),
            "currency": currency,
            "days": {day: as_number(micros) for day, micros in days.items()},
            "_micros": spent(found, currency),
        }
    total = sum(entry.pop("_micros") for entry in channels.values())
    one = len(currencies) <= 1  # a total only adds up in one currency
    return {
        "month": month,
        "currency": next(iter(currencies)) if len(currencies) == 1 else None,
        "channels": channels,
        "total": as_number(total) if one else None,
    }


def _show(report: dict[str, Any], zone_name: str) -> None:
    channels = report["channels"]
    if not channels:
        click.echo(
            f"{report['month']}: no channel's posts cost money (the config names no "
            "priced platform, and the store records no cost)"
        )
        return
    days = sorted({day for entry in channels.values() for day in entry["days"]})
    table = make_table(
        "day!", *(f"{name}!" for name in channels), title=f"spend in {report['month']}"
    )
    for day in days:
        add_row(
            table,
            (
                day,
                *(_money(entry["days"].get(day), entry["currency"]) for entry in channels.values()),
            ),
        )
    add_row(
        table,
        (
            "month",
            *(
                f"{_money(entry['spend'], entry['currency'])} ({entry['posts']} posts)"
                for entry in channels.values()
            ),
        ),
    )
    total = (
        f"total: {_money(report['total'], report['currency'])}"
        if report["total"] is not None
        else "total: channels bill in different currencies"
    )
    print_table(
        table, [total, f"days in {zone_name}; an unknown post counts (it may have been billed)"]
    )


def _money(amount: float | None, currency: str) -> str:
    if amount is None:
        return NOTHING
    return format_money(round(amount * 1_000_000), currency)
