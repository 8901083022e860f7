"""The chat page in a real browser: headless Chromium through Playwright, against a live sandbox.

Chromium comes from the system (``apt-get install chromium``, which ``make test`` does where it
can); Playwright's own browser download is not used. Without it these tests skip locally and
fail under CI (``CI=true``).
"""

from __future__ import annotations

import os
import re
import socket
import struct
import zlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.config import Settings
from emulator.sandbox import Sandbox
from tests.sandbox.conftest import ANN, BOB, start_sandbox

CHROMIUM = Path(os.environ.get("SANDBOX_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
TIMEOUT_MS = 8000
BERLIN = ZoneInfo("Europe/Berlin")  # the sandbox's default timezone in these tests
SCREENSHOTS = os.environ.get("SANDBOX_SCREENSHOTS")  # a folder: the tests save what they saw there

try:
    from playwright.async_api import Browser, FloatRect, Page, async_playwright, expect
except ImportError:  # pragma: no cover - the test extra installs it
    async_playwright = None  # type: ignore[assignment]


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}: the browser tests must run in CI", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    if async_playwright is None:
        _unavailable("playwright is not installed")
    if not CHROMIUM.exists():
        _unavailable(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


async def open_page(browser: Browser, url: str, user: int = ANN, **options: Any) -> tuple[Page, list[str]]:
    page = await browser.new_page(**({"viewport": {"width": 1100, "height": 900}} | options))
    page.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    await page.goto(f"{url}/#user={user}")
    await expect(page.locator("#status")).to_have_text("bot", timeout=TIMEOUT_MS)  # connected
    return page, errors


async def send(page: Page, text: str) -> None:
    await page.fill("#input", text)
    await page.press("#input", "Enter")
    await expect(page.locator("#input")).to_have_value("")


def bot_rows(page: Page) -> Any:
    return page.locator(".row.bot")


async def snapshot(page: Page, name: str) -> None:
    if SCREENSHOTS:
        await page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"))


async def test_chat_buttons_time_travel_and_users(browser: Browser, sandbox: Sandbox) -> None:
    page, errors = await open_page(browser, sandbox.url)
    # A new chat offers START, like Telegram.
    await page.click("#start-button")
    await expect(bot_rows(page).last).to_contain_text("Your timezone?")
    await bot_rows(page).last.locator(".kb-btn", has_text="Berlin").click()
    units = page.locator(".row.bot", has_text="Temperatures in")
    await expect(units).to_be_visible()
    await expect(units.locator("strong", has_text="Europe/Berlin")).to_be_visible()  # <b> from the bot
    await units.locator(".kb-btn", has_text="°C").click()
    # The question is edited in place: it keeps the answer and loses its buttons.
    answered = page.locator(".row.bot", has_text="Temperatures will be shown in °C")
    await expect(answered).to_be_visible()
    await expect(answered.locator(".kb-btn")).to_have_count(0)

    # Typing a command and Enter.
    await send(page, "/newbake Browser loaf")
    await expect(bot_rows(page).last).to_contain_text("Started Browser loaf")
    await expect(page.locator(".row.user").last).to_contain_text("/newbake Browser loaf")

    # What the user types stays text: no markup gets through.
    await send(page, "<b>not bold</b> <img src=x onerror=\"document.title='pwned'\">")
    mine = page.locator(".row.user").last
    await expect(mine).to_contain_text("<b>not bold</b> <img src=x")
    assert await mine.locator("b, strong, img").count() == 0
    await expect(bot_rows(page).last).not_to_contain_text("Started")  # the bot's answer arrived

    # Inline buttons: the question is edited in place (buttons gone), a new message follows.
    await send(page, "/fridge")
    question = page.locator(".row.bot", has_text="How long in the fridge?")
    await question.locator(".kb-btn", has_text="16 h").click()
    await expect(page.locator(".row.bot", has_text="in the fridge until")).to_be_visible()
    await expect(question.locator(".kb-btn")).to_have_count(0)
    await expect(question.locator(".meta .edited")).to_be_visible()

    # Time travel: the next reminder (the preheat, 15 h ahead) arrives at once.
    before = await bot_rows(page).count()
    await expect(page.locator("#next-button")).to_be_enabled()
    await page.click("#next-button")
    await expect(bot_rows(page)).to_have_count(before + 1)
    await expect(bot_rows(page).last).to_contain_text("Preheat")
    await expect(page.locator("#clock-offset")).to_contain_text("15 h")
    await page.click(".travel-btn[data-minutes='60']")
    await expect(page.locator("#clock-offset")).to_contain_text("16 h")

    # Another user has a chat of their own.
    await page.click("#user-button")
    await page.locator(".user-item", has_text="Bob").click()
    await expect(page.locator("#user-name")).to_have_text("Bob")
    await expect(page.locator("#start-button")).to_be_visible()
    await expect(page.locator(".row")).to_have_count(0)
    await send(page, "/status")
    await expect(bot_rows(page).last).to_contain_text("no bake going")
    await page.click("#user-button")
    await page.locator(".user-item", has_text="Ann").click()
    await expect(page.locator(".row.bot", has_text="Started Browser loaf")).to_be_visible()

    # Or any user, by id.
    await page.click("#user-button")
    await page.fill("#user-form-id", "4242")
    await page.fill("#user-form-name", "Dana")
    await page.click("#user-form button[type=submit]")
    await expect(page.locator("#user-name")).to_have_text("Dana")
    await expect(page.locator("#start-button")).to_be_visible()
    assert page.url.endswith("#user=4242")
    await page.click("#start-button")
    await expect(bot_rows(page).first).to_contain_text("Hi Dana")
    assert "pwned" not in await page.title()
    assert errors == []


async def test_chart_photo_is_shown_inline(browser: Browser, sandbox: Sandbox) -> None:
    page, errors = await open_page(browser, sandbox.url)
    await send(page, "/newbake Chart loaf")
    await expect(bot_rows(page).last).to_contain_text("Started Chart loaf")
    await send(page, "/rise 20")
    await expect(bot_rows(page).last).to_contain_text("20 %")
    await page.click(".travel-btn[data-minutes='60']")
    await send(page, "/rise 40")
    await expect(bot_rows(page).last).to_contain_text("40 %")
    await send(page, "/chart")
    image = page.locator(".row.bot .photo img").last
    await expect(image).to_be_visible()
    loaded = "img => img.complete && img.naturalWidth >= 1000"
    await page.wait_for_function(loaded, arg=await image.element_handle(), timeout=TIMEOUT_MS)
    assert errors == []


def png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xe8\xc9\x8f" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    body = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body


async def test_bot_formatting_photos_and_documents(browser: Browser, sandbox: Sandbox) -> None:
    from aiogram.types import BufferedInputFile

    assert sandbox.app is not None
    page, errors = await open_page(browser, sandbox.url)
    await send(page, "/help")
    await expect(bot_rows(page).last.locator("a.command", has_text="/newbake").first).to_be_visible()
    bot = sandbox.app.bot
    await bot.send_message(
        ANN,
        "<b>bold</b> <i>it</i> <u>u</u> <s>s</s> <code>x = 1</code> "
        "<a href=\"https://example.com/x\">site</a> "
        "&lt;script&gt;alert(1)&lt;/script&gt; <tg-spoiler>secret</tg-spoiler>\n"
        "<pre><code class=\"language-python\">print(1)</code></pre><blockquote>quoted</blockquote>",
    )
    text = bot_rows(page).last.locator(".text")
    await expect(text).to_contain_text("quoted")  # this message, not /help's (it has headings in bold)
    await expect(text.locator("strong")).to_have_text("bold")
    for selector, content in (("em", "it"), ("u", "u"), ("s", "s"), ("code.inline-code", "x = 1"),
                              (".spoiler", "secret"), ("blockquote", "quoted"), ("pre code", "print(1)")):
        await expect(text.locator(selector)).to_have_text(content)
    await expect(text.locator(".pre-lang")).to_have_text("python")
    await expect(text.locator("a[href='https://example.com/x']")).to_have_text("site")
    await expect(text).to_contain_text("<script>alert(1)</script>")
    assert await page.locator("#messages script").count() == 0

    await bot.send_photo(ANN, BufferedInputFile(png(1200, 500), "chart.png"), caption="A <b>chart</b>")
    image = bot_rows(page).last.locator(".photo img")
    await expect(image).to_be_visible()
    await page.wait_for_function("img => img.complete && img.naturalWidth === 1200",
                                 arg=await image.element_handle())
    await expect(bot_rows(page).last.locator(".text strong")).to_have_text("chart")

    csv = b"date,name\n2026-11-24,Loaf\n"
    await bot.send_document(ANN, BufferedInputFile(csv, "bakes.csv"), caption="Your export")
    link = bot_rows(page).last.locator("a.document")
    await expect(link).to_have_attribute("download", "bakes.csv")
    response = await page.request.get(sandbox.url + (await link.get_attribute("href") or ""))
    assert response.ok and await response.body() == csv
    assert errors == []


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_page_reconnects_after_a_restart(browser: Browser, settings: Settings) -> None:
    fixed = settings.model_copy(update={"sandbox_port": free_port()})
    first = await start_sandbox(fixed).start()
    try:
        page, errors = await open_page(browser, first.url)
        await send(page, "/newbake Survivor")
        await expect(bot_rows(page).last).to_contain_text("Started Survivor")
        await page.click(".travel-btn[data-minutes='60']")
        await expect(page.locator("#clock-offset")).to_contain_text("1 h")
    finally:
        await first.stop()
    await expect(page.locator("#status")).to_have_text("connecting…")
    second = await start_sandbox(fixed).start()
    try:
        await expect(page.locator("#status")).to_have_text("bot", timeout=15000)
        await expect(page.locator(".row.bot", has_text="Started Survivor")).to_have_count(1)
        await expect(page.locator("#clock-offset")).to_contain_text("1 h")
        await send(page, "/status")
        await expect(bot_rows(page).last).to_contain_text("Survivor")
        await page.reload()
        await expect(page.locator(".row.bot", has_text="Started Survivor")).to_have_count(1)
        assert errors == []
    finally:
        await second.stop()


def user_texts(sandbox: Sandbox, user: int) -> list[str]:
    """What the user sent, as the sandbox recorded it."""
    assert sandbox.store is not None
    return [row.data.get("text", "") for row in sandbox.store.history(user) if row.side == "user"]


async def test_enter_sends_what_was_typed_unless_a_suggestion_was_picked(
    browser: Browser, sandbox: Sandbox
) -> None:
    page, errors = await open_page(browser, sandbox.url)
    await page.fill("#input", "/start")
    menu = page.locator("#commands")
    await expect(menu).to_be_visible()
    await expect(menu.locator(".command-item", has_text="/starter")).to_be_visible()  # only a suggestion
    await expect(menu.locator("[aria-selected=true]")).to_have_count(0)  # nothing picked yet
    await page.press("#input", "Enter")
    await expect(page.locator("#input")).to_have_value("")
    await expect(bot_rows(page).last).to_contain_text("Your timezone?")  # /start's answer
    assert user_texts(sandbox, ANN) == ["/start"]

    # The arrow keys pick a suggestion, and then Enter sends the one picked.
    await page.fill("#input", "/st")
    await expect(menu.locator(".command-item")).to_have_count(2)  # /status, /starter
    await page.press("#input", "ArrowDown")
    await page.press("#input", "ArrowDown")
    await expect(menu.locator("[aria-selected=true]")).to_contain_text("/starter")
    await page.press("#input", "Enter")
    await expect(page.locator("#input")).to_have_value("")
    await expect(menu).to_be_hidden()
    # Typing again forgets the pick; a click sends the suggestion clicked.
    await page.fill("#input", "/hel")
    await expect(menu.locator("[aria-selected=true]")).to_have_count(0)
    await menu.locator(".command-item", has_text="/help").click()
    await expect(page.locator(".row.user").last).to_contain_text("/help")
    await page.fill("#input", "/status now")  # not a bare command: no menu, sent as typed
    await expect(menu).to_be_hidden()
    await page.press("#input", "Enter")
    await expect(page.locator(".row.user")).to_have_count(4)
    assert user_texts(sandbox, ANN) == ["/start", "/starter", "/help", "/status now"]
    assert errors == []


VISIBLE_BOXES = """() => {
    const chat = document.getElementById("chat").getBoundingClientRect();
    return Array.from(document.querySelectorAll("#messages .row, #messages .day-separator"))
        .map((node) => node.getBoundingClientRect())
        .filter((r) => r.bottom > chat.top && r.top < chat.bottom)  // what the chat shows of them
        .map((r) => ({x: r.left, y: Math.max(r.top, chat.top), width: r.width,
                      height: Math.min(r.bottom, chat.bottom) - Math.max(r.top, chat.top)}));
}"""


def overlap(a: FloatRect, b: FloatRect) -> bool:
    return (a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"]
            and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"])


async def assert_chip_covers_nothing(page: Page, label: str) -> None:
    chip = page.locator("#date-chip")
    await expect(chip).to_be_visible()
    await expect(chip).to_have_text(label)
    box = await chip.bounding_box()
    assert box is not None
    shown: list[FloatRect] = await page.evaluate(VISIBLE_BOXES)
    assert shown, "no message in view"
    assert not [other for other in shown if overlap(box, other)], "the date chip covers a message"
    await page.click("#menu-button")  # the whole command menu, as tall as it gets
    menu = await page.locator("#commands").bounding_box()
    assert menu is not None and menu["height"] > 40
    assert not overlap(box, menu), "the date chip covers the command menu"
    await page.click("#menu-button")
    await expect(page.locator("#commands")).to_be_hidden()


async def test_dates_follow_the_bots_clock_and_the_chip_covers_nothing(
    browser: Browser, sandbox: Sandbox
) -> None:
    # The browser's own clock and zone are far from the bot's: the page must show the bot's.
    page = await browser.new_page(viewport={"width": 1100, "height": 700}, timezone_id="Pacific/Auckland")
    await page.clock.set_system_time(datetime(2031, 6, 15, 12, 0, tzinfo=UTC))
    page.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    await page.goto(f"{sandbox.url}/#user={ANN}")
    await expect(page.locator("#status")).to_have_text("bot")
    await send(page, "/newbake Day one")
    await expect(bot_rows(page).last).to_contain_text("Started Day one")
    separators = page.locator(".day-separator")
    await expect(separators).to_have_text(["Today"])

    # Three days later on the bot's clock (moved by another tab: the page hears of it).
    response = await page.request.post(f"{sandbox.url}/api/clock/advance",
                                       data={"minutes": 3 * 24 * 60, "user": ANN})
    assert response.ok
    now = sandbox.now().astimezone(BERLIN)
    await expect(page.locator("#clock-time")).to_contain_text(f"{now.day} {now:%b}")
    await expect(page.locator("#clock-time")).to_contain_text(f"{now:%H:%M}")
    assert sandbox.store is not None
    first = datetime.fromtimestamp(sandbox.store.history(ANN)[0].data["date"], BERLIN)
    # The reminders that fell due on the way are today's; the bake's start is a weekday ago.
    await expect(separators.first).to_have_text(re.compile(rf"^{first:%A},? {first.day} {first:%B}$"))
    for answered in range(1, 5):
        await send(page, "/help")  # long answers: the chat scrolls
        await expect(page.locator(".row.bot", has_text="/bakes")).to_have_count(answered)
    await expect(separators).to_have_count(2)
    await expect(separators.nth(1)).to_have_text("Today")
    last = sandbox.store.history(ANN)[-1].data
    sent_at = datetime.fromtimestamp(last["date"], BERLIN)
    assert abs(sent_at - sandbox.now()) < timedelta(minutes=1)
    await expect(bot_rows(page).last.locator(".meta time")).to_have_text(f"{sent_at:%H:%M}")

    # Scrolled up into the first day: its date floats above the chat, over no message nor the menu.
    await page.locator("#chat").evaluate(
        "chat => chat.scrollTop = document.querySelector('.day .row').offsetTop + 30")
    await assert_chip_covers_nothing(page, await separators.first.inner_text())
    await page.locator("#chat").evaluate("c => c.scrollTop = c.scrollHeight - c.clientHeight - 200")
    await assert_chip_covers_nothing(page, "Today")
    await snapshot(page, "dates-desktop")
    await page.set_viewport_size({"width": 390, "height": 560})  # a phone
    await page.locator("#chat").evaluate("chat => chat.scrollTop = chat.scrollHeight / 2")
    await assert_chip_covers_nothing(page, "Today")
    await snapshot(page, "dates-phone")

    # The next day on the bot's clock turns "Today" into "Yesterday".
    response = await page.request.post(f"{sandbox.url}/api/clock/advance", data={"minutes": 24 * 60})
    assert response.ok
    await expect(separators.nth(1)).to_have_text("Yesterday")
    assert errors == []


async def test_next_reminder_is_the_chatting_users(browser: Browser, sandbox: Sandbox) -> None:
    page, errors = await open_page(browser, sandbox.url)
    next_button, next_at = page.locator("#next-button"), page.locator("#next-at")
    await expect(next_button).to_be_disabled()
    await send(page, "/timer 45m ann's fold")
    await expect(bot_rows(page).last).to_contain_text("45")
    ann_due = await sandbox.next_due(ANN)
    assert ann_due is not None
    await expect(next_at).to_contain_text(f"{ann_due.astimezone(BERLIN):%H:%M}")

    # Bob has no reminder: Ann's is not his "next reminder", even after the clock moved.
    await page.click("#user-button")
    await page.locator(".user-item", has_text="Bob").click()
    await expect(page.locator("#user-name")).to_have_text("Bob")
    await expect(next_button).to_be_disabled()
    await expect(next_at).to_have_text("")
    await page.click(".travel-btn[data-minutes='15']")
    await expect(page.locator("#clock-offset")).to_contain_text("15 min")
    await expect(next_button).to_be_disabled()
    await send(page, "/timer 2h bob's shaping")
    await expect(bot_rows(page).last).to_contain_text("2")
    bob_due = await sandbox.next_due(BOB)
    assert bob_due is not None and bob_due - ann_due > timedelta(hours=1)
    await expect(next_at).to_contain_text(f"{bob_due.astimezone(BERLIN):%H:%M}")
    await snapshot(page, "next-reminder-bob")

    # Bob's "Next reminder" jumps to his own, not to Ann's earlier one.
    await page.click("#next-button")
    await expect(bot_rows(page).last).to_contain_text("bob's shaping")
    assert sandbox.now() >= bob_due
    await expect(next_button).to_be_disabled()
    await page.click("#user-button")
    await page.locator(".user-item", has_text="Ann").click()
    await expect(page.locator("#user-name")).to_have_text("Ann")
    await expect(bot_rows(page).last).to_contain_text("ann's fold")  # fired on the way
    assert errors == []
