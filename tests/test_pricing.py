"""What posting costs: prices as each platform declares them, a channel's override merged
over them, budgets as written in the config, and posts priced by whether they carry a link."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.article import COMPOSED_SOURCE, Article, Excerpt
from bot.config import ConfigProblems
from bot.config.load import parse_config
from bot.ingest import load_article
from bot.platforms import PLATFORMS
from bot.pricing import (
    Budget,
    Prices,
    format_money,
    month_bounds,
    payload_price,
    period_bounds,
    post_price,
)
from bot.render.channel import channel_excerpts, render_for
from tests.daemon_support import EXAMPLE

X = PLATFORMS["x"].prices
SOURCE = Path("/tmp/bot.toml")
ARTICLE = load_article(EXAMPLE, id_path=EXAMPLE.name)


def load(text: str):
    return parse_config(tomllib.loads(text), SOURCE)


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigProblems) as caught:
        load(text)
    return [line.removeprefix(f"{SOURCE}: ") for line in caught.value.problems]


X_CHANNEL = '[channels.x]\nplatform = "x"\nschedule = { every = "1h" }\n'


def test_x_declares_its_prices_with_where_and_when_they_were_read():
    assert (X.post, X.post_with_link, X.currency) == (Decimal("0.015"), Decimal("0.2"), "USD")
    assert X.read_on is not None and X.source.startswith("https://docs.x.com/")
    free = [name for name, p in PLATFORMS.items() if p.prices is None]
    assert "telegram" in free and "bluesky" in free and "x" not in free


@pytest.mark.parametrize(
    ("text", "price"),
    [
        ("A sentence that stands alone, with no address in it.", 15_000),
        ("Read it all: https://example.org/2026/11/the-post/", 200_000),
        ("Found on example.org, word for word.", 200_000),  # X links a bare domain too
        ("Dr. Smith said so. Version 2.0 is out, e.g. today.", 15_000),
    ],
)
def test_a_post_costs_the_link_price_only_when_its_text_has_a_link(text, price):
    assert post_price(text, X) == price


def test_a_thread_is_priced_part_by_part_and_only_the_part_with_the_link_costs_more():
    x = load(X_CHANNEL + "thread = true\nthread_length = 4\n").channels["x"]
    rendered = render_for(x, ARTICLE, channel_excerpts(x, ARTICLE)[0])
    assert len(rendered.parts) == 4
    with_link = [part for part in rendered.parts if "https://" in part]
    assert with_link == [rendered.parts[-1]]
    assert payload_price(rendered.text, rendered.parts, X) == 3 * 15_000 + 200_000
    # The whole text (all parts joined) has the link, but it is not what is billed.
    assert payload_price(rendered.text, (), X) == 200_000


def test_an_excerpt_on_x_carries_the_link_and_costs_its_price():
    x = load(X_CHANNEL).channels["x"]
    rendered = render_for(x, ARTICLE, channel_excerpts(x, ARTICLE)[0])
    assert payload_price(rendered.text, rendered.parts, X) == 200_000
    # Every excerpt links to its article; a post of your own words (`compose`) need not.
    words = Article(id="c", title="", paragraphs=(), source=COMPOSED_SOURCE, url=None)
    excerpt = Excerpt("e", "c", "Back on Monday with part two.", 0, 0.0, 0, 0, 1, False)
    rendered = render_for(x, words, excerpt)
    assert payload_price(rendered.text, rendered.parts, X) == 15_000


@pytest.mark.parametrize(
    ("text", "amount", "currency", "period"),
    [
        ("20 USD/month", "20", "USD", "month"),
        ("1.50 eur / day", "1.50", "EUR", "day"),
        (" 0.2 USD/Month ", "0.2", "USD", "month"),
    ],
)
def test_budgets_are_read_as_written(text, amount, currency, period):
    assert Budget.parse(text) == Budget(Decimal(amount), currency, period)


@pytest.mark.parametrize(
    "text", ["20 USD", "USD 20/month", "20 dollars/month", "-1 USD/day", "20 USD/week", ""]
)
def test_a_budget_that_says_no_amount_currency_and_period_is_refused_with_the_form(text):
    [line] = problems(X_CHANNEL + f'budget = "{text}"\n')
    assert line.startswith("channels.x.budget: ") and '"20 USD/month"' in line


def test_a_budget_in_another_currency_than_the_prices_is_a_config_error():
    [line] = problems(X_CHANNEL + 'budget = "20 EUR/month"\n')
    assert line == (
        "channels.x.budget: is in EUR but x prices are in USD (write the budget "
        'in USD, or give the channel\'s own price with currency = "EUR")'
    )
    # Once in [defaults]: reported there, once.
    [line] = problems('[defaults]\nbudget = "5 EUR/day"\n' + X_CHANNEL)
    assert line.startswith("defaults.budget: is in EUR but x prices are in USD")


def test_a_budget_in_defaults_applies_to_every_channel_and_costs_nothing_where_posts_are_free():
    config = load(
        '[bot]\ntimezone = "Pacific/Kiritimati"\n[defaults]\nbudget = "20 USD/month"\n'
        + X_CHANNEL
        + '[channels.news]\nplatform = "telegram"\nchat_id = "@my_news"\n'
        'schedule = { every = "1h" }\n'
    )
    x, news = config.channels["x"], config.channels["news"]
    assert x.budget == news.budget == Budget(Decimal(20), "USD", "month")
    assert x.prices == X and news.prices is None
    assert x.spend_zone == news.spend_zone == "Pacific/Kiritimati"


def test_a_partial_price_override_is_merged_with_the_platforms_prices():
    config = load(X_CHANNEL + "price = { post_with_link = 0.25 }\n")
    prices = config.channels["x"].prices
    assert (prices.post, prices.post_with_link, prices.currency) == (
        Decimal("0.015"),
        Decimal("0.25"),
        "USD",
    )
    assert post_price("https://example.org/a", prices) == 250_000


def test_a_whole_override_may_change_the_currency_and_the_budget_follows_it():
    config = load(
        X_CHANNEL + 'price = { post = 0.014, post_with_link = 0.19, currency = "eur" }'
        '\nbudget = "10 EUR/month"\n'
    )
    channel = config.channels["x"]
    assert channel.prices.currency == "EUR" and channel.budget.currency == "EUR"
    assert post_price("no link here", channel.prices) == 14_000


@pytest.mark.parametrize(
    ("price", "says"),
    [
        (
            '{ currency = "EUR" }',
            "channels.x.price: is in EUR but the platform's prices are in USD",
        ),
        ('{ post = "0.1" }', "channels.x.price.post: expected a number"),
        ("{ post = -0.1 }", "channels.x.price.post: must be a number of at least 0"),
        ("{ cost = 0.1 }", "channels.x.price.cost: unknown key"),
        ('{ post = 0.1, currency = "dollars" }', 'channels.x.price.currency: "dollars" is not a'),
    ],
)
def test_a_price_override_that_is_unclear_is_a_config_error(price, says):
    [line] = problems(X_CHANNEL + f"price = {price}\n")
    assert line.startswith(says)


def test_a_platform_without_prices_takes_a_whole_price_of_the_channels_own():
    channel = '[channels.c]\nplatform = "console"\nschedule = { every = "1h" }\n'
    [line] = problems(channel + "price = { post = 0.1 }\n")
    assert line == 'channels.c.price: says no currency (add currency = "USD", say)'
    prices = load(channel + 'price = { post = 0.1, currency = "USD" }\n').channels["c"].prices
    assert prices.post == prices.post_with_link == Decimal("0.1")


def test_months_and_days_are_counted_in_the_given_time_zone():
    kiritimati = ZoneInfo("Pacific/Kiritimati")  # UTC+14: its months start the day before UTC's
    at = datetime(2026, 12, 31, 10, 0, tzinfo=UTC)  # 1 January, 00:00 there
    assert period_bounds(at, "month", kiritimati) == (
        datetime(2026, 12, 31, 10, 0, tzinfo=UTC),
        datetime(2027, 1, 31, 10, 0, tzinfo=UTC),
    )
    assert period_bounds(at, "day", kiritimati)[0] == at
    just_before = datetime(2026, 12, 31, 9, 59, tzinfo=UTC)
    assert period_bounds(just_before, "month", kiritimati)[1] == at
    assert period_bounds(just_before, "day", kiritimati) == (
        datetime(2026, 12, 30, 10, 0, tzinfo=UTC),
        at,
    )
    # A day with a DST change is 23 or 25 hours long.
    berlin = ZoneInfo("Europe/Berlin")
    start, end = period_bounds(datetime(2026, 3, 29, 12, tzinfo=UTC), "day", berlin)
    assert (end - start).total_seconds() == 23 * 3600
    assert month_bounds("2026-11", berlin) == (
        datetime(2026, 10, 31, 23, tzinfo=UTC),
        datetime(2026, 11, 30, 23, tzinfo=UTC),
    )
    with pytest.raises(ValueError, match="YYYY-MM"):
        month_bounds("November", berlin)


@pytest.mark.parametrize(
    ("micros", "text"),
    [
        (0, "0.00 USD"),
        (15_000, "0.015 USD"),
        (18_000_000, "18.00 USD"),
        (215_000, "0.215 USD"),
        (1_234_567_890, "1,234.56789 USD"),
        (1_200_000, "1.20 USD"),
    ],
)
def test_money_is_shown_to_the_cent_and_to_every_digit_below_it(micros, text):
    assert format_money(micros, "USD") == text
    assert Prices.merged(None) is None
