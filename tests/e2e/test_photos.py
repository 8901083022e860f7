"""Photos end to end: on the bake going, after "📷 Add photo" on any card, or picked when no bake
is going; once per message; sent back as albums of ten; gone with their bake; unreachable for
another baker."""

from __future__ import annotations

import copy
import struct
import zlib
from typing import Any

from tests.e2e.conftest import Baker
from tests.e2e.helpers import rows, snapshot


def png(width: int = 4, height: int = 3) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"".join(b"\x00" + b"\x7f" * width for _ in range(height)))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def everything(db: Any) -> dict[str, list[tuple[Any, ...]]]:
    found = snapshot(db)
    for table in ("recipes", "starters", "bake_photos", "shares"):
        found[table] = [tuple(r) for r in rows(db, f"SELECT * FROM {table} ORDER BY 1")]
    return found


async def send_photo(baker: Baker, caption: str | None = None, size: int = 4) -> dict[str, Any]:
    return await baker.emulator.send_photo(baker.id, png(size, 3), caption, first_name=baker.name)


async def open_card(baker: Baker, name: str) -> Any:
    listing = await baker.say("/bakes")
    await baker.tap(listing, name)
    return await baker.reply()


async def test_a_photo_goes_onto_the_bake_going_once_per_message(ann, runner, settings) -> None:
    db = settings.database_path
    await ann.say("/newbake Country loaf")
    sent = await send_photo(ann, "Crumb shot")
    reply = await ann.reply()
    assert "Added to Country loaf — “Crumb shot”" in reply.text
    stored = rows(db, "SELECT * FROM bake_photos")
    assert len(stored) == 1
    assert stored[0]["file_id"] == sent["photo"][-1]["file_id"]
    assert (
        stored[0]["caption"] == "Crumb shot"
        and stored[0]["bake_id"] == rows(db, "SELECT id FROM bakes")[0]["id"]
    )
    assert stored[0]["taken_at"].startswith("2026-11-24T09:00")

    await ann.emulator.send_update({"message": copy.deepcopy(sent)})  # the same update again
    assert "already on Country loaf" in (await ann.reply()).text
    assert len(rows(db, "SELECT * FROM bake_photos")) == 1

    card = await open_card(ann, "Country loaf")
    assert "📷 1 photo\n" in card.text
    assert "🖼 Photos (1)" in card.button_texts and "📷 Add photo" in card.button_texts
    await ann.tap(card, "Photos (1)")
    back = await ann.reply()
    assert back.kind == "photo" and back.file_id == sent["photo"][-1]["file_id"]
    assert back.caption is not None and back.caption.startswith("Crumb shot · 24 Nov 2026, 10:00")


async def test_photos_come_back_as_albums_of_ten(ann, runner, settings) -> None:
    await ann.say("/newbake Big day")
    for number in range(12):
        await send_photo(ann, f"shot {number + 1}", size=number + 2)
        await ann.reply()
    card = await open_card(ann, "Big day")
    await ann.tap(card, "Photos (12)")
    album = [await ann.reply() for _ in range(10)]
    assert all(m.kind == "photo" for m in album)
    assert len({m.raw["media_group_id"] for m in album}) == 1
    assert [m.caption.split(" · ")[0] for m in album if m.caption] == [f"shot {n}" for n in range(1, 11)]
    pager = await ann.reply()
    assert "photos 1–10 of 12" in pager.text and pager.button_texts == ["Later ▶"]
    await ann.tap(pager, "Later ▶")
    rest = [await ann.reply() for _ in range(2)]
    assert [m.caption.split(" · ")[0] for m in rest if m.caption] == ["shot 11", "shot 12"]
    assert rest[0].raw["media_group_id"] == rest[1].raw["media_group_id"] != album[0].raw["media_group_id"]
    second = await ann.reply()
    assert "photos 11–12 of 12" in second.text and second.button_texts == ["◀ Earlier"]
    await ann.quiet()


async def test_an_album_sent_by_the_baker_gets_one_reply(ann, runner, settings) -> None:
    await ann.say("/newbake Album loaf")
    first = await send_photo(ann, "top")
    await ann.reply()
    for number, caption in ((900_001, "crumb"), (900_002, None)):
        message = copy.deepcopy(first)
        message["message_id"] = number
        message["media_group_id"] = "4242"
        if caption:
            message["caption"] = caption
        else:
            message.pop("caption", None)
        await ann.emulator.send_update({"message": message})
    assert "Added to Album loaf — “crumb”" in (await ann.reply()).text
    await ann.quiet(0.5)
    assert len(rows(settings.database_path, "SELECT * FROM bake_photos")) == 3


