"""Export format 2 (recipes, starters, photo references, share codes) and /import of formats 1
and 2, on both backends: layout, a lossless round trip, idempotence, name matching, codes that
stay unique, and a rejected file naming what is wrong."""

from __future__ import annotations

import copy
import csv
import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from schedules import calibration as calib
from schedules.recipe import Recipe
from storage.export import export_csv, export_json
from storage.importer import ImportRejected, import_export
from tests.unit.test_export import collect, fresh

BERLIN = __import__("zoneinfo").ZoneInfo("Europe/Berlin")
T0 = datetime(2024, 3, 2, 8, 0, tzinfo=UTC)
BAKER = 42
CODE = "AbCdEfGhIjKlMnOp"


def seed_rows(q: Any) -> None:
    q.upsert_user(BAKER, BAKER, "Ada", T0)
    old = q.add_starter(BAKER, "Old faithful", T0 - timedelta(days=30))
    q.update_starter(BAKER, old.id, archived_at=T0 - timedelta(days=1))
    rye = q.add_starter(BAKER, "Rye", T0 - timedelta(days=10))
    cal = calib.update_calibration(calib.Calibration(), 11.0, 9.0)
    q.update_starter(BAKER, rye.id, calibration=calib.to_json(cal))
    feeding = q.add_starter_feeding(BAKER, rye.id, T0 - timedelta(hours=8), (20.0, 100.0, 100.0), 24.0, 7.5)
    q.mark_feeding_peaked(BAKER, feeding.id, T0 - timedelta(hours=1))
    q.add_feeding(BAKER, T0 - timedelta(days=40), (1.0, 2.0, 2.0), None, 7.0)  # of no starter (format 1)
    weekday = q.save_recipe(
        BAKER, "Weekday", Recipe(500, 375, 100, 10), T0 - timedelta(days=2),
        flour_mix="80% bread, 20% rye", target_rise_pct=70.0, folds_count=3, fold_interval_min=45,
    )  # fmt: skip
    q.save_recipe(BAKER, "Big batch", Recipe(1000, 700, 200, 20), T0 - timedelta(days=1))
    bake = q.create_bake(
        BAKER, "Rye loaf", T0, recipe=Recipe(500, 375, 100, 10), flour_mix="80% bread, 20% rye",
        starter_id=rye.id, starter_factor=cal.speed_factor, recipe_id=weekday.id,
    )  # fmt: skip
    q.add_photo(BAKER, bake.id, "AgACfile-1", "uniq-1", "crumb, = not a formula", T0 + timedelta(hours=20))
    q.add_photo(BAKER, bake.id, "AgACfile-2", None, None, T0 + timedelta(hours=21))
    share = q.add_share(BAKER, bake.id, CODE, T0 + timedelta(hours=22))
    q.update_share(BAKER, share.id, include_notes=True, include_photos=True)
    q.create_bake(BAKER, "Plain", T0 + timedelta(days=1))


async def doc_of(database: Any, user_id: int = BAKER) -> dict[str, Any]:
    return json.loads(await collect(export_json(database, user_id, BERLIN)))


def comparable(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k not in ("exported_at", "user")}


@pytest.fixture
async def database(make_database: Any) -> Any:
    db = await make_database("bot").open()
    await db.write(seed_rows)
    yield db
    await db.close()


async def test_format_2_carries_recipes_starters_photos_and_share_codes(database: Any) -> None:
    doc = await doc_of(database)
    assert doc["format_version"] == 2
    assert [(s["ref"], s["name"], s["archived_at"] is not None) for s in doc["starters"]] == [
        (1, "Old faithful", True),
        (2, "Rye", False),
    ]
    assert json.loads(doc["starters"][1]["calibration"])["samples"] == 1
    assert [(r["ref"], r["name"]) for r in doc["recipes"]] == [(1, "Weekday"), (2, "Big batch")]
    assert doc["recipes"][0] == {
        "ref": 1, "name": "Weekday", "flour_g": 500.0, "water_g": 375.0, "starter_g": 100.0, "salt_g": 10.0,
        "flour_mix": "80% bread, 20% rye", "target_rise_pct": 70.0, "folds_count": 3, "fold_interval_min": 45,
        "created_at": "2024-02-29T09:00:00+01:00",
    }  # fmt: skip
    rye_loaf, plain = doc["bakes"]
    assert (rye_loaf["starter"], rye_loaf["recipe"], rye_loaf["flour_mix"]) == (2, 1, "80% bread, 20% rye")
    assert rye_loaf["starter_factor"] == pytest.approx(
        json.loads(doc["starters"][1]["calibration"])["speed_factor"]
    )
    assert rye_loaf["photos"] == [
        {"file_id": "AgACfile-1", "file_unique_id": "uniq-1", "caption": "crumb, = not a formula",
         "taken_at": "2024-03-03T05:00:00+01:00"},
        {"file_id": "AgACfile-2", "file_unique_id": None, "caption": None,
         "taken_at": "2024-03-03T06:00:00+01:00"},
    ]  # fmt: skip
    assert rye_loaf["shares"] == [
        {"code": CODE, "created_at": "2024-03-03T07:00:00+01:00", "revoked_at": None,
         "include_notes": 1, "include_readings": 0, "include_photos": 1},
    ]  # fmt: skip
    assert (plain["starter"], plain["recipe"], plain["photos"], plain["shares"]) == (None, None, [], [])
    assert [(f["starter"], f["starter_parts"], f["peaked_at"]) for f in doc["starter_feedings"]] == [
        (None, 1.0, None),
        (2, 20.0, "2024-03-02T08:00:00+01:00"),
    ]


