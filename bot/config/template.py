"""The commented starter config that `excerpt-bot init` writes.

Strings, not a data file, so it ships inside the package with no packaging rules: the head,
each platform's example channel (declared by its module), then a commented feed. Every key
it mentions is documented in config/reference.toml (a test keeps the two consistent).
"""

from bot.platforms import PLATFORMS

HEAD = """\
# excerpt-bot configuration. `excerpt-bot check` validates it; every key is documented in
# config/reference.toml. Durations are written 90s, 10m, 2h, 90d or 1h30m. Relative paths
# are relative to this file's folder. Secrets never go in this file: each channel names the
# environment variables that hold them.

[bot]
database = "var/excerpt-bot.sqlite3"   # a SQLite file, or a postgresql:// URL
posts_dir = "posts"                     # the articles to post; rescanned every 5 minutes
timezone = "UTC"                        # default time zone of every schedule, e.g. "Europe/Berlin"
log_format = "text"                     # "text" or "json"
log_level = "info"                      # "debug", "info", "warning" or "error"
# log_file = "var/excerpt-bot.log"      # also log to this file (stderr always)
# metrics_port = 9464                   # serve Prometheus /metrics and /healthz

# Your blog: a post in posts_dir without `url:` in its front matter gets its public URL the
# way your site generator makes it (`excerpt-bot check` shows two).
# [site]
# base_url = "https://example.org/"
# permalink = "jekyll"                  # or "hugo", "pretty", or e.g. "/:year/:month/:slug/"

[defaults]                              # applied to every channel; a channel's own keys win
repeat_after = "90d"                    # an excerpt may be posted again after this long

"""
# Then one commented example channel per platform (each platform module's `example`), then:
FEEDS = """\
# A blog's feed: its new posts are queued as they appear (checked every 30 minutes).
# On the first poll only the newest post is queued; the older ones are skipped.
# [[sources]]
# feed = "https://example.org/feed/"
# poll = "30m"
# channels = ["console"]                 # default: every channel
"""


def init_config() -> str:
    """The whole starter config: the head, every platform's example, a feed."""
    examples = [p.example for p in PLATFORMS.values() if p.example]
    return "\n".join([HEAD.rstrip("\n") + "\n", *examples, FEEDS])
