"""How clean the bodies excerpt-bot takes from real pages and blog folders are, measured on
../shared/reference/articles (skipped, with a line saying so, where that data is absent).

    python -m bench.reference_bodies [--shared PATH]

Reports, per rendered HTML page with a known body (manifest.json's first and last sentence):
the excerpts cut for X's room and for Mastodon's, and how many of them are verbatim body:
their text (the parts around a shortening "…") found word for word in the page's visible
text between the body's first and last sentence (entities decoded, scripts, styles, noscript
and hidden elements dropped, whitespace collapsed, as the manifest's sentences are
matched; footnote markers may be left out). And, for
the Hugo and Jekyll folders, how many posts get a link without and with [site] set (each
blog's base URL and permalink setting, as its SOURCES.md gives them).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from bot.errors import UserError
from bot.excerpt import ELLIPSIS, excerpt_article
from bot.ingest import load_article

PROJECT = Path(__file__).resolve().parent.parent
ROOMS = {"x": 250, "mastodon": 470}
_SPACE = re.compile(r"\s+")
_CITATION = re.compile(r"\[\d{1,3}\]")
_CITATION_TEXT = re.compile(r"\[?\d{1,3}\]?")

# Each reference blog: base URL, permalink setting, posts_dir (from SOURCES.md).
SITES = {
    "hugo-cedricziel": ("https://blog.cedric-ziel.com/", "hugo", "content"),
    "hugo-baldanders": ("https://text.baldanders.info/", "hugo", "content"),
    "hugo-kaeruct": ("https://kaeruct.github.io", "hugo", "content/posts"),
    "hugo-istvnurbn": ("https://istvnurbn.me/", "/:year/:month/:title/", "content"),
    "hugo-opentelemetry": ("https://opentelemetry.io", "hugo", "content"),
    "hugo-cncf-glossary": ("https://glossary.cncf.io/", None, "content"),
    "jekyll-brianbuccola": ("http://brianbuccola.com", "/:title/", "_posts"),
    "jekyll-18f": ("https://18f.gsa.gov", "pretty", ""),
}


_CJK_CHARS = "\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_CJK_WRAP = re.compile(f"(?<=[{_CJK_CHARS}])[^\\S\n]*\n\\s*(?=[{_CJK_CHARS}])")


def page_text(html: str) -> str:
    """The page's visible text: entities decoded, script/style/noscript dropped, whitespace
    collapsed."""
    from lxml import html as lxml_html

    tree = lxml_html.fromstring(html)
    for element in tree.xpath(
        "//script|//style|//noscript|//template|//*[@hidden]"
        "|//*[contains(translate(@style, ' ', ''), 'display:none')]"
    ):
        element.drop_tree()
    # Footnote markers (a superscript number, a "[6]" link to a note) are not the author's
    # words and are not expected in an excerpt.
    for element in tree.xpath(
        "//sup|//a[starts-with(@href, '#fn') or starts-with(@href, '#cite')]"
    ):
        if _CITATION_TEXT.fullmatch(element.text_content().strip()):
            element.drop_tree()
    # CSS Text: a line break of the source between two Chinese or Japanese characters is
    # removed, not shown as a space.
    return _SPACE.sub(" ", _CJK_WRAP.sub("", tree.text_content())).strip()


def body_span(text: str, first: str, last: str) -> str | None:
    start = text.find(first)
    end = text.find(last, max(start, 0))
    if start < 0 or end < 0:
        return None
    return text[start : end + len(last)]


def is_verbatim(excerpt: str, body: str) -> bool:
    """Whether the excerpt is word for word in the body, as it is or without its citation
    markers ("[6]" is not the author's words and not expected in an excerpt)."""
    parts = [_SPACE.sub(" ", p).strip() for p in excerpt.split(ELLIPSIS)]
    return any(all(p in text for p in parts if p) for text in (body, _CITATION.sub("", body)))


def html_report(root: Path, files: list[dict]) -> list[str]:
    lines = []
    totals = {room: [0, 0] for room in ROOMS}
    for entry in files:
        if not entry["path"].endswith(".html"):
            continue
        path = root / entry["path"]
        body = body_span(
            page_text(path.read_text(encoding="utf-8")),
            entry["body"]["first_sentence"],
            entry["body"]["last_sentence"],
        )
        if body is None:
            lines.append(f"{entry['path']}: the manifest's body not found in the page")
            continue
        try:
            article = load_article(path)
        except UserError as exc:
            lines.append(f"{entry['path']}: {exc}")
            continue
        counts, shown = [], []
        for room, length in ROOMS.items():
            excerpts = excerpt_article(article, max_length=length)
            bad = [e.text for e in excerpts if not is_verbatim(e.text, body)]
            totals[room][0] += len(excerpts) - len(bad)
            totals[room][1] += len(excerpts)
            counts.append(f"{room} {len(excerpts) - len(bad)}/{len(excerpts)}")
            shown += [f"    not body ({room}): {t[:110]}" for t in bad[:4]]
        lines += [f"{entry['path']}: title {article.title!r}; " + ", ".join(counts), *shown]
    for room, (good, total) in totals.items():
        share = 100 * good / total if total else 0.0
        lines.append(
            f"all pages, {room} room ({ROOMS[room]}): {good}/{total} excerpts verbatim "
            f"body ({share:.1f} %)"
        )
    return lines


def link_report(root: Path, files: list[dict]) -> list[str]:
    try:
        from bot.config.site import SiteSettings
        from bot.sources.cutting import load_site_article
    except ImportError:  # a version without [site]
        SiteSettings = load_site_article = None
    posts = [f for f in files if f["path"].split("/")[0] in SITES]
    plain = with_site = right = 0
    for entry in posts:
        path = root / entry["path"]
        plain += load_article(path).url is not None
        if load_site_article is None:
            continue
        folder = entry["path"].split("/")[0]
        base_url, permalink, posts_dir = SITES[folder]
        article = load_site_article(
            path,
            site=SiteSettings(base_url=base_url, permalink=permalink),
            posts_dir=root / folder / posts_dir,
        )
        with_site += article.url is not None
        right += article.url == entry["url"]
    return [
        f"Hugo/Jekyll posts with a link: {plain}/{len(posts)} without [site]; "
        f"{with_site}/{len(posts)} with it, {right} of them the live URL"
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=PROJECT.parent / "shared")
    args = parser.parse_args()
    root = args.shared / "reference" / "articles"
    manifest = root / "manifest.json"
    if not manifest.is_file():
        print(f"skipped: no reference articles at {root}")
        return 0
    files = json.loads(manifest.read_text(encoding="utf-8"))["files"]
    for line in html_report(root, files) + link_report(root, files):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
