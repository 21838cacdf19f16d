"""The exceptions excerpt-bot raises, in one tree.

    ExcerptBotError             anything this package raises on purpose
    ├── UserError               caused by the user's input; the CLI prints one line, exits 2
    │   ├── ArticleError        an article that cannot be read or parsed (names the source)
    │   ├── ConfigError         a config file that cannot be used (names file and key)
    │   ├── DatabaseGone        the database file was deleted, moved or replaced while open
    │   ├── FetchError          a URL that cannot be fetched, or is not what was asked for
    │   └── RenderError         an article or template that cannot make a post (no link, too long)
    └── ChannelError            a send or check that did not succeed, as the platform said it
        ├── NotDeliveredError   certainly not delivered (refused connection): retry with backoff
        │   └── RateLimitedError    the platform asked to wait `retry_after` seconds
        ├── AmbiguousError      may have been delivered (timeout, 5xx, dropped connection)
        ├── RejectedError       the platform refused this post (too long, cannot parse)
        │   └── DuplicateError  the platform refused it as a duplicate of a recent post
        └── AuthError           credentials or permissions: the channel is paused

Library code raises these; only the CLI turns them into a message and an exit status.
Channel adapters translate their library's errors into the ChannelError subclasses in one
place (`raise RejectedError(...) from exc`), so dispatch decides without knowing platforms.
"""


class ExcerptBotError(Exception):
    """Base class of every error excerpt-bot raises on purpose."""


class UserError(ExcerptBotError):
    """An error the user can fix: the CLI prints it as one line and exits with status 2."""


class ArticleError(UserError):
    """An article source that cannot be read or parsed.

    `source` is the file path or URL; `problem` says what is wrong and, where it helps,
    how to fix it.
    """

    def __init__(self, source: str, problem: str) -> None:
        super().__init__(f"{source}: {problem}")
        self.source = source
        self.problem = problem


class ConfigError(UserError):
    """A configuration that cannot be used. The message names the file and the key."""


class DatabaseGone(UserError):
    """The SQLite file open in this process was deleted, moved or replaced: no write may go
    to it any more (it would be lost), so nothing may be sent that it should record."""


class FetchError(UserError):
    """A page or feed that could not be fetched: DNS, refused, timeout, an HTTP error status,
    the wrong content type, too large, too many redirects, or not an http(s) URL.

    `url` is the URL as asked for; `problem` says what went wrong, in one line.
    """

    def __init__(self, url: str, problem: str) -> None:
        super().__init__(f"{url}: {problem}")
        self.url = url
        self.problem = problem


class RenderError(UserError):
    """A post cannot fit its platform's limit (e.g. the template alone is too long)."""


class ChannelError(ExcerptBotError):
    """A send or check that did not succeed. The message is the platform's reason."""


class NotDeliveredError(ChannelError):
    """The post certainly did not reach the platform: safe to retry."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RateLimitedError(NotDeliveredError):
    """The platform asked us to wait `retry_after` seconds before trying again."""


class AmbiguousError(ChannelError):
    """The request may have reached the platform: the post may or may not be out."""


class RejectedError(ChannelError):
    """The platform refused this post for good; other posts may still go."""


class DuplicateError(RejectedError):
    """The platform refused the post as a duplicate of a recent one."""


class AuthError(ChannelError):
    """Credentials are missing, invalid or revoked, or lack permission: pause the channel."""
