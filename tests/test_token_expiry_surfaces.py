"""A channel's token expiry, as its channel keeps it in the store, shown by `status` and
/metrics: a date, "never", or nothing for a channel that has no token to watch."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from bot.metrics import StoreCollector
from bot.store import Store
from bot.store.summaries import read_status

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def test_status_and_metrics_show_each_channel_s_token_expiry(tmp_path):
    path = tmp_path / "bot.sqlite3"
    with Store.open(path) as store:
        store.remember("li", "token_expires_at", "2027-01-30T08:00:00+00:00", now=NOW)
        store.remember("fb", "token_expires_at", "never", now=NOW)
        store.remember("li", "token", '{"value": "a-secret-token-value"}', now=NOW)
        metrics = {
            sample.labels["channel"]: sample.value
            for family in StoreCollector(store, lambda: ["li", "fb", "sky"]).collect()
            if family.name == "excerpt_bot_token_expiry_timestamp_seconds"
            for sample in family.samples
        }
    assert metrics == {"li": datetime(2027, 1, 30, 8, tzinfo=UTC).timestamp(), "fb": math.inf}
    report = read_status(path, channels=["li", "fb", "sky"])  # sqlite3 alone, as `status`
    assert {name: s.token_expires_at for name, s in report.channels.items()} == {
        "fb": "never",
        "li": "2027-01-30T08:00:00+00:00",
        "sky": None,
    }