async def test_csv_gains_the_recipe_columns(database: Any) -> None:
    text = (await collect(export_csv(database, BAKER, BERLIN))).decode("utf-8-sig")
    found = list(csv.DictReader(io.StringIO(text)))
    rye = next(r for r in found if r["bake_name"] == "Rye loaf")
    assert (rye["flour_mix"], rye["starter"], rye["recipe"], rye["dough_g"]) == (
        "80% bread, 20% rye",
        "Rye",
        "Weekday",
        "985",
    )
    plain = next(r for r in found if r["bake_name"] == "Plain")
    assert (plain["flour_mix"], plain["starter"], plain["recipe"], plain["dough_g"]) == ("", "", "", "")


async def test_format_2_round_trip_is_lossless_and_idempotent(database: Any, make_database: Any) -> None:
    original = await doc_of(database)
    data = json.dumps(original).encode()
    target = await fresh(make_database, "other.sqlite3", 7)
    try:
        summary = await import_export(target, 7, data)
        assert (summary.bakes_added, summary.starters_added, summary.recipes_added) == (2, 2, 2)
        assert (summary.photos_added, summary.shares_added, summary.feedings_added) == (2, 1, 2)
        assert comparable(await doc_of(target, 7)) == comparable(original)
        again = await import_export(target, 7, data)
        assert (again.bakes_added, again.starters_added, again.recipes_added, again.feedings_added) == (
            0,
            0,
            0,
            0,
        )
        assert comparable(await doc_of(target, 7)) == comparable(original)
    finally:
        await target.close()


async def test_names_are_matched_and_codes_stay_unique(database: Any) -> None:
    """Another baker of the same database imports the file: their own "rye" is used, and the
    share code, already opening the first baker's bake, is left out."""

    def mine(q: Any) -> None:
        q.upsert_user(7, 7, "Bea", T0)
        q.add_starter(7, "rye", T0)

    await database.write(mine)
    summary = await import_export(database, 7, json.dumps(await doc_of(database)).encode())
    assert (summary.starters_added, summary.recipes_added, summary.shares_added, summary.photos_added) == (
        1,
        2,
        0,
        2,
    )
    theirs = await doc_of(database, 7)
    assert [s["name"] for s in theirs["starters"]] == ["Old faithful", "rye"]  # by creation
    assert theirs["bakes"][0]["starter"] == 2 and theirs["bakes"][0]["shares"] == []
    assert (await doc_of(database))["bakes"][0]["shares"][0]["code"] == CODE


async def test_format_1_files_still_import(database: Any, make_database: Any) -> None:
    old = await doc_of(database)
    old["format_version"] = 1
    for key in ("starters", "recipes"):
        del old[key]
    for bake in old["bakes"]:
        for key in ("flour_mix", "starter_factor", "starter", "recipe", "photos", "shares"):
            del bake[key]
    for feeding in old["starter_feedings"]:
        del feeding["starter"], feeding["peaked_at"]
    target = await fresh(make_database, "v1.sqlite3", 7)
    try:
        summary = await import_export(target, 7, json.dumps(old).encode())
        assert (summary.bakes_added, summary.feedings_added, summary.starters_added) == (2, 2, 0)
        doc = await doc_of(target, 7)
        assert doc["bakes"][0]["flour_g"] == 500 and doc["bakes"][0]["starter"] is None
    finally:
        await target.close()


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (
            lambda d: d["bakes"][0].update(starter=3),
            'bakes[0].starter must be the ref of one of "starters" (1 to 2)',
        ),
        (lambda d: d["bakes"][0].update(recipe=True), "bakes[0].recipe must be the ref"),
        (lambda d: d["starter_feedings"][1].update(starter=0), "starter_feedings[1].starter must be the ref"),
        (lambda d: d["recipes"][0].update(flour_g=0), "recipes[0].flour_g must be above 0"),
        (lambda d: d["recipes"][1].pop("name"), "recipes[1].name is missing"),
        (lambda d: d["starters"][1].update(calibration="fast"), "starters[1].calibration must be the JSON"),
        (
            lambda d: d["bakes"][0]["shares"][0].update(code="short"),
            "bakes[0].shares[0].code is not a share code",
        ),
        (lambda d: d["bakes"][0]["photos"][0].pop("file_id"), "bakes[0].photos[0].file_id is missing"),
        (lambda d: d["bakes"][0]["photos"][0].update(caption="x" * 2000), "caption is too long"),
        (lambda d: d["bakes"][0].update(starter_factor=50), "bakes[0].starter_factor must be a number"),
    ],
)
async def test_a_bad_format_2_file_is_rejected_whole(
    database: Any, make_database: Any, change: Any, reason: str
) -> None:
    doc = copy.deepcopy(await doc_of(database))
    change(doc)
    target = await fresh(make_database, "bad.sqlite3", 7)
    try:
        with pytest.raises(ImportRejected) as rejected:
            await import_export(target, 7, json.dumps(doc).encode())
        assert reason in rejected.value.reason
        assert (await doc_of(target, 7))["bakes"] == []
    finally:
        await target.close()
