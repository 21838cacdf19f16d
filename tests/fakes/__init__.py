"""Fake platform servers on 127.0.0.1 that the real client libraries talk to in tests.

Each module holds one server and its pytest fixture; a test module imports the fixture
(`from tests.fakes.telegram_api import telegram_api_fixture  # noqa: F401`
provides the `telegram_api` fixture). `server` holds the plumbing they share: the HTTP
server in its thread, its open connections, start and stop.
"""
