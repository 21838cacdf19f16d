"""Excerpt quality on real articles: the rates of each label, top 8 and the rest.

    PYTHONPATH=. .venv/bin/python bench/quality.py             # the report
    PYTHONPATH=. .venv/bin/python bench/quality.py --show      # every excerpt, with its label
    PYTHONPATH=. .venv/bin/python bench/quality.py --unlabelled  # only those still to label

It runs preview's path (`load_article`, then `bot.render.channel.posts_for` for X, the
article's URL from the corpus manifest) on every article of the reference corpus
(`../shared/reference/articles/`, 31 real articles; see its SOURCES.md), and looks each
excerpt up in `bench/quality_labels.tsv`: one line per excerpt, `path<TAB>hash<TAB>LABEL
<TAB>round`, where `hash` is `excerpt_hash` of the excerpt's text (so the project holds no
text of those articles) and `round` says when the label was made (`before`: labelled on the
engine of the time before its ranking changed; `after`: an excerpt the new ranking picked
that had no label yet).

Labels, one per excerpt, made by reading it alone as a post:

    GOOD         stands alone, says something worth reading
    OK           stands alone, usable, but plain
    DANGLING     needs the text before it (an unresolved "the company", "it", "this", a
                 quotation without its speaker, a chart it refers to, a false claim out of
                 context)
    FRAGMENT     debris: not a whole thought, list labels or markup, a footnote marker,
                 code, math, a broken sentence split
    BOILERPLATE  not article body (navigation, promotion, credits, contact lines)
    DULL         complete and self-contained but not worth posting

Every excerpt ranked in an article's top 8 is labelled; of the rest, the fixed sample whose
hash falls in `SAMPLE` (a quarter, chosen by the text's hash so it does not depend on the
ranking). "Usable" is GOOD + OK; "debris" is FRAGMENT. The report gives the rate of each
label among labelled excerpts, for the top 8 and for the rest, and how many excerpts in
either group have no label yet. Articles absent from the machine are skipped, with a line.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# ../shared/reference/articles beside the project (a worktree may sit one level deeper).
CORPUS = next(
    (
        p / "shared" / "reference" / "articles"
        for p in ROOT.parents
        if (p / "shared" / "reference" / "articles").is_dir()
    ),
    ROOT.parent / "shared" / "reference" / "articles",
)
LABELS = Path(__file__).resolve().parent / "quality_labels.tsv"
KINDS = ("GOOD", "OK", "DANGLING", "FRAGMENT", "BOILERPLATE", "DULL")
TOP = 8
SAMPLE = 4  # of the rest, an excerpt is in the sample when its hash is 0 modulo this
PLATFORM = "x"


def excerpt_hash(text: str) -> str:
    """The key of an excerpt in the labels file: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def in_sample(digest: str) -> bool:
    return int(digest, 16) % SAMPLE == 0


@dataclass(frozen=True)
class Cut:
    path: str  # relative to the corpus
    rank: int
    text: str
    digest: str

    @property
    def counted(self) -> bool:
        """In the top 8, or in the fixed sample of the rest."""
        return self.rank < TOP or in_sample(self.digest)


def article_cuts(corpus: Path = CORPUS) -> tuple[list[Cut], list[str]]:
    """Every article's excerpts in preview's order; and the paths absent or refused."""
    from bot.errors import ArticleError
    from bot.ingest import load_article
    from bot.render import PROFILES
    from bot.render.channel import posts_for

    manifest = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    cuts: list[Cut] = []
    missing: list[str] = []
    for entry in manifest["files"]:
        path = corpus / entry["path"]
        if not path.is_file():
            missing.append(f"{entry['path']}: absent")
            continue
        try:
            article = load_article(path, url=entry.get("url"))
        except ArticleError as exc:
            missing.append(f"{entry['path']}: refused ({exc})")
            continue
        posts = posts_for(article, PROFILES[PLATFORM], url=entry.get("url"))
        for rank, post in enumerate(posts):
            cuts.append(Cut(entry["path"], rank, post.excerpt, excerpt_hash(post.excerpt)))
    return cuts, missing


def read_labels(path: Path = LABELS) -> dict[tuple[str, str], tuple[str, str]]:
    """(article path, hash) -> (label, round)."""
    labels = {}
    if not path.is_file():
        return labels
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 4 or fields[2] not in KINDS or fields[3] not in ("before", "after"):
            raise SystemExit(f"{path}:{number}: expected path, hash, one of {KINDS}, round")
        labels[(fields[0], fields[1])] = (fields[2], fields[3])
    return labels


def rates(cuts: list[Cut], labels) -> tuple[Counter, int, int]:
    """Label counts among `cuts`, how many are labelled, how many are not."""
    found = Counter(labels[(c.path, c.digest)][0] for c in cuts if (c.path, c.digest) in labels)
    labelled = sum(found.values())
    return found, labelled, len(cuts) - labelled


def report(cuts: list[Cut], labels) -> str:
    lines = []
    articles = len({c.path for c in cuts})
    lines.append(
        f"{len(cuts)} excerpts from {articles} articles "
        f"(median {_median([c.path for c in cuts])} per article)"
    )
    groups = {
        f"top {TOP}": [c for c in cuts if c.rank < TOP],
        "rest (sample)": [c for c in cuts if c.rank >= TOP and in_sample(c.digest)],
        "all kept (top + sample)": [c for c in cuts if c.counted],
    }
    header = f"{'':24}{'n':>5}" + "".join(f"{k:>12}" for k in KINDS) + f"{'usable':>9}{'unlab.':>8}"
    lines.append(header)
    for name, group in groups.items():
        found, labelled, missing = rates(group, labels)
        row = f"{name:24}{labelled:>5}"
        for kind in KINDS:
            row += f"{_pct(found[kind], labelled):>12}"
        row += f"{_pct(found['GOOD'] + found['OK'], labelled):>9}{missing:>8}"
        lines.append(row)
    rest = [c for c in cuts if c.rank >= TOP]
    lines.append(f"rest: {len(rest)} excerpts, {len(groups['rest (sample)'])} in the sample")
    return "\n".join(lines)


def _pct(n: int, total: int) -> str:
    return f"{100 * n / total:.1f} %" if total else "-"


def _median(paths: list[str]) -> int:
    counts = sorted(Counter(paths).values())
    return counts[len(counts) // 2] if counts else 0


def show(cuts: list[Cut], labels, *, only_unlabelled: bool) -> None:
    current = None
    for c in cuts:
        label = labels.get((c.path, c.digest), ("?", ""))[0]
        if only_unlabelled and (label != "?" or not c.counted):
            continue
        if c.path != current:
            current = c.path
            print(f"\n== {c.path}")
        mark = "" if c.counted else " (not sampled)"
        print(f"[{c.rank}] {c.digest} {label}{mark}\n    {c.text}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--show", action="store_true", help="print every excerpt and label")
    parser.add_argument(
        "--unlabelled",
        action="store_true",
        help="print the counted excerpts that have no label yet",
    )
    args = parser.parse_args(argv)
    if not (CORPUS / "manifest.json").is_file():
        print(f"reference articles not available at {CORPUS}: nothing to measure")
        return 0
    cuts, missing = article_cuts()
    for line in missing:
        print(f"skipped {line}", file=sys.stderr)
    labels = read_labels()
    if args.show or args.unlabelled:
        show(cuts, labels, only_unlabelled=args.unlabelled)
        return 0
    print(report(cuts, labels))
    return 0


if __name__ == "__main__":
    sys.exit(main())
