"""The exceptions excerpt-bot raises, in one tree.

    ExcerptBotError             anything this package raises on purpose
    ├── UserError               caused by the user's input; the CLI prints one line, exits 2
    │   ├── ArticleError        an article that cannot be read or parsed (names the source)
    │   └── ConfigError         a config file that cannot be used (names file and key)
    └── RenderError             a post that cannot be made to fit its platform

Library code raises these; only the CLI turns them into a message and an exit status.
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


class RenderError(ExcerptBotError):
    """A post cannot be rendered within its platform's limit (e.g. the template alone is too long)."""
