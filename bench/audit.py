"""Excerpt quality on blogs the rules were not written on: an audit's labels, re-measured.

    PYTHONPATH=. .venv/bin/python bench/audit.py bench/audits/unseen-3.tsv --posts DIR
    PYTHONPATH=. .venv/bin/python bench/audit.py bench/audits/unseen-3.tsv --posts DIR --show

An audit is a set of Markdown posts from public blogs on GitHub that nobody on the project
had read, each run through `excerpt-bot preview` as a user runs it (`--base-url` the blog's
own), with its top 8 excerpts labelled one by one (the labels of `bench/quality.py`). The
project keeps no text of those posts: each line of an audit file is `repo<TAB>path<TAB>
base_url<TAB>sha1<TAB>LABEL<TAB>round`, where `sha1` is the SHA-1 of the excerpt's text and
`round` says who labelled it when: `before` (a helper session that had not seen the rules,
on the engine of the day, before any change the audit led to), `after` (an excerpt a later
engine picked, labelled by the rules' author after seeing it).

The posts are read from `DIR/<owner>/<name>/<path>` (clone or fetch each repository named in
the file there). The report gives the rate of each label among the labelled top-8 excerpts,
and lists those with no label yet. Posts absent from DIR are skipped, with a line.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

KINDS = ("GOOD", "OK", "DANGLING", "FRAGMENT", "BOILERPLATE", "DULL")
ROUNDS = ("before", "after")
TOP = 8


@dataclass(frozen=True)
class Post:
    repo: str
    path: str
    base_url: str


def read_audit(path: Path) -> tuple[list[Post], dict[tuple[str, str, str], str]]:
    """The audit's posts, in file order, and (repo, path, sha1) -> label."""
    posts: dict[tuple[str, str], Post] = {}
    labels: dict[tuple[str, str, str], str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 6 or fields[4] not in KINDS or fields[5] not in ROUNDS:
            raise SystemExit(
                f"{path}:{number}: expected repo, path, base_url, sha1, one of {KINDS}, round"
            )
        repo, post_path, base_url, digest, label, _round = fields
        posts.setdefault((repo, post_path), Post(repo, post_path, base_url))
        labels[(repo, post_path, digest)] = label
    return list(posts.values()), labels


def top_excerpts(file: Path, base_url: str) -> list[str]:
    """The first TOP excerpts `excerpt-bot preview` gives the post, as a user runs it."""
    command = [sys.executable, "-m", "bot", "preview", str(file), "--base-url", base_url]
    done = subprocess.run([*command, "--json"], capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip().splitlines()[-1] if done.stderr else "failed")
    return [post["excerpt"] for post in json.loads(done.stdout)][:TOP]


def sha1(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("audit", type=Path, help="an audit file (bench/audits/*.tsv)")
    parser.add_argument("--posts", type=Path, required=True, help="DIR/<owner>/<name>/<path>")
    parser.add_argument("--show", action="store_true", help="print every excerpt and label")
    args = parser.parse_args(argv)
    posts, labels = read_audit(args.audit)
    found: Counter[str] = Counter()
    unlabelled: list[str] = []
    measured = 0
    for post in posts:
        file = args.posts / post.repo / post.path
        if not file.is_file():
            print(f"skipped {post.repo}/{post.path}: absent", file=sys.stderr)
            continue
        try:
            excerpts = top_excerpts(file, post.base_url)
        except RuntimeError as exc:
            print(f"refused {post.repo}/{post.path}: {exc}")
            continue
        measured += 1
        for rank, text in enumerate(excerpts, 1):
            label = labels.get((post.repo, post.path, sha1(text)))
            if label:
                found[label] += 1
            else:
                unlabelled.append(f"{post.repo}/{post.path} [{rank}] {text}")
            if args.show:
                print(f"{label or '?':12}{post.repo}/{post.path} [{rank}]\n    {text}")
    labelled = sum(found.values())
    print(f"{measured} posts, {labelled + len(unlabelled)} top-{TOP} excerpts, {labelled} labelled")
    usable = found["GOOD"] + found["OK"]
    for kind, count in (*((k, found[k]) for k in KINDS), ("usable", usable)):
        print(f"  {kind:12}{count:5}  {_pct(count, labelled)}")
    for line in unlabelled:
        print(f"unlabelled: {line}")
    return 0


def _pct(n: int, total: int) -> str:
    return f"{100 * n / total:5.1f} %" if total else "    -"


if __name__ == "__main__":
    sys.exit(main())
