"""The commented starter config that `excerpt-bot init` writes.

A string, not a data file, so it ships inside the package with no packaging rules. Every key
it mentions is documented in config/reference.toml (a test keeps the two consistent).
"""

INIT_CONFIG = """\
# excerpt-bot configuration. `excerpt-bot check` validates it; every key is documented in
# config/reference.toml. Durations are written 90s, 10m, 2h, 90d or 1h30m. Relative paths
# are relative to this file's folder. Secrets never go in this file: each channel names the
# environment variables that hold them.

[bot]
database = "var/excerpt-bot.sqlite3"   # a SQLite file, or an SQLAlchemy URL
posts_dir = "posts"                     # the articles to post; rescanned every 5 minutes
timezone = "UTC"                        # default time zone of every schedule, e.g. "Europe/Berlin"
log_format = "text"                     # "text" or "json"
log_level = "info"                      # "debug", "info", "warning" or "error"
# log_file = "var/excerpt-bot.log"      # also log to this file (stderr always)
# metrics_port = 9464                   # serve Prometheus /metrics and /healthz

[defaults]                              # applied to every channel; a channel's own keys win
repeat_after = "90d"                    # an excerpt may be posted again after this long

# Writes posts to the log: runs with no credentials at all.
[channels.console]
platform = "console"
render_as = "x"                         # render as "x", "telegram", "mastodon" or "bluesky" would
schedule = { every = "1h" }

# A Telegram channel: create a bot with @BotFather, add it to the channel as an admin,
# then `export TELEGRAM_BOT_TOKEN=...` before `excerpt-bot run`.
# [channels.news]
# platform = "telegram"
# chat_id = "@my_channel"                # or a numeric id such as -1001234567890
# token_env = "TELEGRAM_BOT_TOKEN"
# max_per_day = 3
# [channels.news.schedule]
# slots = ["mon-fri 08:30", "mon-fri 18:00", "sat 10:00"]
# timezone = "Europe/Berlin"
# jitter = "10m"                         # shift each post by up to 10 minutes

# An X account: an X developer app with read and write access, its four keys exported as
# X_API_KEY, X_API_SECRET, X_ACCESS_TOKEN and X_ACCESS_TOKEN_SECRET.
# [channels.x]
# platform = "x"
# schedule = { cron = "0 9,13,17 * * *" }
# max_per_day = 17                       # the free tier's limit (each part of a thread counts)
# thread = true                          # each article as a short thread of ...
# thread_length = 4                      # ... 4 posts: a hook, excerpts, the link last

# A blog's feed: its new posts are queued as they appear (checked every 30 minutes).
# On the first poll only the newest post is queued; the older ones are skipped.
# [[sources]]
# feed = "https://example.org/feed/"
# poll = "30m"
# channels = ["console"]                 # default: every channel
"""
