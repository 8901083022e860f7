"""The sandbox page's HTTP API, driven with aiohttp: happy paths and every kind of bad request.

Every error is a 4xx with ``{"error": "..."}``, and the server keeps answering afterwards.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from emulator.sandbox import Sandbox
from emulator.server import MAX_TEXT_LENGTH
from tests.sandbox.conftest import (
    ANN,
    BOB,
    IMPORT_LIMIT,
    history,
    sandbox_settings,
    say,
    start_sandbox,
    wait_history,
)

# One sandbox for the whole module: every bad request below hits the same running server,
# which keeps answering good requests in between. Tests use their own user ids. The xdist group
# keeps the module on one worker (`--dist loadgroup`), so one server still sees them all.
pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.xdist_group("sandbox-api")]
CAROL, DAN, EVE, FAY, GUS = 5001, 5002, 5003, 5004, 5005


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def sandbox(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Sandbox]:
    async with start_sandbox(sandbox_settings(tmp_path_factory.mktemp("sandbox"))) as running:
        yield running


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def http(sandbox: Sandbox) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(sandbox.url) as session:
        yield session


async def expect_error(response: aiohttp.ClientResponse, status: int, words: str = "") -> str:
    assert response.status == status, (response.status, await response.text())
    assert response.content_type == "application/json"
    body = await response.json()
    assert isinstance(body, dict) and isinstance(body.get("error"), str) and body["error"], body
    assert words.lower() in body["error"].lower(), body["error"]
    return str(body["error"])


async def still_answers(http: aiohttp.ClientSession) -> None:
    async with http.get("/api/config", params={"user": str(ANN)}) as response:
        assert response.status == 200
        assert (await response.json())["user"]["id"] == ANN


# ------------------------------------------------------------------ the page itself


async def test_page_and_assets_are_served(http: aiohttp.ClientSession) -> None:
    async with http.get("/") as response:
        assert response.status == 200
        assert response.content_type == "text/html"
        page = await response.text()
    assert "/static/app.js" in page and "/static/style.css" in page
    for name, kind in (("app.js", "application/javascript"), ("style.css", "text/css")):
        async with http.get(f"/static/{name}") as response:
            assert response.status == 200 and response.content_type == kind
    async with http.get("/static/../sandbox.py") as response:
        assert response.status == 404
    async with http.get("/static/secret.txt") as response:
        await expect_error(response, 404)


async def test_config_lists_demo_users_commands_and_the_clock(http: aiohttp.ClientSession) -> None:
    async with http.get("/api/config", params={"user": "2002"}) as response:
        config = await response.json()
    assert config["user"] == {"id": BOB, "name": "Bob"}
    assert {u["id"] for u in config["users"]} >= {ANN, BOB}
    assert any(c["command"] == "newbake" for c in config["commands"])  # from the bot's setMyCommands
    assert config["limits"] == {"text": MAX_TEXT_LENGTH, "file": IMPORT_LIMIT, "caption": 1024}
    assert config["clock"]["zone"] == "Europe/Berlin" and config["clock"]["offset_s"] >= 0


# ------------------------------------------------------------------ talking


async def test_send_reply_button_and_answer(sandbox: Sandbox, http: aiohttp.ClientSession) -> None:
    messages = await say(http, ANN, "/newbake", "What are you baking?")
    messages = await say(http, ANN, "Plain <b>loaf</b>", "Recipe amounts")
    mine = [m for m in messages if m["side"] == "user"]
    assert mine[-1]["text"] == "Plain <b>loaf</b>" and mine[-1]["entities"] == []  # user text stays text
    ask = messages[-1]
    assert ask["side"] == "bot" and any(e["type"] == "code" for e in ask["entities"])  # HTML parsed
    skip = next(b for row in ask["buttons"] for b in row if b["text"] == "Skip")
    events = sandbox.emulator.subscribe()  # type: ignore[union-attr]
    press = {"user": ANN, "message_id": ask["id"], "data": skip["data"]}
    async with http.post("/api/press", json=press) as r:
        assert r.status == 200
        query_id = (await r.json())["query_id"]
    answer = await sandbox.emulator.callback_answer(query_id)  # type: ignore[union-attr]
    assert answer["show_alert"] is False
    await wait_history(http, ANN, lambda ms: "Dough temperature" in ms[-1]["text"])
    assert any(e.kind == "callback_answer" for e in _drain(events))


def _drain(queue: Any) -> list[Any]:
    items = []
    while not queue.empty():
        items.append(queue.get_nowait())
    return items


async def test_users_chats_are_private(http: aiohttp.ClientSession) -> None:
    await say(http, ANN, "/newbake Ann's secret loaf", "Started")
    bob = await say(http, BOB, "/status", "no bake going")
    assert not any("secret" in m["text"] for m in bob)
    assert all(m["id"] for m in await history(http, ANN))
    async with http.post("/api/users", json={"id": 424242, "name": "  Dana   Q "}) as response:
        assert response.status == 200
        assert (await response.json())["user"] == {"id": 424242, "name": "Dana Q"}
    messages = await say(http, 424242, "/start", "Hi Dana Q")
    assert messages[0]["text"] == "/start"
    async with http.get("/api/users") as response:
        assert {"id": 424242, "name": "Dana Q", "demo": False} in (await response.json())["users"]


async def test_upload_reaches_the_bot_and_is_downloadable(sandbox: Sandbox,
                                                          http: aiohttp.ClientSession) -> None:
    content = b'{"not": "an export"}'
    form = aiohttp.FormData(quote_fields=False)
    form.add_field("user", str(CAROL))
    form.add_field("file", content, filename="../../my export.json", content_type="application/json")
    async with http.post("/api/upload", data=form) as response:
        assert response.status == 200, await response.text()
        view = (await response.json())["message"]
    assert view["document"]["name"] == "my export.json" and view["document"]["size"] == len(content)
    delivered = [m for m in sandbox.emulator.history(CAROL) if "document" in m]  # type: ignore[union-attr]
    assert [m["document"]["file_name"] for m in delivered] == ["my export.json"]
    async with http.get(view["document"]["url"]) as response:
        assert response.status == 200 and await response.read() == content
        assert "attachment" in response.headers["Content-Disposition"]
    await wait_history(http, CAROL, lambda ms: any(m.get("document") for m in ms))


async def test_uploaded_markup_is_never_served_inline(http: aiohttp.ClientSession) -> None:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    for name, content in (("evil.svg", svg), ("evil.html", b"<script>alert(1)</script>")):
        form = aiohttp.FormData(quote_fields=False)
        form.add_field("user", str(CAROL))
        form.add_field("file", content, filename=name, content_type="text/html")
        async with http.post("/api/upload", data=form) as response:
            url = (await response.json())["message"]["document"]["url"]
        async with http.get(url) as response:
            assert response.headers["Content-Disposition"].startswith("attachment")
            assert response.headers["Content-Security-Policy"] == "sandbox"
            assert response.headers["X-Content-Type-Options"] == "nosniff"


# ------------------------------------------------------------------ bad requests


BAD_USER_IDS: list[Any] = ["abc", "-5", "0", "1.5", "", " ", "99999999999999999999", "0x10"]
BAD_JSON_USER_IDS: list[Any] = [None, -1, 0, 1.5, True, "Ann", 2**60, [1001], {"id": 1}]


@pytest.mark.parametrize("user", BAD_USER_IDS)
async def test_invalid_user_ids_in_queries(http: aiohttp.ClientSession, user: str) -> None:
    for path in ("/api/history", "/api/config", "/api/events", "/api/clock"):
        async with http.get(path, params={"user": user}) as response:
            await expect_error(response, 400, "user")
    async with http.get("/api/history") as response:
        await expect_error(response, 400, "missing field: user")
    await still_answers(http)


@pytest.mark.parametrize("user", BAD_JSON_USER_IDS)
async def test_invalid_user_ids_in_bodies(http: aiohttp.ClientSession, user: Any) -> None:
    async with http.post("/api/send", json={"user": user, "text": "hi"}) as response:
        await expect_error(response, 400, "user")
    async with http.post("/api/press", json={"user": user, "message_id": 1, "data": "x"}) as response:
        await expect_error(response, 400, "user")
    async with http.post("/api/users", json={"id": user, "name": "X"}) as response:
        await expect_error(response, 400, "id")
    await still_answers(http)


async def test_unknown_users_and_messages(http: aiohttp.ClientSession) -> None:
    assert await history(http, 777_000) == []  # any id can start a chat: it is just empty
    stranger = {"user": 777_000, "message_id": 1, "data": "b:open:1"}
    async with http.post("/api/press", json=stranger) as response:
        await expect_error(response, 404, "no message #1")
    messages = await say(http, DAN, "/fridge", "no bake going")
    async with http.post("/api/press", json={"user": DAN, "message_id": messages[0]["id"], "data": "x"}) as r:
        await expect_error(r, 404)  # the user's own message has no buttons
    forged = {"user": DAN, "message_id": messages[-1]["id"], "data": "pf:1:1:60"}
    async with http.post("/api/press", json=forged) as r:
        await expect_error(r, 409, "no longer there")  # a button the message does not have
    async with http.get("/api/files/AgACnothing") as response:
        await expect_error(response, 404)
    async with http.post("/api/users", json={"id": 123456, "name": "Bot?"}) as response:
        await expect_error(response, 400, "bot")
    await still_answers(http)


async def test_oversized_and_empty_messages(sandbox: Sandbox, http: aiohttp.ClientSession) -> None:
    async with http.post("/api/send", json={"user": EVE, "text": "x" * (MAX_TEXT_LENGTH + 1)}) as response:
        await expect_error(response, 400, "too long")
    for text in ("", "   \n "):
        async with http.post("/api/send", json={"user": EVE, "text": text}) as response:
            await expect_error(response, 400, "empty")
    async with http.post("/api/send", json={"user": EVE, "text": 42}) as response:
        await expect_error(response, 400, "string")
    async with http.post("/api/send", json={"user": EVE, "text": "y" * 70_000}) as response:
        await expect_error(response, 413, "too large")
    assert sandbox.emulator.history(EVE) == []  # type: ignore[union-attr]
    await say(http, EVE, "x" * MAX_TEXT_LENGTH, "")  # exactly the limit is fine
    await still_answers(http)


async def test_oversized_empty_and_missing_files(sandbox: Sandbox, http: aiohttp.ClientSession) -> None:
    def form(content: bytes | None, user: str | None = str(FAY)) -> aiohttp.FormData:
        data = aiohttp.FormData(quote_fields=False, default_to_multipart=True)
        if user is not None:
            data.add_field("user", user)
        if content is not None:
            data.add_field("file", content, filename="big.json", content_type="application/json")
        return data

    async with http.post("/api/upload", data=form(b"x" * (IMPORT_LIMIT + 1))) as response:
        await expect_error(response, 413, "too large")
    async with http.post("/api/upload", data=form(b"")) as response:
        await expect_error(response, 400, "empty")
    async with http.post("/api/upload", data=form(None)) as response:
        await expect_error(response, 400, "missing field: file")
    async with http.post("/api/upload", data=form(b"{}", user=None)) as response:
        await expect_error(response, 400, "missing field: user")
    async with http.post("/api/upload", data=form(b"{}", user="nobody")) as response:
        await expect_error(response, 400, "user")
    async with http.post("/api/upload", json={"user": FAY}) as response:
        await expect_error(response, 415, "multipart")
    assert sandbox.emulator.history(FAY) == []  # type: ignore[union-attr]
    async with http.post("/api/upload", data=form(b"x" * IMPORT_LIMIT)) as response:
        assert response.status == 200  # exactly the limit is fine
    await still_answers(http)


@pytest.mark.parametrize(
    ("body", "content_type", "status", "words"),
    [
        (b"{not json", "application/json", 400, "malformed JSON"),
        (b"\xff\xfe", "application/json", 400, "malformed JSON"),
        (b"[1, 2]", "application/json", 400, "must be an object"),
        (b'"text"', "application/json", 400, "must be an object"),
        (b"", "application/json", 400, "malformed JSON"),
        (b"user=1001&text=hi", "application/x-www-form-urlencoded", 415, "application/json"),
        (b'{"user": 1001, "text": "hi"}', "text/plain", 415, "application/json"),
    ],
)
async def test_malformed_bodies(http: aiohttp.ClientSession, body: bytes, content_type: str, status: int,
                                words: str) -> None:
    for path in ("/api/send", "/api/press", "/api/users", "/api/clock/advance"):
        async with http.post(path, data=body, headers={"Content-Type": content_type}) as response:
            await expect_error(response, status, words)
    await still_answers(http)


@pytest.mark.parametrize(
    ("path", "body", "words"),
    [
        ("/api/send", {"user": ANN}, "missing field: text"),
        ("/api/send", {"text": "hi"}, "missing field: user"),
        ("/api/press", {"user": ANN, "data": "x"}, "missing field: message_id"),
        ("/api/press", {"user": ANN, "message_id": 1}, "missing field: data"),
        ("/api/press", {"user": ANN, "message_id": "1", "data": "x"}, "message_id"),
        ("/api/press", {"user": ANN, "message_id": 1, "data": "x" * 65}, "data"),
        ("/api/press", {"user": ANN, "message_id": 1, "data": ""}, "data"),
        ("/api/users", {"name": "Dana"}, "missing field: id"),
        ("/api/users", {"id": 5, "name": ""}, "name"),
        ("/api/users", {"id": 5, "name": "x" * 65}, "name"),
        ("/api/users", {"id": 5, "name": "bad\u0000name"}, "name"),
        ("/api/clock/advance", {}, "missing field: minutes"),
        ("/api/clock/advance", {"minutes": 0}, "between"),
        ("/api/clock/advance", {"minutes": -15}, "between"),
        ("/api/clock/advance", {"minutes": 10**9}, "between"),
        ("/api/clock/advance", {"minutes": "15"}, "number"),
        ("/api/clock/advance", {"minutes": True}, "number"),
        ("/api/clock/advance", {"to": "yesterday"}, "next"),
        ("/api/clock/advance", {"to": "next", "user": "x"}, "user"),
    ],
)
async def test_missing_and_wrong_fields(http: aiohttp.ClientSession, path: str, body: dict[str, Any],
                                        words: str) -> None:
    async with http.post(path, json=body) as response:
        await expect_error(response, 400, words)
    await still_answers(http)


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("GET", "/api/send", "POST"),
        ("PUT", "/api/press", "POST"),
        ("GET", "/api/upload", "POST"),
        ("POST", "/api/history", "GET"),
        ("DELETE", "/api/events", "GET"),
        ("GET", "/api/clock/advance", "POST"),
        ("POST", "/", "GET"),
        ("PATCH", "/api/users", "GET, POST"),
    ],
)
async def test_wrong_methods(http: aiohttp.ClientSession, method: str, path: str, allowed: str) -> None:
    async with http.request(method, path, params={"user": str(ANN)}) as response:
        await expect_error(response, 405, "not allowed")
        assert response.headers["Allow"] == allowed
    await still_answers(http)


async def test_unknown_endpoints(http: aiohttp.ClientSession) -> None:
    for method, path in (("GET", "/api/nothing"), ("POST", "/api/send/more"), ("GET", "/api/")):
        async with http.request(method, path) as response:
            await expect_error(response, 404, "no such endpoint")
    await still_answers(http)


async def test_cross_site_requests_are_refused(sandbox: Sandbox, http: aiohttp.ClientSession) -> None:
    evil = {"Origin": "http://evil.example"}
    async with http.post("/api/send", json={"user": GUS, "text": "/start"}, headers=evil) as response:
        await expect_error(response, 403, "cross-origin")
    rebinding = {"Host": f"evil.example:{sandbox.emulator.port}"}  # type: ignore[union-attr]
    async with http.get("/api/history", params={"user": str(GUS)}, headers=rebinding) as response:
        await expect_error(response, 403, "Host")
    same = {"Origin": sandbox.url}
    async with http.post("/api/send", json={"user": GUS, "text": "/help"}, headers=same) as response:
        assert response.status == 200
    assert sandbox.emulator.history(GUS)[0]["text"] == "/help"  # type: ignore[union-attr]


async def test_bot_api_still_works_beside_the_page(sandbox: Sandbox, http: aiohttp.ClientSession) -> None:
    token = sandbox.emulator.token  # type: ignore[union-attr]
    async with http.get(f"/bot{token}/getMe") as response:
        assert (await response.json())["result"]["is_bot"] is True
