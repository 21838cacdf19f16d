"""Every bad article input ends in one `ArticleError` line that names the file."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from bot.errors import ArticleError, UserError
from bot.ingest import MAX_ARTICLE_BYTES, load_article, parse_article, read_source

GOOD_BODY = b"A Title\n\nA body paragraph that says something.\n"


def refusal(path: Path, **kwargs) -> str:
    """The one-line message `load_article` refuses `path` with."""
    with pytest.raises(ArticleError) as caught:
        load_article(path, **kwargs)
    message = str(caught.value)
    assert isinstance(caught.value, UserError)
    assert "\n" not in message and "Traceback" not in message
    assert message.startswith(f"{path}: ")
    assert caught.value.source == str(path)
    return message


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_missing_file(tmp_path):
    assert "no such file" in refusal(tmp_path / "nope.md")


def test_directory(tmp_path):
    folder = tmp_path / "posts.md"
    folder.mkdir()
    assert "is a directory" in refusal(folder)


def test_empty_file(tmp_path):
    assert "empty" in refusal(write(tmp_path, "empty.txt", b""))


@pytest.mark.parametrize("data", [b"   \n\n\t  \r\n", b"\xef\xbb\xbf \n"])
def test_whitespace_only_file(tmp_path, data):
    assert "only whitespace" in refusal(write(tmp_path, "blank.md", data))


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
        b"text with a NUL\x00 byte in it",
        b"Title\n\n" + b"\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f" * 20 + b" words",
    ],
)
def test_binary_file(tmp_path, data):
    assert "binary" in refusal(write(tmp_path, "picture.txt", data))


def test_utf16_file(tmp_path):
    path = write(tmp_path, "wide.txt", "Title\n\nBody.\n".encode("utf-16"))
    assert "UTF-16" in refusal(path)


def test_invalid_utf8_names_the_byte_offset(tmp_path):
    data = b"Title\n\nCaf\xe9 au lait is nice.\n"
    message = refusal(write(tmp_path, "latin1.txt", data))
    assert "not valid UTF-8" in message
    assert "byte 0xe9 at offset 10 (line 3)" in message
    assert "save the file as UTF-8" in message


def test_utf8_bom_is_accepted(tmp_path):
    article = load_article(write(tmp_path, "bom.txt", b"\xef\xbb\xbf" + GOOD_BODY))
    assert article.title == "A Title"


@pytest.mark.parametrize("name", ["post.docx", "post.rst", "README"])
def test_unknown_extension_names_the_supported_ones(tmp_path, name):
    message = refusal(write(tmp_path, name, GOOD_BODY))
    assert "unsupported file type" in message
    for suffix in (".txt", ".md", ".markdown", ".html", ".htm"):
        assert suffix in message


def test_broken_yaml_front_matter_says_where(tmp_path):
    data = b"---\ntitle: ok\ntags: [a, b\nauthor: x\n---\n\nBody.\n"
    message = refusal(write(tmp_path, "broken.md", data))
    assert "front matter is not valid YAML (line " in message


def test_unquoted_colon_in_yaml_says_how_to_fix(tmp_path):
    data = b"---\ntitle: Cytokines: A Dual Role\n---\n\nBody.\n"
    message = refusal(write(tmp_path, "colon.md", data))
    assert "(line 2, column" in message and "put the value in quotes" in message


def test_broken_toml_front_matter_says_where(tmp_path):
    data = b'+++\ntitle = "ok"\nthis is not toml\n+++\n\nBody.\n'
    message = refusal(write(tmp_path, "broken.md", data))
    assert "front matter is not valid TOML (line 3" in message


def test_unclosed_front_matter(tmp_path):
    message = refusal(write(tmp_path, "open.md", b"---\ntitle: x\n\nBody.\n"))
    assert "never closed" in message


def test_front_matter_that_is_not_a_mapping(tmp_path):
    message = refusal(write(tmp_path, "list.md", b"---\n- a\n- b\n---\n\nBody.\n"))
    assert "key: value" in message


def test_front_matter_url_must_be_absolute(tmp_path):
    message = refusal(write(tmp_path, "rel.md", b"---\nurl: /2024/post/\n---\n\nBody.\n"))
    assert "not an absolute http(s) URL" in message


def test_given_url_must_be_absolute(tmp_path):
    message = refusal(write(tmp_path, "a.txt", GOOD_BODY), url="example.com/post")
    assert "not an absolute http(s) URL" in message


def test_article_of_boilerplate_only(tmp_path):
    data = b"Title\n\nDisclaimer: Not medical advice.\n\nLeave a Reply\n"
    message = refusal(write(tmp_path, "hollow.txt", data))
    assert "no body text left after removing boilerplate" in message


def test_article_with_a_title_only(tmp_path):
    assert "no body text" in refusal(write(tmp_path, "title.md", b"# Just a title\n"))


def test_html_without_article_text(tmp_path):
    data = b"<html><head><title>x</title><script>var a = 1;</script></head><body></body></html>"
    assert "no article text found" in refusal(write(tmp_path, "blank.html", data))


def test_huge_sparse_file_is_refused_on_its_size(tmp_path):
    path = tmp_path / "huge.txt"
    subprocess.run(["truncate", "-s", "50M", str(path)], check=True)

    message = refusal(path)

    # The size in the message comes from stat(): the 50 MB of zeros were never read
    # (reading them would have said "binary").
    assert "50.0 MiB" in message and "5.0 MiB limit" in message


def test_file_of_exactly_the_limit_is_read(tmp_path):
    path = tmp_path / "limit.txt"
    path.write_bytes(GOOD_BODY + b"x" * (MAX_ARTICLE_BYTES - len(GOOD_BODY)))
    assert len(read_source(path)) == MAX_ARTICLE_BYTES


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_unreadable_file(tmp_path):
    path = write(tmp_path, "secret.md", GOOD_BODY)
    path.chmod(0)
    try:
        assert "permission denied" in refusal(path)
    finally:
        path.chmod(0o644)


def test_unknown_kind_in_parse_article():
    with pytest.raises(ArticleError) as caught:
        parse_article(GOOD_BODY, source="feed:42", kind="rst")
    assert str(caught.value) == "feed:42: unknown article kind 'rst'; use one of: " + (
        "txt, text, md, markdown, html, htm"
    )
