"""Hashtags for a post: from the article's tags, or else from its most frequent keywords.

"immune health" becomes "#ImmuneHealth"; punctuation goes, tags with no letter left ("2024",
"!!!") are skipped, as are phrases of more than three words, and duplicates are dropped
case-insensitively. An article without usable tags gets its most frequent content words
instead (title words weigh more than body words; the common words of the languages most
blogs are written in never count; two forms of one word, "Перемены" and "Перемен", give one).
The order is deterministic: tag order, or keyword score then first appearance.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from functools import lru_cache

import regex

from bot.article import Article

# Letters, marks, digits and underscores: what every platform links as a hashtag.
_TAG_WORD = regex.compile(r"[\p{L}\p{M}\p{N}_]+")
_HAS_LETTER = regex.compile(r"\p{L}")
_KEYWORD = regex.compile(r"\p{L}[\p{L}\p{M}]*")
# Bluesky's limit on a tag (64 graphemes); longer tags are never worth posting anyway.
MAX_TAG_CHARS = 64
MAX_TAG_WORDS = 3
MIN_KEYWORD_CHARS = 4
MAX_KEYWORD_CHARS = 30
# A keyword must score this much: twice in the body, or once in the title or a heading.
MIN_KEYWORD_SCORE = 2
TITLE_WEIGHT = 3
HEADING_WEIGHT = 2

# English function words of four letters or more (shorter words are never keywords), and
# words common in any blog post.
STOPWORDS = (
    frozenset(
        """
    about above across after afterwards again against almost alone along already also
    although always among amongst another anyone anything anyway anywhere around been
    before being below beside besides between beyond both cannot could does doing done
    down during each either else elsewhere enough even ever every everyone everything
    everywhere except few first from further have having here hers herself himself
    however into itself just last least less like made make makes many might more
    moreover most mostly much must myself neither never nevertheless next none nothing
    often once only onto other others otherwise ours ourselves over perhaps quite rather
    really same several shall should since some something sometimes somewhere still such
    than that their theirs them themselves then there thereby therefore these they thing
    things this those though through throughout thus together too toward towards under
    unless until upon used using very want well were what whatever when whenever where
    whereas whether which while whom whose will with within without would your yours
    yourself yourselves back came come comes doesn didn aren wasn weren wouldn shouldn
    couldn haven hasn hadn lets gets getting goes going great good include includes
    including known part role play plays help helps
    """.split()
    )
    | frozenset(
        # The same in the other languages most blogs here are written in (Spanish, Portuguese,
        # French, Italian, German): a post is not about "#Todos" or "#Para".
        """
    para pero como todo todos toda todas este esta estos estas eso esos esas aquí ahora
    cuando donde porque sobre entre desde hasta también muy más menos cada otro otra otros
    otras mismo misma hace hacer puede pueden tiene tienen está están será sido siempre
    nunca nada algo alguien nosotros ellos ellas vez veces cosa cosas pelo pela pelos pelas
    mais muito muita muitos muitas isso isto esse essa esses essas onde quando porque
    também ainda sobre entre depois antes agora sempre nunca coisa coisas tudo nada você
    vocês nós eles elas dele dela pode podem fazer sendo está estão foram avec dans pour
    sans sous mais plus moins très tout tous toute toutes cette ceux celle celles comme
    quand être avoir fait faire peut sont était aussi encore déjà toujours jamais rien chose
    choses nous vous elle elles leur leurs quel quelle sono della delle degli nella nelle
    dello questo questa questi queste quello quella come quando anche ancora sempre molto
    tutto tutti tutte cosa cose fare essere hanno sulla sulle alla alle allo perché oder
    aber wenn dass nicht auch noch schon sehr mehr eine einen einem einer sind sein seine
    ihre ihren diese dieser dieses wird werden wurde haben hatte kann können immer alles
    etwas nichts dann denn doch weil über unter durch gegen ohne nach beim
    """.split()
    )
    | frozenset(
        # And in Dutch, Russian and Ukrainian: not "#Много", "#Очень", "#Говорят".
        """
    niet maar voor zijn deze door naar heeft hebben worden wordt werd ook nog omdat
    wanneer want waar alle alles veel meer andere zoals tussen tegen onder over eens goed
    heel echt gewoon even daar hier zelf toch weer altijd nooit iets niets kunnen kunt moet
    moeten zullen zouden waren was zou mijn jouw onze hun haar hem
    очень много который которые которая которое которых также этого этот эта эти этих
    того тоже чтобы когда потому будет было были быть есть если только можно нужно может
    могут всех всего более менее просто самый даже после через между перед свой своих
    свою своей себя меня тебя него неё нами вами ними этом этой такой такие такая здесь
    потом сейчас всегда никогда говорят сказать кажется почему какой какие какая где
    тогда хотя ещё уже теперь вообще надо раньше больше меньше человек людей против
    дуже багато який яка яке які також цього цей ця ці того теж щоб коли тому буде було
    були бути якщо тільки можна треба може можуть всіх більше менше після через між перед
    свій своїх себе мене тебе його нами вами ними цьому цій такий такі така тут тепер
    завжди ніколи кажуть чому де тоді хоча вже взагалі раніше людей
    """.split()
    )
)


_URL_PARTS = frozenset({"http", "https", "www", "com", "html"})


def hashtag_from_tag(tag: str) -> str | None:
    """The hashtag for one tag: "immune health" → "#ImmuneHealth"; None if no letter is
    left, or if the tag is a phrase of more than MAX_TAG_WORDS words ("I apparently give
    writing advice now": a joke of the blog's, no subject anyone follows)."""
    words = _TAG_WORD.findall(unicodedata.normalize("NFC", tag))
    if len(words) > MAX_TAG_WORDS:
        return None
    # One word keeps its spelling ("iPhone"); several are joined in CamelCase.
    body = words[0] if len(words) == 1 else "".join(w[:1].upper() + w[1:] for w in words)
    if not _HAS_LETTER.search(body) or len(body) > MAX_TAG_CHARS:
        return None
    if body.casefold() in _URL_PARTS:
        return None  # a tag a link left in the front matter ("Https"): no subject
    return f"#{body}"


def _keyword_key(word: str) -> str:
    key = word.casefold()
    # "cytokine" and "cytokines" are one keyword.
    if key.endswith("s") and not key.endswith("ss") and len(key) > MIN_KEYWORD_CHARS:
        key = key[:-1]
    return key


def keywords(article: Article) -> list[str]:
    """The article's content words, most frequent first, each in its most common spelling."""
    return list(_keywords(article))


# Remembered: every post of an article asks for them, and a long essay's take 0.1 s.
@lru_cache(maxsize=16)
def _keywords(article: Article) -> tuple[str, ...]:
    scores: Counter[str] = Counter()
    spellings: dict[str, Counter[str]] = {}
    weighted = [(article.title, TITLE_WEIGHT)]
    weighted += [(heading, HEADING_WEIGHT) for heading in article.headings]
    weighted += [(paragraph, 1) for paragraph in article.paragraphs]
    for text, weight in weighted:
        for word in _KEYWORD.findall(unicodedata.normalize("NFC", text)):
            if not MIN_KEYWORD_CHARS <= len(word) <= MAX_KEYWORD_CHARS:
                continue
            if word.casefold() in STOPWORDS:
                continue
            key = _keyword_key(word)
            scores[key] += weight
            spellings.setdefault(key, Counter())[word] += 1
    # Counter.most_common keeps first-seen order among equals: the order is deterministic.
    return tuple(
        spellings[key].most_common(1)[0][0]
        for key, score in scores.most_common()
        if score >= MIN_KEYWORD_SCORE
    )


def _unique(tags: list[str | None], max_tags: int) -> list[str]:
    seen: set[str] = set()
    result: list[str] = []
    for tag in tags:
        if tag is None or tag.casefold() in seen:
            continue
        seen.add(tag.casefold())
        result.append(tag)
        if len(result) == max_tags:
            break
    return result


def hashtags_for(article: Article, *, max_tags: int = 3) -> list[str]:
    """Up to `max_tags` hashtags ("#Word"): from the article's tags, else from its keywords."""
    if max_tags <= 0:
        return []
    from_tags = _unique([hashtag_from_tag(tag) for tag in article.tags], max_tags)
    if from_tags:
        return from_tags
    # Capitalised like the CamelCase tags they stand beside: "#Cytokines #Immune".
    chosen: list[str] = []
    for word in _distinct(_keywords(article)):
        tag = hashtag_from_tag(word[:1].upper() + word[1:])
        if tag is not None and tag.casefold() not in {t.casefold() for t in chosen}:
            chosen.append(tag)
            if len(chosen) == max_tags:
                break
    return chosen


# A keyword that is the start of one before it (or the other way round), but for a short
# ending, is that keyword inflected: "Перемен" after "Перемены".
_SAME_STEM_MIN = 5
_ENDING_MAX = 2


def _distinct(words: Iterable[str]) -> Iterator[str]:
    """`words` without those that are another form of one before them (lazily: a long
    essay has thousands of keywords, and a post takes three)."""
    kept: list[str] = []
    for word in words:
        key = word.casefold()
        if not any(_same_stem(key, other) for other in kept):
            kept.append(key)
            yield word


def _same_stem(a: str, b: str) -> bool:
    short, long = sorted((a, b), key=len)
    return (
        len(short) >= _SAME_STEM_MIN
        and long.startswith(short)
        and len(long) - len(short) <= _ENDING_MAX
    )
