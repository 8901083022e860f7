"""`/import`: bring back a JSON export (storage.export), all or nothing.

The whole file is validated first (`parse_export`, pure, no database): size, UTF-8, JSON, the
format marker and version, then every field's type and range. The first problem found raises
`ImportRejected` whose `reason` says what is wrong and where, e.g.
``bakes[3].readings[0].rise_pct must be a number between 0 and 300``. Only a fully valid file
is written, in ONE transaction, with parameterized SQL only.

The reasons are translated where they are shown, not here (storage knows no locale): each is an
English message id marked with `N_` (`pybabel extract -k N_`) with `{name}` placeholders, and its
details apart; `exc.render(gettext)` gives the baker's language, `exc.reason` the English. JSON
paths, field names and values from the file are details and stay as they are.

De-duplication: a bake is identified by its start time (UTC, to the millisecond) and its name.
A bake the baker already has, or one appearing twice in the file, is skipped, so importing
the same file twice changes nothing. Starter feedings are identified by their time.

Reminders are imported as history only: their state is kept, except that a `pending` one
becomes `cancelled`. An import never schedules anything: the old reminders' times belong to
another database's plan (most are past and would all fire at once as "missed"). Imported bakes
keep their phase, so an imported active bake shows up as active, without reminders; the baker
can re-plan it. Reminders that belong to no bake are not part of an export.

The "user" block (timezone, temperature unit) is informational: importing never changes the
baker's settings. Unknown keys are ignored (for files from later bots of the same version).

Format 2 adds starters and recipes (matched by name: one the baker already has is used, not
doubled), each bake's flour mix, starter and recipe, its photo references (Telegram file_ids)
and its share codes (a code already in use anywhere is left out: a link opens one bake only).
Format 1 files are read as before.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from storage.database import AnyDatabase
from storage.export import EXPORT_FORMAT, READABLE_VERSIONS
from storage.repository import to_db
from storage.sql import Connection

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
MAX_BAKES = 20_000
MAX_CHILDREN = 1_000  # readings, temperatures, events, reminders: each, per bake
MAX_FEEDINGS = 20_000
MAX_NAME = 80
MAX_NOTES = 1_000
MAX_LABEL = 200
MAX_KIND = 40
MAX_STARTERS = 1_000
MAX_RECIPES = 1_000
MAX_MIX = 200
MAX_FILE_ID = 256
MAX_CAPTION = 1_024
MAX_FEED_PARTS = 100_000  # parts of a ratio, or grams as typed
SHARE_CODE = re.compile(r"[A-Za-z0-9_-]{16,64}")
FUTURE_SLACK = timedelta(days=30)  # planned times (proof end, reminders) may lie a little ahead
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)

PHASES = ("bulk", "cold_proof", "proof", "done")
REMINDER_STATES = ("pending", "sent", "cancelled", "failed", "missed")


def N_(message: str) -> str:
    """Marks an English message id for extraction (`pybabel extract -k N_`); translated later."""
    return message


@dataclass(frozen=True)
class Phrase:
    """Words made by the code that go into a message as a detail ("a list", "1 or 2"): a marked
    template with details of its own, translated along with the message that holds it."""

    template: str
    details: Mapping[str, object] = field(default_factory=dict)

    def render(self, translate: Callable[[str], str]) -> str:
        return _render(self.template, self.details, translate)

    def __str__(self) -> str:
        return self.render(_english)


class ImportRejected(Exception):
    """The file cannot be imported. `template` is an English message id (marked with N_) with
    `{name}` placeholders, `details` their values; a detail that is itself words is a `Phrase`.
    `render(gettext)` is the sentence to show the baker; `reason` (and str()) is it in English."""

    def __init__(self, template: str, /, **details: object) -> None:
        self.template = template
        self.details: dict[str, object] = details
        super().__init__(self.reason)

    @property
    def reason(self) -> str:
        return self.render(_english)

    def render(self, translate: Callable[[str], str]) -> str:
        """The reason in a language: `translate` (a gettext) is applied to the template and to
        every Phrase among the details; the other details are put in as they are."""
        return _render(self.template, self.details, translate)


def _english(message: str) -> str:
    return message


def _render(template: str, details: Mapping[str, object], translate: Callable[[str], str]) -> str:
    values = {
        name: value.render(translate) if isinstance(value, Phrase) else value
        for name, value in details.items()
    }
    return translate(template).format(**values)


@dataclass(frozen=True)
class ImportSummary:
    bakes_added: int = 0
    bakes_skipped: int = 0  # already there (same start time and name) or twice in the file
    readings_added: int = 0
    temperatures_added: int = 0
    events_added: int = 0
    reminders_added: int = 0  # as history: none is pending
    feedings_added: int = 0
    feedings_skipped: int = 0
    starters_added: int = 0
    recipes_added: int = 0
    photos_added: int = 0
    shares_added: int = 0


# --------------------------------------------------------------------------- validation


class _Obj:
    """Reads typed fields out of one JSON object, naming the path in every complaint."""

    def __init__(self, value: Any, path: str, now: datetime) -> None:
        if not isinstance(value, dict):
            raise ImportRejected(
                N_("{field} must be an object ({{...}}), not {kind}"), field=path, kind=_kind(value)
            )
        self.data = value
        self.path = path
        self.now = now

    def _where(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def _get(self, key: str, required: bool) -> Any:
        if key not in self.data or self.data[key] is None:
            if required:
                raise ImportRejected(N_("{field} is missing"), field=self._where(key))
            return None
        return self.data[key]

    def number(self, key: str, low: float, high: float, *, required: bool = False) -> float | None:
        value = self._get(key, required)
        if value is None:
            return None
        if (
            not isinstance(value, int | float)
            or isinstance(value, bool)
            or not math.isfinite(value)
            or not low <= value <= high
        ):
            raise ImportRejected(
                N_("{field} must be a number between {low} and {high}")
                if required
                else N_("{field} must be a number between {low} and {high} (or null)"),
                field=self._where(key),
                low=f"{low:g}",
                high=f"{high:g}",
            )
        return float(value)

    def integer(self, key: str, low: int, high: int, *, required: bool = False) -> int | None:
        value = self._get(key, required)
        if value is None:
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise ImportRejected(
                N_("{field} must be a whole number between {low} and {high}")
                if required
                else N_("{field} must be a whole number between {low} and {high} (or null)"),
                field=self._where(key),
                low=low,
                high=high,
            )
        return value

    def text(self, key: str, max_len: int, *, required: bool = False) -> str | None:
        value = self._get(key, required)
        if value is None:
            return None
        if not isinstance(value, str):
            raise ImportRejected(
                N_("{field} must be text, not {kind}"), field=self._where(key), kind=_kind(value)
            )
        if required and not value.strip():
            raise ImportRejected(N_("{field} must not be empty"), field=self._where(key))
        if len(value) > max_len:
            raise ImportRejected(
                # TRANSLATORS: {length} is above {limit}; word it so any count fits (no plural forms).
                N_("{field} is too long ({length} characters; at most {limit})"),
                field=self._where(key),
                length=len(value),
                limit=max_len,
            )
        if "\x00" in value:
            raise ImportRejected(N_("{field} contains a NUL character"), field=self._where(key))
        return value

    def choice(self, key: str, allowed: tuple[str, ...]) -> str:
        value = self._get(key, True)
        if value not in allowed:
            raise ImportRejected(
                N_("{field} must be one of {allowed}"), field=self._where(key), allowed=", ".join(allowed)
            )
        return str(value)

    def time(self, key: str, *, required: bool = False) -> str | None:
        """A timestamp as the database stores it (fixed-width UTC text)."""
        value = self._get(key, required)
        if value is None:
            return None
        where = self._where(key)
        example = "2026-11-24T14:05:00+01:00"
        if not isinstance(value, str) or len(value) > 40:
            raise ImportRejected(
                N_("{field} must be a date and time text, like {example}"), field=where, example=example
            )
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise ImportRejected(
                N_("{field} is not a date and time ({value}); expected ISO 8601 like {example}"),
                field=where,
                value=repr(value),
                example=example,
            ) from None
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ImportRejected(
                N_("{field} has no UTC offset ({value}); like {example}"),
                field=where,
                value=repr(value),
                example=example,
            )
        if moment < EARLIEST:
            raise ImportRejected(
                N_("{field} is before the year 2000 ({value})"), field=where, value=repr(value)
            )
        if moment > self.now + FUTURE_SLACK:
            raise ImportRejected(
                N_("{field} is too far in the future ({value})"), field=where, value=repr(value)
            )
        return to_db(moment)

    def ref(self, key: str, count: int, listed: str) -> int | None:
        """A reference to an entry of a top-level list ("ref": its place, from 1), or null."""
        value = self._get(key, False)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= count:
            raise ImportRejected(
                N_('{field} must be the ref of one of "{listed}" (1 to {count}) or null'),
                field=self._where(key),
                listed=listed,
                count=count,
            )
        return value

    def array(self, key: str, limit: int, *, required: bool = False) -> list[Any]:
        value = self._get(key, required)
        if value is None:
            return []
        if not isinstance(value, list):
            raise ImportRejected(
                N_("{field} must be a list ([...]), not {kind}"), field=self._where(key), kind=_kind(value)
            )
        if len(value) > limit:
            raise ImportRejected(
                # TRANSLATORS: {count} is above {limit}; word it so any count fits (no plural forms).
                N_("{field} has {count} entries; at most {limit}"),
                field=self._where(key),
                count=len(value),
                limit=f"{limit:,}",
            )
        return value


def _kind(value: Any) -> Phrase:
    """What a JSON value is, as words for "… must be text, not {kind}"."""
    if value is None:
        # TRANSLATORS: one of the six kinds of JSON value (null, true/false, a number, text, a list,
        # an object), the {kind} in "{field} must be text, not {kind}"; null may stay as it is.
        return Phrase(N_("null"))
    if isinstance(value, bool):
        return Phrase(N_("true/false"))
    if isinstance(value, int | float):
        return Phrase(N_("a number"))
    if isinstance(value, str):
        # TRANSLATORS: a JSON string, as in "{field} must be text, not {kind}".
        return Phrase(N_("text"))
    if isinstance(value, list):
        return Phrase(N_("a list"))
    return Phrase(N_("an object"))


@dataclass(frozen=True)
class ParsedBake:
    identity: tuple[str, str]  # (started_at as stored, name)
    row: dict[str, Any]  # bakes columns (times already as stored)
    readings: list[tuple[Any, ...]]  # (taken_at, rise_pct, start_height, current_height)
    temperatures: list[tuple[Any, ...]]  # (taken_at, temp_c)
    events: list[tuple[Any, ...]]  # (kind, at, detail)
    # (kind, due_at, state, label, seq, created_at, sent_at, attempts)
    reminders: list[tuple[Any, ...]]
    # (file_id, file_unique_id, caption, taken_at)
    photos: list[tuple[Any, ...]] = field(default_factory=list)
    # (code, created_at, revoked_at, include_notes, include_readings, include_photos)
    shares: list[tuple[Any, ...]] = field(default_factory=list)
    starter_ref: int | None = None  # the place in ParsedExport.starters, from 1
    recipe_ref: int | None = None


@dataclass(frozen=True)
class ParsedExport:
    bakes: list[ParsedBake]
    # (fed_at, starter_parts, flour_parts, water_parts, temp_c, peak_hours, peaked_at, starter ref)
    feedings: list[tuple[Any, ...]]
    starters: list[dict[str, Any]] = field(default_factory=list)  # starters columns
    recipes: list[dict[str, Any]] = field(default_factory=list)  # recipes columns


def _reject_constant(name: str) -> Any:
    raise ImportRejected(N_("The file is not valid JSON ({constant} is not allowed)."), constant=name)


def _load(data: bytes, max_bytes: int) -> Any:
    if len(data) > max_bytes:
        raise ImportRejected(
            N_("The file is too large ({size} MB); the limit is {limit} MB."),
            size=f"{len(data) / 1024 / 1024:.1f}",
            limit=f"{max_bytes / 1024 / 1024:.1f}",
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ImportRejected(
            N_(
                "The file is not UTF-8 text (bad byte at position {position}); "
                "send the .json file /export made."
            ),
            position=exc.start,
        ) from None
    text = text.removeprefix("\ufeff")
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise ImportRejected(
            # TRANSLATORS: {error} is the JSON parser's own (English) words, e.g. "Expecting value".
            N_(
                "The file is not valid JSON (line {line}, column {column}: {error}); "
                "send the .json file /export made."
            ),
            line=exc.lineno,
            column=exc.colno,
            error=exc.msg,
        ) from None
    except ValueError as exc:  # e.g. an integer with too many digits: the parser's (English) words
        raise ImportRejected(N_("The file is not valid JSON ({error})."), error=str(exc)) from None
    except RecursionError:
        raise ImportRejected(N_("The file is not valid JSON (nested too deeply).")) from None


def parse_export(
    data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES, now: datetime | None = None
) -> ParsedExport:
    """Validate a whole export file; raise ImportRejected at the first problem. Writes nothing."""
    document = _load(data, max_bytes)
    now = now or datetime.now(UTC)
    if not isinstance(document, dict):
        raise ImportRejected(
            N_(
                "This is not a sourdough bot export: the file holds {kind}, "
                "not an object made by /export json."
            ),
            kind=_kind(document),
        )
    if document.get("format") != EXPORT_FORMAT:
        raise ImportRejected(
            N_('This is not a sourdough bot export: "format" must be "{format}".'), format=EXPORT_FORMAT
        )
    version = document.get("format_version")
    if version not in READABLE_VERSIONS or isinstance(version, bool) or not isinstance(version, int):
        *older, newest = READABLE_VERSIONS
        readable: object = (
            # TRANSLATORS: the format versions this bot reads, e.g. "1 or 2".
            Phrase(N_("{older} or {newest}"), {"older": ", ".join(map(str, older)), "newest": newest})
            if older
            else newest
        )
        raise ImportRejected(
            N_("This export has format_version {found}; this bot reads format_version {readable}."),
            found=json.dumps(version),
            readable=readable,
        )
    top = _Obj(document, "", now)
    if "user" in document and document["user"] is not None:
        _Obj(document["user"], "user", now)
    starters = [
        _parse_starter(raw, f"starters[{i}]", now)
        for i, raw in enumerate(top.array("starters", MAX_STARTERS))
    ]
    recipes = [
        _parse_recipe(raw, f"recipes[{i}]", now) for i, raw in enumerate(top.array("recipes", MAX_RECIPES))
    ]
    bakes = [
        _parse_bake(raw, f"bakes[{i}]", now, len(starters), len(recipes))
        for i, raw in enumerate(top.array("bakes", MAX_BAKES, required=True))
    ]
    feedings = []
    for i, raw in enumerate(top.array("starter_feedings", MAX_FEEDINGS)):
        item = _Obj(raw, f"starter_feedings[{i}]", now)
        feedings.append(
            (
                item.time("fed_at", required=True),
                item.number("starter_parts", 0, MAX_FEED_PARTS, required=True),
                item.number("flour_parts", 0, MAX_FEED_PARTS, required=True),
                item.number("water_parts", 0, MAX_FEED_PARTS, required=True),
                item.number("temp_c", 5, 45),
                item.number("peak_hours", 0, 240, required=True),
                item.time("peaked_at"),
                item.ref("starter", len(starters), "starters"),
            )
        )
    return ParsedExport(bakes, feedings, starters, recipes)


def _parse_starter(raw: Any, path: str, now: datetime) -> dict[str, Any]:
    item = _Obj(raw, path, now)
    calibration = item.text("calibration", 2_000)
    if calibration is not None:
        try:
            valid = isinstance(json.loads(calibration), dict)
        except ValueError:
            valid = False
        if not valid:
            raise ImportRejected(
                N_("{field} must be the JSON text /export wrote"), field=f"{path}.calibration"
            )
    return {
        "name": item.text("name", MAX_NAME, required=True),
        "created_at": item.time("created_at", required=True),
        "archived_at": item.time("archived_at"),
        "calibration": calibration,
    }


def _parse_recipe(raw: Any, path: str, now: datetime) -> dict[str, Any]:
    item = _Obj(raw, path, now)
    flour = item.number("flour_g", 0, 100_000, required=True)
    if not flour:
        raise ImportRejected(N_("{field} must be above 0"), field=f"{path}.flour_g")
    return {
        "name": item.text("name", MAX_NAME, required=True),
        "flour_g": flour,
        "water_g": item.number("water_g", 0, 100_000),
        "starter_g": item.number("starter_g", 0, 100_000),
        "salt_g": item.number("salt_g", 0, 100_000),
        "flour_mix": item.text("flour_mix", MAX_MIX),
        "target_rise_pct": item.number("target_rise_pct", 0, 300),
        "folds_count": item.integer("folds_count", 0, 50),
        "fold_interval_min": item.integer("fold_interval_min", 0, 24 * 60),
        "created_at": item.time("created_at", required=True),
    }


def _parse_bake(raw: Any, path: str, now: datetime, starters: int = 0, recipes: int = 0) -> ParsedBake:
    bake = _Obj(raw, path, now)
    name = bake.text("name", MAX_NAME, required=True)
    started_at = bake.time("started_at", required=True)
    assert name is not None and started_at is not None
    row: dict[str, Any] = {
        "name": name,
        "phase": bake.choice("phase", PHASES),
        "started_at": started_at,
        "bulk_ended_at": bake.time("bulk_ended_at"),
        "proof_ends_at": bake.time("proof_ends_at"),
        "finished_at": bake.time("finished_at"),
        "flour_g": bake.number("flour_g", 0, 100_000),
        "water_g": bake.number("water_g", 0, 100_000),
        "starter_g": bake.number("starter_g", 0, 100_000),
        "salt_g": bake.number("salt_g", 0, 100_000),
        "dough_temp_c": bake.number("dough_temp_c", 5, 45),
        "folds_count": bake.integer("folds_count", 0, 50),
        "fold_interval_min": bake.integer("fold_interval_min", 0, 24 * 60),
        "target_rise_pct": bake.number("target_rise_pct", 0, 300),
        "model_bulk_hours": bake.number("model_bulk_hours", 0, 240),
        "predicted_bulk_hours": bake.number("predicted_bulk_hours", 0, 240),
        "rating": bake.integer("rating", 1, 5),
        "notes": bake.text("notes", MAX_NOTES),
        "flour_mix": bake.text("flour_mix", MAX_MIX),
        "starter_factor": bake.number("starter_factor", 0.2, 5),
    }
    photos = []
    for i, raw_item in enumerate(bake.array("photos", MAX_CHILDREN)):
        item = _Obj(raw_item, f"{path}.photos[{i}]", now)
        photos.append(
            (
                item.text("file_id", MAX_FILE_ID, required=True),
                item.text("file_unique_id", MAX_FILE_ID),
                item.text("caption", MAX_CAPTION),
                item.time("taken_at", required=True),
            )
        )
    shares = []
    for i, raw_item in enumerate(bake.array("shares", MAX_CHILDREN)):
        item = _Obj(raw_item, f"{path}.shares[{i}]", now)
        code = item.text("code", 64, required=True)
        if not SHARE_CODE.fullmatch(code or ""):
            raise ImportRejected(N_("{field} is not a share code"), field=f"{path}.shares[{i}].code")
        shares.append(
            (
                code,
                item.time("created_at", required=True),
                item.time("revoked_at"),
                item.integer("include_notes", 0, 1) or 0,
                item.integer("include_readings", 0, 1) or 0,
                item.integer("include_photos", 0, 1) or 0,
            )
        )
    readings = []
    for i, raw_item in enumerate(bake.array("readings", MAX_CHILDREN)):
        item = _Obj(raw_item, f"{path}.readings[{i}]", now)
        readings.append(
            (
                item.time("taken_at", required=True),
                item.number("rise_pct", 0, 300, required=True),
                item.number("start_height", 0, 10_000),
                item.number("current_height", 0, 10_000),
            )
        )
    temperatures = []
    for i, raw_item in enumerate(bake.array("temperatures", MAX_CHILDREN)):
        item = _Obj(raw_item, f"{path}.temperatures[{i}]", now)
        temperatures.append(
            (item.time("taken_at", required=True), item.number("temp_c", 5, 45, required=True))
        )
    events = []
    for i, raw_item in enumerate(bake.array("events", MAX_CHILDREN)):
        item = _Obj(raw_item, f"{path}.events[{i}]", now)
        events.append(
            (
                item.text("kind", MAX_KIND, required=True),
                item.time("at", required=True),
                item.text("detail", MAX_NOTES),
            )
        )
    reminders = []
    for i, raw_item in enumerate(bake.array("reminders", MAX_CHILDREN)):
        item = _Obj(raw_item, f"{path}.reminders[{i}]", now)
        state = item.choice("state", REMINDER_STATES)
        reminders.append(
            (
                item.text("kind", MAX_KIND, required=True),
                item.time("due_at", required=True),
                "cancelled" if state == "pending" else state,  # history only: never re-scheduled
                item.text("label", MAX_LABEL),
                item.integer("seq", 0, 100_000),
                item.time("created_at") or started_at,
                item.time("sent_at"),
                item.integer("attempts", 0, 1_000) or 0,
            )
        )
    return ParsedBake(
        (started_at, name),
        row,
        readings,
        temperatures,
        events,
        reminders,
        photos,
        shares,
        bake.ref("starter", starters, "starters"),
        bake.ref("recipe", recipes, "recipes"),
    )


# --------------------------------------------------------------------------- writing


async def import_export(
    database: AnyDatabase, user_id: int, data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> ImportSummary:
    """Validate `data` completely, then add the bakes the baker does not have yet, in one
    transaction. Raises ImportRejected (nothing written) if anything is wrong."""
    parsed = parse_export(data, max_bytes=max_bytes)
    return await database.write(lambda repo: _write(repo.db, user_id, parsed))


def _write(db: Connection, user_id: int, parsed: ParsedExport) -> ImportSummary:
    bakes_added = bakes_skipped = readings = temps = events = reminders = 0
    feedings_added = feedings_skipped = 0
    with closing(db.execute("SELECT 1 FROM users WHERE id = ?", (user_id,))) as cursor:
        if cursor.fetchone() is None:
            raise ImportRejected(N_("Send /start first, then /import again."))
    starter_ids, starters_added = _named(db, user_id, "starters", parsed.starters)
    recipe_ids, recipes_added = _named(db, user_id, "recipes", parsed.recipes)
    photos = shares = 0
    with closing(db.execute("SELECT started_at, name FROM bakes WHERE user_id = ?", (user_id,))) as cursor:
        seen = {(row[0], row[1]) for row in cursor.fetchall()}
    for bake in parsed.bakes:
        if bake.identity in seen:
            bakes_skipped += 1
            continue
        seen.add(bake.identity)
        values = {
            **bake.row,
            "starter_id": starter_ids.get(bake.starter_ref or 0),
            "recipe_id": recipe_ids.get(bake.recipe_ref or 0),
        }
        columns = ["user_id", *values]
        row = db.execute(
            f"INSERT INTO bakes ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))}) RETURNING id",
            (user_id, *values.values()),
        ).fetchone()
        assert row is not None
        bake_id = int(row[0])
        db.executemany(
            "INSERT INTO rise_readings (bake_id, taken_at, rise_pct, start_height, current_height) "
            "VALUES (?, ?, ?, ?, ?)",
            [(bake_id, *r) for r in bake.readings],
        )
        db.executemany(
            "INSERT INTO temperatures (bake_id, taken_at, temp_c) VALUES (?, ?, ?)",
            [(bake_id, *t) for t in bake.temperatures],
        )
        db.executemany(
            "INSERT INTO bake_events (bake_id, kind, at, detail) VALUES (?, ?, ?, ?)",
            [(bake_id, *e) for e in bake.events],
        )
        db.executemany(
            "INSERT INTO reminders (user_id, bake_id, kind, due_at, state, label, seq, created_at, "
            "sent_at, attempts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(user_id, bake_id, *r) for r in bake.reminders],
        )
        db.executemany(
            "INSERT INTO bake_photos (user_id, bake_id, file_id, file_unique_id, caption, taken_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [(user_id, bake_id, *p) for p in bake.photos],
        )
        photos += len(bake.photos)
        for share in bake.shares:
            with closing(db.execute("SELECT 1 FROM shares WHERE code = ?", (share[0],))) as cursor:
                if cursor.fetchone() is not None:
                    continue  # a code opens one bake: one already in use stays with it
            db.execute(
                "INSERT INTO shares (code, user_id, bake_id, created_at, revoked_at, include_notes, "
                "include_readings, include_photos) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (share[0], user_id, bake_id, *share[1:]),
            )
            shares += 1
        bakes_added += 1
        readings += len(bake.readings)
        temps += len(bake.temperatures)
        events += len(bake.events)
        reminders += len(bake.reminders)
    with closing(db.execute("SELECT fed_at FROM starter_feedings WHERE user_id = ?", (user_id,))) as cursor:
        fed = {row[0] for row in cursor.fetchall()}
    new_feedings = []
    for feeding in parsed.feedings:
        if feeding[0] in fed:
            feedings_skipped += 1
            continue
        fed.add(feeding[0])
        new_feedings.append((user_id, *feeding[:-1], starter_ids.get(feeding[-1] or 0)))
    db.executemany(
        "INSERT INTO starter_feedings (user_id, fed_at, starter_parts, flour_parts, water_parts, "
        "temp_c, peak_hours, peaked_at, starter_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        new_feedings,
    )
    feedings_added = len(new_feedings)
    return ImportSummary(
        bakes_added,
        bakes_skipped,
        readings,
        temps,
        events,
        reminders,
        feedings_added,
        feedings_skipped,
        starters_added,
        recipes_added,
        photos,
        shares,
    )


def _named(
    db: Connection, user_id: int, table: str, items: list[dict[str, Any]]
) -> tuple[dict[int, int], int]:
    """Starters or recipes of the file → their ids here, by ref: one of the same name the baker
    has already (any case) is used as it is; the others are added. Returns (ids, added)."""
    assert table in ("starters", "recipes")  # a name of ours, never the file's
    with closing(
        db.execute(f"SELECT id, name FROM {table} WHERE user_id = ? ORDER BY id", (user_id,))
    ) as cursor:
        have: dict[str, int] = {}
        for row in cursor.fetchall():
            have.setdefault(str(row[1]).lower(), int(row[0]))
    ids: dict[int, int] = {}
    added = 0
    for ref, item in enumerate(items, start=1):
        key = str(item["name"]).lower()
        if key not in have:
            columns = ["user_id", *item]
            marks = ", ".join("?" * len(columns))
            row = db.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks}) RETURNING id",
                (user_id, *item.values()),
            ).fetchone()
            assert row is not None
            have[key] = int(row[0])
            added += 1
        ids[ref] = have[key]
    return ids, added