async def test_add_photo_on_any_card_and_a_choice_when_no_bake_is_going(ann, runner, settings) -> None:
    db = settings.database_path
    await ann.say("/newbake Yesterday's")
    await ann.say("/done")
    await ann.say("/cancel")
    # Nothing going: which bake?
    await send_photo(ann, "the loaf")
    choice = await ann.reply()
    assert "which bake is this photo of?" in choice.text
    assert choice.button_texts[0].startswith("📷 Yesterday's")
    waiting = rows(db, "SELECT * FROM bake_photos")
    assert len(waiting) == 1 and waiting[0]["bake_id"] is None
    data = choice.buttons[0][0][1]
    assert data is not None
    await ann.press_raw(choice.message_id, data)
    attached = await ann.emulator.wait_for(ann.id, lambda m: m.edited > 0)
    assert "Added to Yesterday's" in attached.text
    again = await ann.press_raw(choice.message_id, data)  # a second tap
    assert "already on Yesterday's" in again["text"]
    assert rows(db, "SELECT bake_id FROM bake_photos")[0]["bake_id"] is not None

    # "📷 Add photo" on the finished bake's card while another bake is going.
    await ann.say("/newbake Today's")
    card = await open_card(ann, "Yesterday's")
    await ann.tap(card, "Add photo")
    assert "Send the photos of Yesterday's" in (await ann.reply()).text
    await send_photo(ann, "crumb, a day later")
    assert "Added to Yesterday's" in (await ann.reply()).text
    await send_photo(ann, "the new one")  # the next photo goes to the bake going again
    assert "Added to Today's" in (await ann.reply()).text
    by_bake = rows(
        db, "SELECT b.name, COUNT(*) AS n FROM bake_photos p JOIN bakes b ON b.id = p.bake_id GROUP BY b.name"
    )
    assert {r["name"]: r["n"] for r in by_bake} == {"Yesterday's": 2, "Today's": 1}


async def test_a_photo_with_no_bake_at_all_is_not_kept(ann, runner, settings) -> None:
    await send_photo(ann)
    assert "start one with /newbake" in (await ann.reply()).text
    assert rows(settings.database_path, "SELECT * FROM bake_photos") == []


async def test_photos_go_with_their_bake_and_with_deleteme(ann, runner, settings) -> None:
    db = settings.database_path
    await ann.say("/newbake First")
    await send_photo(ann)
    await ann.reply()
    await ann.say("/newbake Second")
    await send_photo(ann)
    await ann.reply()
    assert len(rows(db, "SELECT * FROM bake_photos")) == 2
    card = await open_card(ann, "First")
    await ann.tap(card, "Delete")
    confirm = await ann.reply()
    await ann.tap(confirm, "Yes, discard")
    await ann.emulator.wait_for(ann.id, lambda m: m.edited > 0 and "Discarded" in m.text)
    assert len(rows(db, "SELECT * FROM bake_photos")) == 1
    reply = await ann.say("/deleteme")
    await ann.tap(reply, "Yes, erase")
    await ann.emulator.wait_for(ann.id, lambda m: m.edited > 0 and "Erased" in m.text)
    assert rows(db, "SELECT * FROM bake_photos") == []


async def test_another_bakers_photos_cannot_be_reached(ann, bob, runner, settings) -> None:
    db = settings.database_path
    await ann.say("/newbake Ann's")
    await send_photo(ann, "private crumb")
    await ann.reply()
    await bob.say("/newbake Bob's")
    await bob.say("/done")
    await bob.say("/cancel")
    await send_photo(bob)
    await bob.reply()  # Bob's photo waits for a bake
    ann_bake = rows(db, "SELECT id FROM bakes WHERE user_id = ?", (ann.id,))[0]["id"]
    bob_bake = rows(db, "SELECT id FROM bakes WHERE user_id = ?", (bob.id,))[0]["id"]
    ann_photo = rows(db, "SELECT id FROM bake_photos WHERE user_id = ?", (ann.id,))[0]["id"]
    bob_photo = rows(db, "SELECT id FROM bake_photos WHERE user_id = ?", (bob.id,))[0]["id"]
    own = await bob.say("/help")
    before = everything(db)
    for data in (
        f"ph:{ann_photo}:{bob_bake}",
        f"ph:{bob_photo}:{ann_bake}",
        f"bx:photos:{ann_bake}",
        f"bx:photo:{ann_bake}",
        f"pp:{ann_bake}:0",
        f"pp:{ann_bake}:1",
    ):
        answer = await bob.press_raw(own.message_id, data)
        assert "can't find" in (answer["text"] or ""), data
    for data in ("ph:0:1", f"pp:{ann_bake}:-1", "bx:photos:abc"):
        answer = await bob.press_raw(own.message_id, data)
        assert "no longer valid" in (answer["text"] or ""), data
    await bob.quiet()
    assert everything(db) == before
    # Bob's "Add photo" on Ann's bake did not arm anything: his next photo still waits.
    await send_photo(bob)
    assert "which bake is this photo of?" in (await bob.reply()).text
    assert rows(db, "SELECT COUNT(*) AS n FROM bake_photos WHERE bake_id = ?", (ann_bake,))[0]["n"] == 1
