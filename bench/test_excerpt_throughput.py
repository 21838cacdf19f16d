"""Excerpting throughput: ingest + excerpt + render of 2,000 articles vs pySBD alone.

Run with `make bench` (pytest-benchmark). The pySBD baseline only segments the same
bodies into sentences; excerpt-bot's figure is the whole pipeline. The README quotes both.
"""

from __future__ import annotations

import pytest

from bench.corpus import generate
from bot.ingest import parse_article
from bot.render import PROFILES
from bot.render.channel import posts_for

ARTICLES = 2000


@pytest.fixture(scope="module")
def corpus() -> list[bytes]:
    return generate(ARTICLES)


def pipeline(corpus: list[bytes]) -> int:
    posts = 0
    for i, data in enumerate(corpus):
        article = parse_article(data, source=f"bench/{i}.md", kind="md")
        posts += len(posts_for(article, PROFILES["x"]))
    return posts


def pysbd_alone(corpus: list[bytes], bodies: list[str]) -> int:
    import pysbd

    segmenter = pysbd.Segmenter(language="en", clean=False)
    return sum(len(segmenter.segment(body)) for body in bodies)


@pytest.mark.benchmark(group="excerpt-throughput", min_rounds=1)
def test_excerpt_bot_pipeline(benchmark, corpus):
    posts = benchmark.pedantic(pipeline, args=(corpus,), rounds=3, iterations=1)
    benchmark.extra_info.update(articles=len(corpus), posts=posts)
    assert posts > len(corpus)


@pytest.mark.benchmark(group="excerpt-throughput", min_rounds=1)
def test_pysbd_segmentation_alone(benchmark, corpus):
    pytest.importorskip("pysbd")
    bodies = ["\n\n".join(parse_article(d, source="b.md", kind="md").paragraphs) for d in corpus]
    sentences = benchmark.pedantic(pysbd_alone, args=(corpus, bodies), rounds=2, iterations=1)
    benchmark.extra_info.update(articles=len(corpus), sentences=sentences)
