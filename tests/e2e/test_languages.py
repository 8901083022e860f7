"""The bot speaks the baker's language: a whole bake walked through in German and in Russian with
no English word left in any reply or button, the language taken from Telegram and changed in
/settings, Babel's numbers and clocks, plural forms, reminders and the command menu."""

from __future__ import annotations

import re
from datetime import timedelta
from functools import cache

from babel.messages.pofile import read_po

from bot.i18n import LOCALES_DIR
from emulator.testing import SentMessage
from tests.e2e.conftest import Baker, speaker
from tests.e2e.helpers import rows
from tests.unit.test_catalogs import marked

WORD = re.compile(r"[^\W\d_]{3,}")
CODE = re.compile(r"<code>.*?</code>|/[a-z_]+|https?://\S+", re.DOTALL)


@cache
def english_only_words(language: str) -> frozenset[str]:
    """Words of the English texts that no translation in `language` uses: any of them in a
    reply means a text was missed (words a German text also uses, like "Timer", don't count)."""
    english = {
        w.lower() for msgid, plural in marked().items() for w in WORD.findall(f"{msgid} {plural or ''}")
    }
    with (LOCALES_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as po_file:
        catalog = read_po(po_file, locale=language)
    translated: set[str] = set()
    for message in catalog:
        forms = [message.string] if isinstance(message.string, str) else list(message.string or ())
        for form in forms:
            translated |= {w.lower() for w in WORD.findall(form or "")}
    return frozenset(english - translated - {"sourdough"})


class Transcript:
    """Everything the bot said to one baker: texts (without <code> examples and commands, which
    stay as the baker types them) and button labels."""

    def __init__(self, baker: Baker, typed: set[str]) -> None:
        self.baker = baker
        self.typed = {w.lower() for w in typed}
        self.seen: list[str] = []

    def add(self, message: SentMessage) -> SentMessage:
        self.seen.append(CODE.sub(" ", message.html or message.text or ""))
        self.seen += message.button_texts
        return message

    async def say(self, text: str) -> SentMessage:
        return self.add(await self.baker.say(text))

    async def reply(self) -> SentMessage:
        return self.add(await self.baker.reply())

    async def tap(self, message: SentMessage, button: str) -> SentMessage:
        answer = await self.baker.tap(message, button)
        if answer.get("text"):
            self.seen.append(answer["text"])
        return message

    def english_words(self, language: str) -> list[tuple[str, str]]:
        suspects = english_only_words(language)
        found = []
        for text in self.seen:
            plain = re.sub(r"<[^>]+>", " ", text)
            found += [(w, plain[:80]) for w in WORD.findall(plain) if w.lower() in suspects - self.typed]
        return found


async def walk_a_bake(baker: Baker, runner, name: str) -> Transcript:
    """/start, setup, a bake from mixing to the oven, its card, /help and /settings. Buttons are
    tapped by their place, not their (translated) label."""
    said = Transcript(baker, set(WORD.findall(name)))
    welcome = await said.say("/start")
    await said.tap(welcome, welcome.button_texts[1])  # Berlin
    units = await said.reply()
    await said.tap(units, "°C")
    await said.reply()
    await said.say("/newbake")
    await said.say(name)
    await said.say("500 375 100 10")
    started = await said.say("24")
    assert name in started.text
    await runner.advance(timedelta(minutes=31))
    fold = await said.reply()
    await said.tap(fold, fold.button_texts[0])  # done
    await said.say("/rise 30")
    await said.say("/rise 4,5")
    await said.say("/temp 25")
    await said.say("/status")
    await said.say("/timer 20m")
    await said.say("/timers")
    await said.say("/rise lots")  # an input error
    await said.say("hello there")  # text the bot doesn't understand
    fridge = await said.say("/fridge")
    await said.tap(fridge, fridge.button_texts[0])
    await said.reply()
    await said.say("/chart")
    done = await said.say("/done")
    await said.tap(done, done.button_texts[3])  # 4 stars
    await said.reply()
    await said.say("/bakes")
    await said.say("/help")
    await said.say("/settings")
    await said.say("/starter")
    await said.say("/plan tomorrow 9:00")
    return said




async def test_a_whole_bake_in_german_has_no_english_word(greta, runner, settings) -> None:
    said = await walk_a_bake(greta, runner, "Landbrot")
    assert said.english_words("de") == []
    assert rows(settings.database_path, "SELECT language FROM users WHERE id = 3003")[0][0] == "de"


async def test_a_whole_bake_in_russian_has_no_english_word(olga, runner, settings) -> None:
    said = await walk_a_bake(olga, runner, "Деревенский")
    assert said.english_words("ru") == []
    latin = [w for text in said.seen for w in re.findall(r"[A-Za-z]{3,}", re.sub(r"<[^>]+>", " ", text))]
    assert set(latin) <= {"Europe", "Berlin", "UTC", "JSON", "Olga"}, latin


async def test_language_comes_from_telegram_and_an_untranslated_one_gets_english(emulator, runner) -> None:
    ana = speaker(emulator, 5005, "Ana", "pt-br")
    assert "I keep track of your sourdough bakes" in (await ana.say("/start")).text
    ivan = speaker(emulator, 6006, "Ivan", "ru")
    reply = await ivan.say("/start")
    assert "I keep track" not in reply.text and re.search("[а-я]", reply.text)


async def test_settings_change_the_language_in_place(greta, emulator, runner, settings) -> None:
    await greta.say("/start")
    menu = await greta.say("/settings")
    german = menu.text
    await greta.tap(menu, menu.button_texts[0])  # 🗣 language
    choices = await emulator.wait_for(greta.id, lambda m: m.edited and "English (UK)" in m.button_texts)
    await greta.tap(choices, "English (UK)")
    english = await emulator.wait_for(greta.id, lambda m: m.edited and "Settings" in m.text)
    assert english.message_id == menu.message_id and english.text != german
    assert "Language: English (UK)" in english.text
    assert rows(settings.database_path, "SELECT language FROM users WHERE id = 3003")[0][0] == "en_GB"
    assert "Started" in (await greta.say("/newbake Loaf")).text


async def test_numbers_and_clocks_follow_the_locale(emulator, runner) -> None:
    bakers = {}
    for user_id, code in ((7001, "en"), (7002, "en-GB"), (7003, "de")):
        bakers[code] = speaker(emulator, user_id, "B", code)
    replies = {code: (await b.say("/newbake Loaf")).text for code, b in bakers.items()}
    assert re.search(r"\b10:00\sAM\b", replies["en"])  # 09:00 UTC in Berlin; 12-hour clock
    assert "10:00" in replies["en-GB"] and "AM" not in replies["en-GB"]
    assert "10:00" in replies["de"]
    readings = {code: (await b.say("/rise 4,5")).text for code, b in bakers.items()}
    assert "4.5 %" in readings["en"] and "4,5 %" in readings["de"]


async def test_plural_forms_in_russian(olga, runner) -> None:
    texts_by_count = {}
    for count in (1, 2, 5):
        await olga.say(f"/newbake Хлеб {count}")
        await olga.say("/done")
        await olga.say("/cancel")
        texts_by_count[count] = (await olga.say("/bakes")).text
    words = {count: text.split("\n")[0] for count, text in texts_by_count.items()}
    assert len(set(words.values())) == 3, words


async def test_reminders_come_in_the_bakers_language(greta, runner) -> None:
    await greta.say("/newbake Landbrot")
    await runner.advance(timedelta(minutes=31))
    fold = await greta.reply()
    assert "Landbrot" in fold.text and "Time for" not in fold.text
    english = english_only_words("de")
    assert not [w for w in WORD.findall(fold.text + " ".join(fold.button_texts)) if w.lower() in english]


async def test_the_command_menu_is_registered_per_language(runner) -> None:
    bot = runner.app.bot
    default = {c.command: c.description for c in await bot.get_my_commands()}
    german = {c.command: c.description for c in await bot.get_my_commands(language_code="de")}
    russian = {c.command: c.description for c in await bot.get_my_commands(language_code="ru")}
    assert default["rise"] == "Log the rise (%, or jar heights)"
    assert german.keys() == default.keys() == russian.keys()
    assert german["rise"] != default["rise"] and russian["rise"] != default["rise"]


async def test_a_refused_dialog_answer_asks_again_in_the_bakers_language(greta, emulator, runner) -> None:
    await greta.say("/newbake")
    first = await greta.say("Landbrot")  # asks for the recipe, with Skip
    again = await greta.say("viel Mehl")  # not amounts: asked again
    german_skip = again.button_texts[0]
    assert german_skip == first.button_texts[0] and german_skip != "Skip"
    earlier = await emulator.wait_for(greta.id, lambda m: m.message_id == first.message_id and m.edited)
    assert earlier.buttons == []  # one Skip at a time
    await greta.say("500 375 100 10")
    answered = await emulator.wait_for(greta.id, lambda m: m.message_id == again.message_id and m.edited)
    assert answered.buttons == []


async def test_a_refused_command_shows_an_example_in_the_bakers_words_that_works(olga, greta, runner) -> None:
    refused = await greta.say("/timer lange")
    assert "/timer 45 Min falten" in refused.text
    assert "45 Min" in (await greta.say("/timer 45 Min falten")).text
    await olga.say("/newbake Хлеб")
    assert "/fridge 14 ч" in (await olga.say("/fridge долго")).text
