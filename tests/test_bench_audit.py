"""bench/audit.py: an audit's labels, looked up by the hash of what preview picks now."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

from bench.audit import main

POST = """---
title: Raised beds
date: 2024-03-05
---

Raised beds warm up sooner in spring, so the first sowing can come weeks earlier than in
open ground.

A bed a metre wide can be tended from both sides without ever stepping on the soil.
"""


def test_an_audit_reports_the_rates_of_its_labels_and_what_has_none(tmp_path, capsys):
    post = tmp_path / "posts" / "someone" / "garden" / "_posts" / "2024-03-05-raised-beds.md"
    post.parent.mkdir(parents=True)
    post.write_text(POST, encoding="utf-8")
    shown = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "preview",
            str(post),
            "--base-url=https://g.example",
            "--json",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    first, *rest = [p["excerpt"] for p in json.loads(shown.stdout)]
    assert rest, "the post gives two excerpts"
    digest = hashlib.sha1(first.encode()).hexdigest()
    audit = tmp_path / "audit.tsv"
    audit.write_text(
        "# repo\tpath\tbase_url\tsha1\tlabel\tround\n"
        f"someone/garden\t_posts/2024-03-05-raised-beds.md\thttps://g.example\t{digest}\tGOOD"
        "\tbefore\n"
        "someone/garden\t_posts/2024-01-01-absent.md\thttps://g.example\t0\tOK\tbefore\n",
        encoding="utf-8",
    )
    assert main([str(audit), "--posts", str(tmp_path / "posts")]) == 0
    out, err = capsys.readouterr()
    assert f"1 posts, {1 + len(rest)} top-8 excerpts, 1 labelled" in out
    assert "GOOD            1  100.0 %" in out
    assert f"unlabelled: someone/garden/_posts/2024-03-05-raised-beds.md [2] {rest[0]}" in out
    assert "skipped someone/garden/_posts/2024-01-01-absent.md: absent" in err
