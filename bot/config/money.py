"""The config's money values: a channel's `price` override and its `budget`.

    price = { post = 0.015, post_with_link = 0.2, currency = "USD" }   any of the three
    budget = "20 USD/month"                                           or "/day"

Amounts are read as the decimal numbers they are written as (0.015 stays 0.015, never a
binary fraction). Whether a budget's currency matches the channel's prices is checked
where both are known (`bot.config.channels.ChannelSettings`).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, WithJsonSchema

from bot.config.types import quote
from bot.pricing import BUDGET_HINT, Budget

__all__ = ["BudgetSpec", "Currency", "PriceAmount", "PriceSettings"]

_CURRENCY = re.compile(r"[A-Z]{3}")
_MOST = Decimal(1_000_000)  # a price or a budget beyond this is a typo, not a plan


def _amount(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ValueError(f"expected a number, got {quote(value)} (write e.g. 0.015, no quotes)")
    amount = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"must be a number of at least 0, got {quote(value)}")
    if amount > _MOST:
        raise ValueError(f"{quote(value)} is more than any post costs (at most 1,000,000)")
    return amount


PriceAmount = Annotated[
    Decimal,
    BeforeValidator(_amount),
    PlainSerializer(float, return_type=float, when_used="json"),
    WithJsonSchema({"type": "number", "minimum": 0, "examples": [0.015, 0.2]}),
]


def _currency(value: object) -> str:
    if not isinstance(value, str) or not _CURRENCY.fullmatch(value.upper()):
        raise ValueError(
            f'{quote(value)} is not a currency (write its ISO 4217 code, e.g. "USD" or "EUR")'
        )
    return value.upper()


Currency = Annotated[
    str,
    BeforeValidator(_currency),
    WithJsonSchema({"type": "string", "pattern": "^[A-Za-z]{3}$", "examples": ["USD", "EUR"]}),
]


def _budget(value: object) -> Budget:
    if isinstance(value, Budget):
        return value
    if not isinstance(value, str):
        raise ValueError(f"expected a budget in quotes, got {quote(value)} ({BUDGET_HINT})")
    budget = Budget.parse(value)
    _currency(budget.currency)
    if budget.amount > _MOST:
        raise ValueError(f"{quote(value)} is more than a budget can be (at most 1,000,000)")
    return budget


BudgetSpec = Annotated[
    Budget,
    BeforeValidator(_budget),
    PlainSerializer(str, return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\s*\d+(\.\d+)?\s*[A-Za-z]{3}\s*/\s*(month|day)\s*$",
            "examples": ["20 USD/month", "1.50 EUR/day"],
        }
    ),
]


class PriceSettings(BaseModel):
    """A channel's own prices, over its platform's: any of the three keys."""

    # As `bot.config.channels.FrozenModel` (which builds on this module's types).
    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True, defer_build=True)

    post: PriceAmount | None = Field(None, description="A post without a link (e.g. 0.015).")
    post_with_link: PriceAmount | None = Field(
        None, description="A post whose text holds a link (e.g. 0.2)."
    )
    currency: Currency | None = Field(None, description='The currency, e.g. "USD".')
