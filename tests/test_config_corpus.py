"""Bad configs, each ending in one clear line per problem that names the file and the key.

Each file in tests/data/configs/ starts with comment lines saying what a user must see:
`# expect: FRAGMENT`, one per problem line, in order; `# never: TEXT` for text (a secret)
that must appear nowhere in the message.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigProblems, load_config
from bot.errors import ConfigError, UserError

CORPUS = Path(__file__).parent / "data" / "configs"
BAD_CONFIGS = sorted(CORPUS.glob("*.toml"))


def header(path: Path, tag: str) -> list[str]:
    lines = path.read_bytes().decode("utf-8", errors="replace").splitlines()
    prefix = f"# {tag}: "
    return [line.removeprefix(prefix) for line in lines if line.startswith(prefix)]


def test_the_corpus_is_there() -> None:
    assert len(BAD_CONFIGS) >= 15
    assert all(header(path, "expect") for path in BAD_CONFIGS)


@pytest.mark.parametrize("path", BAD_CONFIGS, ids=lambda p: p.stem)
def test_bad_config_gives_one_clear_line_per_problem(path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(path)

    message = str(caught.value)
    lines = message.splitlines()
    expected = header(path, "expect")
    assert isinstance(caught.value, UserError)
    assert isinstance(caught.value, ConfigProblems)
    assert caught.value.problems == lines
    assert len(lines) == len(expected), message
    for line, fragment in zip(lines, expected, strict=True):
        assert line.startswith(f"{path}: "), line
        assert fragment in line, f"{fragment!r} not in {line!r}"
    for secret in header(path, "never"):
        assert secret not in message


def test_secret_values_never_appear_even_in_unknown_or_misplaced_keys(tmp_path: Path) -> None:
    secret = "9876543210:AAFsecretvalueXYZ"
    path = tmp_path / "excerpt-bot.toml"
    path.write_text(
        f"""
[bot]
telegram_token = "{secret}"

[channels.news]
platform = "telegram"
chat_id = "@news_room"
tokne = "{secret}"
token_env = "{secret}"
bearer_token = "{secret}"
api_base_url = "https://user:{secret}@example.org"
schedule = {{ every = "1h" }}

[channels.tw]
platform = "x"
consumer_secret = "{secret}"
oauth2_token_env = "{secret}"
schedule = {{ every = "1h" }}
""",
        encoding="utf-8",
    )
    with pytest.raises(ConfigProblems) as caught:
        load_config(path)
    message = str(caught.value)
    assert secret not in message
    assert "AAFsecret" not in message
    assert len(caught.value.problems) == 7, message
    assert f"{path}: bot.telegram_token: secrets are not read from the config file" in message
    assert f"{path}: channels.tw.consumer_secret: secrets are not read" in message
    assert '(set api_secret_env = "X_API_SECRET" and export it)' in message
