"""A rendered post is a payload: what the renderer computed (text, parse mode, link, facets,
language, link card, thread parts) is stored with the post and reaches the channel intact."""

from __future__ import annotations

from pathlib import Path

from bot.ingest import load_article, parse_article
from bot.render.channel import channel_excerpts, render_for
from bot.store import Rendered
from tests.dispatch_support import Clock, cytokines, make_dispatcher, run_slots, stored
from tests.test_config import load_text
from tests.test_dispatch import ScriptedChannel

FACET = {
    "index": {"byteStart": 0, "byteEnd": 4},
    "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": "test"}],
}


def test_what_the_renderer_computed_reaches_the_channel_and_the_store(tmp_path):
    def render(channel, article, excerpt) -> Rendered:
        return Rendered(
            f"{excerpt.text} https://b.example/a?utm_source=x",
            None,
            link="https://b.example/a?utm_source=x",
            facets=(FACET,),
            language="pt-BR",
            card={"uri": "https://b.example/a", "title": "T", "description": None},
        )

    opened = stored(tmp_path, cytokines(), channels=[("x", False)])
    store = next(opened)
    try:
        channel = ScriptedChannel("x", [])
        assert run_slots(make_dispatcher(store, channel, Clock(), render), "x") == ["sent"]
        [out] = channel.sent
        assert (out.url, out.facets, out.language) == (
            "https://b.example/a?utm_source=x",
            (FACET,),
            "pt-BR",
        )
        assert out.card == {"uri": "https://b.example/a", "title": "T", "description": None}
        [post] = store.history(channel="x", status="sent")
        assert post.payload == {
            "text": out.text,
            "parse_mode": None,
            "parts": [],
            "link": "https://b.example/a?utm_source=x",
            "facets": [FACET],
            "language": "pt-BR",
            "card": {"uri": "https://b.example/a", "title": "T", "description": None},
        }
    finally:
        opened.close()


ARTICLE = """\
---
title: Wie Kompost entsteht
url: https://garten.example/kompost/
lang: de_DE
tags: [garten]
---

Kompost verwandelt Küchenabfälle und Laub innerhalb einer Saison in Nahrung für den Boden.
Ein kleiner Haufen in einer schattigen Ecke genügt für die meisten Gärten.
"""


def test_a_channels_post_carries_its_tagged_link_facets_and_language(tmp_path: Path):
    config = load_text(
        tmp_path,
        """
[channels.sky]
platform = "console"
render_as = "bluesky"
schedule = { every = "1h" }
utm = { source = "bluesky", medium = "social" }
""",
    )
    path = tmp_path / "kompost.md"
    path.write_text(ARTICLE, encoding="utf-8")
    article = load_article(path, id_path=path.name)
    assert article.language == "de-DE"
    channel = config.channels["sky"]
    rendered = render_for(channel, article, channel_excerpts(channel, article)[0])
    assert rendered.link.startswith("https://garten.example/kompost/?utm_source=bluesky")
    assert rendered.language == "de-DE"
    encoded = rendered.text.encode("utf-8")
    links = [f for f in rendered.facets if f["features"][0]["$type"].endswith("#link")]
    assert [encoded[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode() for f in links] == [
        rendered.link
    ]


def test_an_html_page_says_its_language():
    page = (
        "<html lang='pt-br'><head><title>Solo vivo</title>"
        "<link rel='canonical' href='https://solo.example/vivo/'></head><body><article>"
        "<h1>Solo vivo</h1><p>O solo saudável guarda água, carbono e uma multidão de seres "
        "vivos que alimentam as plantas ao longo do ano inteiro.</p>"
        "<p>Cobrir o solo com palha protege essa vida do sol forte e da chuva pesada, e "
        "devolve matéria orgânica à terra.</p></article></body></html>"
    )
    article = parse_article(page.encode(), source="vivo.html", kind="html")
    assert article.language == "pt-BR"
