"""A configured channel's posts: its render profile, its excerpts (cut for the room its
posts leave) and each post exactly as it goes out — what the daemon queues and sends, and
`preview` shows. Also a bare platform's posts (`posts_for`, `thread_for`: `preview
--platform`). Pure: no I/O.

    channel_profile(channel)              the profile, as the channel's settings adapt it
    cut_key(s)(channel, article)          which cut of the article the channel posts from
    channel_excerpts(channel, article)    that cut: the excerpts, best first
    render_for(channel, article, excerpt) the payload (`Rendered`) the channel sends
    channel_posts(channel, article)       every post, in the order the daemon sends them
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING

from bot.article import COMPOSED_SOURCE, Article
from bot.errors import RenderError
from bot.excerpt import MAX_EXCERPTS, Excerpt, excerpt_article
from bot.render.composed import render_composed
from bot.render.links import UtmParams
from bot.render.platforms import PROFILES, Profile
from bot.render.post import RenderedPost, excerpt_budget, final_link, render_post
from bot.render.thread import DEFAULT_PARTS, render_thread
from bot.store.records import Rendered

if TYPE_CHECKING:
    from bot.config import Channel as ChannelConfig
    from bot.config import Config


def excerpts_for(
    article: Article,
    profile: Profile,
    *,
    template: str | None = None,
    utm: UtmParams | None = None,
    url: str | None = None,
    limit: int | None = None,
    max_excerpts: int = MAX_EXCERPTS,
) -> list[Excerpt]:
    """The article's excerpts that fit `profile`'s posts made with `template`, best first."""
    budget = excerpt_budget(article, profile, template=template, utm=utm, url=url)
    return excerpt_article(
        article,
        max_length=budget,
        measure=profile.measure_excerpt,
        limit=limit,
        max_excerpts=max_excerpts,
    )


def posts_for(
    article: Article,
    profile: Profile,
    *,
    template: str | None = None,
    utm: UtmParams | None = None,
    url: str | None = None,
    max_hashtags: int = 3,
    limit: int | None = None,
) -> list[RenderedPost]:
    """Every post `profile` would get from `article`, rendered exactly as it would be sent."""
    posts = []
    for excerpt in excerpts_for(article, profile, template=template, utm=utm, url=url, limit=limit):
        try:
            posts.append(
                render_post(
                    excerpt.text,
                    article,
                    profile,
                    template=template,
                    utm=utm,
                    url=url,
                    max_hashtags=max_hashtags,
                )
            )
        except RenderError:
            continue  # this excerpt cannot fit; the others still can
    return posts


def thread_for(
    article: Article,
    profile: Profile,
    *,
    template: str | None = None,
    utm: UtmParams | None = None,
    url: str | None = None,
    max_hashtags: int = 3,
    parts: int = DEFAULT_PARTS,
) -> list[RenderedPost]:
    """The article as one thread for `profile`: one RenderedPost per part, in order.

    Each part's `excerpt` is the part itself; the `url` is the link the last part carries.
    """
    excerpts = [e.text for e in excerpts_for(article, profile, template=template, utm=utm, url=url)]
    if not excerpts:
        return []
    texts = render_thread(
        article,
        excerpts,
        profile,
        template=template,
        utm=utm,
        max_hashtags=max_hashtags,
        url=url,
        parts=parts,
    )
    link = final_link(article, url, utm)
    return [
        RenderedPost(
            text=text,
            parse_mode=profile.parse_mode,
            excerpt=text,
            url=link,
            length=profile.measure(text),
            limit=profile.limit,
            platform=profile.name,
        )
        for text in texts
    ]


THREAD_SEPARATOR = "\n\n"  # between a thread's parts in the text people read


def channel_profile(channel: ChannelConfig) -> Profile:
    """How the channel's posts are rendered and counted: its platform's profile, as its
    settings adapt it (a Mastodon instance's own limits)."""
    return channel.render_profile(PROFILES[channel.profile_name])


def remembered(config: Config, recall: Callable[[str, str], str | None]) -> Config:
    """`config` with each channel's settings completed by what its channel learned from
    the platform and keeps in its memory (`recall(channel, key)`; `with_memory`): what the
    daemon queues and renders with, and `preview --channel` shows."""
    channels = {
        name: channel.with_memory(partial(recall, name))
        for name, channel in config.channels.items()
    }
    return config.model_copy(update={"channels": channels})


def utm_for(channel: ChannelConfig) -> UtmParams | None:
    return UtmParams(**channel.utm.model_dump()) if channel.utm else None


def cut_key(channel: ChannelConfig, article: Article) -> str:
    """The name of the excerpts `channel` posts from `article`: its profile and its room for
    the excerpt there. Channels with the same key share one cut (one excerpting pass)."""
    return cut_keys([channel], article)[channel.name]


def cut_keys(channels: Iterable[ChannelConfig], article: Article) -> dict[str, str]:
    """`cut_key` of each of `channels` for `article`, by channel name. The room is measured
    once for channels that render alike (same profile, template and UTM: all the room
    depends on besides the article)."""
    rooms: dict[tuple, str] = {}
    keys: dict[str, str] = {}
    for channel in channels:
        profile = channel_profile(channel)
        alike = (profile.key, channel.template, channel.utm, channel.max_excerpts)
        if alike not in rooms:
            budget = excerpt_budget(
                article, profile, template=channel.template, utm=utm_for(channel)
            )
            most = "" if channel.max_excerpts == MAX_EXCERPTS else f":{channel.max_excerpts}"
            rooms[alike] = f"{profile.key}:{budget}{most}"
        keys[channel.name] = rooms[alike]
    return keys


def channel_excerpts(channel: ChannelConfig, article: Article) -> list[Excerpt]:
    """The excerpts `channel` posts from `article`, best first: cut for the room its posts
    leave (its limit minus its template, link and attribution), as the daemon queues them."""
    return excerpts_for(
        article,
        channel_profile(channel),
        template=channel.template,
        utm=utm_for(channel),
        max_excerpts=channel.max_excerpts,
    )


def render_for(channel: ChannelConfig, article: Article, excerpt: Excerpt) -> Rendered:
    """The exact payload and parse mode `channel` sends for `excerpt` (a thread's parts, on a
    channel in thread mode: the thread opens on `excerpt`). A composed post (`compose`) is
    its own words and link, one post."""
    if article.source == COMPOSED_SOURCE:
        return render_composed(
            excerpt.text,
            channel_profile(channel),
            link=article.url,
            utm=utm_for(channel),
            language=article.language,
        )
    length = channel.posts_per_thread
    if length is not None:
        return _render_thread(channel, article, excerpt, length)
    post = render_post(
        excerpt.text,
        article,
        channel_profile(channel),
        template=channel.template,
        utm=utm_for(channel),
        max_hashtags=channel.hashtags,
    )
    return Rendered(
        post.text,
        post.parse_mode,
        link=post.url,
        facets=post.facets,
        language=article.language,
        card=_card(channel, article, post.url),
    )


def channel_posts(channel: ChannelConfig, article: Article) -> list[tuple[Excerpt, Rendered]]:
    """What `channel` sends for `article`, in the order it sends them, each with the excerpt
    it is made of: one post per excerpt, best first; on a thread channel the one thread it
    posts per article, opening on the best excerpt. A post `render_for` refuses is left
    out, as the claim fails it and goes on to the next."""
    excerpts = channel_excerpts(channel, article)
    if channel.posts_per_thread is not None:
        excerpts = excerpts[:1]
    posts = []
    for excerpt in excerpts:
        try:
            posts.append((excerpt, render_for(channel, article, excerpt)))
        except RenderError:
            continue
    return posts


def _render_thread(
    channel: ChannelConfig, article: Article, anchor: Excerpt, length: int
) -> Rendered:
    """A hook, `anchor`, the article's next best excerpts, the link in the last post."""
    profile, utm = channel_profile(channel), utm_for(channel)
    others = [
        e.text
        for e in excerpts_for(
            article, profile, template=channel.template, utm=utm, max_excerpts=channel.max_excerpts
        )
        if not _overlaps(e, anchor)
    ]
    parts = render_thread(
        article,
        [anchor.text, *others[: length - 2]],
        profile,
        template=channel.template,
        utm=utm,
        max_hashtags=channel.hashtags,
        parts=length,
    )
    link = final_link(article, None, utm)
    return Rendered(
        THREAD_SEPARATOR.join(parts),
        profile.parse_mode,
        parts,
        link=link,
        language=article.language,
        card=_card(channel, article, link),
    )


def _card(channel: ChannelConfig, article: Article, link: str) -> dict[str, str | None] | None:
    """The link card's data, where the platform shows one (the platform draws it)."""
    from bot.platforms import PLATFORMS

    if not PLATFORMS[channel.platform].capabilities.link_cards:
        return None
    return {
        "uri": link,
        "title": article.title,
        "description": article.paragraphs[0][:300],
        "image": article.image,
    }


def _overlaps(excerpt: Excerpt, anchor: Excerpt) -> bool:
    """True when `excerpt` shares a sentence with `anchor` (the same passage, cut apart)."""
    if excerpt.text == anchor.text:
        return True
    if excerpt.paragraph != anchor.paragraph:
        return False
    return (
        excerpt.first_sentence < anchor.first_sentence + anchor.sentence_count
        and anchor.first_sentence < excerpt.first_sentence + excerpt.sentence_count
    )
