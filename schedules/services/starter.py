"""The starters and their log: a baker keeps several named starters; a feeding of one reminds at
its expected peak, and a "it peaked now" teaches that starter its own pace."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from schedules import calibration as calib
from schedules import fermentation as model
from schedules.errors import StarterNameTaken, StarterNotFound, TooManyStarters
from schedules.repository import Repository
from schedules.services.base import Service, baker
from schedules.types import NewReminder, ReminderKind, Starter, StarterFeeding, User

DEFAULT_STARTER_NAME = "My starter"
MAX_STARTERS = 10  # active ones
DEFAULT_FEED_TEMP_C = 23.0
PEAK_LEARN_HOURS = (0.5, 48.0)  # a "peaked now" outside this is not a peak of that feeding
PEAK_LEARN_RATIO = (1 / 3, 3.0)  # nor one a third of the book's time, or three times it


def starter_pace(starter: Starter | None) -> float | None:
    """The starter's learned pace (1.2: it peaks a fifth later than the book); None until it has
    taught us one."""
    if starter is None or not starter.calibration:
        return None
    cal = calib.from_json(starter.calibration)
    return cal.speed_factor if cal.samples else None


def expected_peak(
    ratio: tuple[float, float, float], temp_c: float | None, pace: float | None
) -> model.StarterPeak:
    """The model's peak for a feed, stretched by the starter's own pace."""
    book = model.starter_peak_hours(*ratio, temp_c=temp_c if temp_c is not None else DEFAULT_FEED_TEMP_C)
    factor = pace or 1.0
    return model.StarterPeak(book.low_hours * factor, book.peak_hours * factor, book.high_hours * factor)


def ratio_label(ratio: tuple[float, float, float], grams: bool = False) -> str:
    if grams:
        return " + ".join(f"{part:g} g" for part in ratio)
    return ":".join(f"{part:g}" for part in ratio)


@dataclass(frozen=True)
class FeedResult:
    user: User
    feeding: StarterFeeding
    peak: model.StarterPeak
    replayed: bool = False
    starter: Starter | None = None


@dataclass(frozen=True)
class FeedChoice:
    """The baker has several starters: which one was fed?"""

    user: User
    starters: list[Starter]


@dataclass(frozen=True)
class StarterView:
    starter: Starter
    feedings: list[StarterFeeding]
    pace: float | None
    samples: int


@dataclass(frozen=True)
class StarterOverview:
    user: User
    starters: list[StarterView] = field(default_factory=list)
    loose: list[StarterFeeding] = field(default_factory=list)  # feedings of no starter (old imports)


@dataclass(frozen=True)
class PeakResult:
    user: User
    starter: Starter
    feeding: StarterFeeding
    hours: float  # from feeding to peak
    already: bool = False  # noted before (a second tap)
    learned: bool = False  # the pace was updated
    pace: float | None = None


def _resolve(repo: Repository, user_id: int, starter_id: int | None, name: str | None) -> Starter:
    starter = None
    if starter_id is not None:
        starter = repo.get_starter(user_id, starter_id)
    elif name:
        starter = repo.starter_by_name(user_id, name)
    else:
        active = repo.starters(user_id)
        starter = active[0] if len(active) == 1 else None
    if starter is None or not starter.active:
        raise StarterNotFound
    return starter


class StarterService(Service):
    async def feed(
        self,
        user_id: int,
        ratio: tuple[float, float, float],
        temp_c: float | None,
        *,
        starter_id: int | None = None,
        grams: bool = False,
        source_key: str | None = None,
    ) -> FeedResult | FeedChoice:
        """Log a feeding of one starter and remind at its expected peak. With no starter named,
        the baker's only one (made on the first feeding), or a choice when they have several."""
        now = self.clock.now()

        def action(repo: Repository) -> FeedResult | FeedChoice:
            user = baker(repo, user_id)
            if source_key is not None and (earlier := repo.feeding_by_source(user_id, source_key)):
                starter = repo.get_starter(user_id, earlier.starter_id) if earlier.starter_id else None
                pace = starter_pace(starter)
                return FeedResult(user, earlier, expected_peak(ratio, temp_c, pace), True, starter)
            if starter_id is not None:
                starter = _resolve(repo, user_id, starter_id, None)
            else:
                active = repo.starters(user_id)
                if len(active) > 1:
                    return FeedChoice(user, active)
                starter = active[0] if active else repo.add_starter(user_id, DEFAULT_STARTER_NAME, now)
            peak = expected_peak(ratio, temp_c, starter_pace(starter))
            feeding = repo.add_starter_feeding(
                user_id, starter.id, now, ratio, temp_c, peak.peak_hours, source_key
            )
            assert feeding is not None  # the starter is the baker's: checked above
            label = ratio_label(ratio, grams)
            if len(repo.starters(user_id)) > 1:
                label = f"{label} · {starter.name}"
            # `seq` carries the feeding, so the reminder's "it peaked now" knows which one it was.
            reminder = NewReminder(
                ReminderKind.STARTER_PEAK, now + timedelta(hours=peak.low_hours), label=label, seq=feeding.id
            )
            repo.add_reminders(user_id, [reminder], now)
            return FeedResult(user, feeding, peak, starter=starter)

        return await self.db.write(action)

    async def feedings(self, user_id: int) -> tuple[User, list[StarterFeeding]]:
        return await self.db.read(lambda repo: (baker(repo, user_id), repo.feedings(user_id)))

    async def overview(self, user_id: int, per_starter: int = 5) -> StarterOverview:
        def action(repo: Repository) -> StarterOverview:
            user = baker(repo, user_id)
            views = []
            for starter in repo.starters(user_id):
                cal = calib.from_json(starter.calibration) if starter.calibration else calib.Calibration()
                views.append(
                    StarterView(
                        starter,
                        repo.starter_feedings(user_id, starter.id, limit=per_starter),
                        starter_pace(starter),
                        cal.samples,
                    )
                )
            loose = [f for f in repo.feedings(user_id, limit=per_starter) if f.starter_id is None]
            return StarterOverview(user, views, loose)

        return await self.db.read(action)

    async def create(self, user_id: int, name: str, *, source_key: str | None = None) -> Starter:
        now = self.clock.now()

        def action(repo: Repository) -> Starter:
            baker(repo, user_id)
            active = repo.starters(user_id)
            if (same := repo.starter_by_name(user_id, name)) is not None:
                if source_key is not None and same.source_key == source_key:
                    return same  # the same message again
                raise StarterNameTaken(same.name)
            if len(active) >= MAX_STARTERS:
                raise TooManyStarters
            return repo.add_starter(user_id, name, now, source_key)

        return await self.db.write(action)

    async def rename(
        self, user_id: int, new_name: str, *, starter_id: int | None = None, name: str = ""
    ) -> Starter:
        def action(repo: Repository) -> Starter:
            starter = _resolve(repo, user_id, starter_id, name)
            same = repo.starter_by_name(user_id, new_name)
            if same is not None and same.id != starter.id:
                raise StarterNameTaken(same.name)
            return repo.update_starter(user_id, starter.id, name=new_name) or starter

        return await self.db.write(action)

    async def archive(self, user_id: int, *, starter_id: int | None = None, name: str = "") -> Starter:
        """Archive a starter: out of /feed's choice and /starter; its log is kept (and exported)."""
        now = self.clock.now()

        def action(repo: Repository) -> Starter:
            starter = _resolve(repo, user_id, starter_id, name or None)
            return repo.update_starter(user_id, starter.id, archived_at=now) or starter

        return await self.db.write(action)

    async def peaked(
        self, user_id: int, *, feeding_id: int | None = None, starter_id: int | None = None, name: str = ""
    ) -> PeakResult:
        """ "It peaked now": the feeding's time to peak teaches its starter its own pace (the
        same learning as the dough's, `schedules.calibration`). A second tap changes nothing."""
        now = self.clock.now()

        def action(repo: Repository) -> PeakResult:
            user = baker(repo, user_id)
            if feeding_id is not None:
                feeding = repo.get_feeding(user_id, feeding_id)
                if feeding is None or feeding.starter_id is None:
                    raise StarterNotFound
                starter = repo.get_starter(user_id, feeding.starter_id)
                if starter is None:
                    raise StarterNotFound
            else:
                starter = _resolve(repo, user_id, starter_id, name or None)
                latest = repo.starter_feedings(user_id, starter.id, limit=1)
                if not latest:
                    raise StarterNotFound
                feeding = latest[0]
            if feeding.peaked_at is not None:
                hours = _hours(feeding.fed_at, feeding.peaked_at)
                return PeakResult(user, starter, feeding, hours, already=True, pace=starter_pace(starter))
            feeding = repo.mark_feeding_peaked(user_id, feeding.id, now) or feeding
            hours = _hours(feeding.fed_at, now)
            for reminder in repo.pending_reminders(user_id):
                if reminder.kind == ReminderKind.STARTER_PEAK and reminder.seq == feeding.id:
                    repo.cancel_reminders(user_id, reminder_id=reminder.id)
            book = model.starter_peak_hours(
                feeding.starter_parts,
                feeding.flour_parts,
                feeding.water_parts,
                temp_c=feeding.temp_c if feeding.temp_c is not None else DEFAULT_FEED_TEMP_C,
            )
            plausible = PEAK_LEARN_RATIO[0] <= hours / book.peak_hours <= PEAK_LEARN_RATIO[1]
            if not PEAK_LEARN_HOURS[0] <= hours <= PEAK_LEARN_HOURS[1] or not plausible or not starter.active:
                return PeakResult(user, starter, feeding, hours, pace=starter_pace(starter))
            cal = calib.from_json(starter.calibration) if starter.calibration else calib.Calibration()
            cal = calib.update_calibration(cal, book.peak_hours, hours)
            starter = repo.update_starter(user_id, starter.id, calibration=calib.to_json(cal)) or starter
            return PeakResult(user, starter, feeding, hours, learned=True, pace=starter_pace(starter))

        return await self.db.write(action)

    async def pace(self, user_id: int, starter_id: int | None = None) -> tuple[Starter | None, float | None]:
        """A starter (the one named, else the one fed last) and its learned pace."""

        def action(repo: Repository) -> tuple[Starter | None, float | None]:
            starter = (
                repo.get_starter(user_id, starter_id)
                if starter_id is not None
                else repo.default_starter(user_id)
            )
            return starter, starter_pace(starter)

        return await self.db.read(action)


def _hours(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 3600
