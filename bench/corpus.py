"""A generated corpus of blog articles for benchmarks: deterministic, ~600 words each.

The prose mixes what makes segmentation hard: abbreviations (Dr., U.S., e.g., a.m.),
decimals and amounts, initials, quotations, parentheses and ellipses.
"""

from __future__ import annotations

import random

SUBJECTS = [
    "Cytokines",
    "The immune system",
    "Dr. Alvarez",
    "Researchers in the U.S.",
    "T cells",
    "Vitamin D",
    "The study",
    "Chronic inflammation",
    "Macrophages",
    "Prof. J. K. Lee",
    "A 2019 trial",
    "Small proteins",
    "Interleukin-6",
    "The body's defenses",
    "Most patients",
]
VERBS = [
    "regulate",
    "amplify",
    "suppress",
    "coordinate",
    "signal to",
    "depend on",
    "protect",
    "shape",
    "modulate",
    "interfere with",
    "respond to",
    "recruit",
]
OBJECTS = [
    "the inflammatory response",
    "nearby cells",
    "antibody production",
    "tissue repair",
    "the gut microbiome (e.g. Lactobacillus strains)",
    "fever at 3 a.m. in some cases",
    "about 4.5% of circulating cells",
    "a $2.3 million research program",
    "the so-called “cytokine storm”",
    "immune memory",
    "blood cell formation",
    "signals from the bone marrow",
    "the response to vaccines, i.e. long-term immunity",
]
TAILS = [
    "",
    " within hours",
    " in older adults",
    " according to a recent review",
    " (though results vary)",
    " more than expected",
    " in mice and humans alike",
    "… or so it seemed",
    " after exercise",
    " during infection",
]
OPENERS = ["However, ", "Moreover, ", "In fact, ", "", "", "", "", "This means ", "They also "]
WORDS_PER_ARTICLE = 600


def sentence(rng: random.Random) -> str:
    opener = rng.choice(OPENERS)
    subject = rng.choice(SUBJECTS)
    if opener:
        subject = (
            subject[0].lower() + subject[1:] if not subject.startswith(("Dr", "Prof")) else subject
        )
    end = rng.choice([".", ".", ".", "!", "?"])
    return f"{opener}{subject} {rng.choice(VERBS)} {rng.choice(OBJECTS)}{rng.choice(TAILS)}{end}"


def article_markdown(index: int, rng: random.Random) -> str:
    """One article as a Markdown file with front matter, about 600 words of body."""
    lines = [
        "---",
        f"title: Notes on immunity, part {index}",
        f"url: https://blog.example.org/{index}/notes-on-immunity/",
        "site: blog.example.org",
        "tags: [immunology, cytokines]",
        "---",
        "",
    ]
    words = 0
    section = 0
    while words < WORDS_PER_ARTICLE:
        if words // 200 >= section:
            section += 1
            lines += [f"## Section {section}", ""]
        paragraph = " ".join(sentence(rng) for _ in range(rng.randint(3, 6)))
        words += len(paragraph.split())
        lines += [paragraph, ""]
    lines += [
        "Disclaimer: This post is for informational purposes only and is not medical advice.",
        "",
        "Leave a Reply",
    ]
    return "\n".join(lines)


def generate(count: int, *, seed: int = 2026) -> list[bytes]:
    """`count` articles as UTF-8 Markdown bytes."""
    rng = random.Random(seed)
    return [article_markdown(i, rng).encode("utf-8") for i in range(count)]
