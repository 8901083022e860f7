"""The repository port: what the services need from storage, whatever the backend.

`storage.repository.SqliteRepository` implements it on SQLite; another backend implements the
same methods. Every method runs inside the transaction of the action that calls it, on the
database's own thread, so they are plain functions, not coroutines. `changes` collects what the
transaction did to reminders (and which bakers' rows changed), for after the commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol

from schedules.recipe import Recipe
from schedules.types import (
    Bake,
    BakeEvent,
    BakePhoto,
    BakePlan,
    InboxEntry,
    NewReminder,
    Reminder,
    ReminderChanges,
    RiseReading,
    SavedRecipe,
    Share,
    Starter,
    StarterFeeding,
    TempReading,
    User,
)


class Repository(Protocol):
    changes: ReminderChanges

    def upsert_user(
        self, user_id: int, chat_id: int, first_name: str, now: datetime, language: str | None = None
    ) -> User:
        """Create the user on first contact (in `language`); a user who writes again is active
        again, and keeps the language they have."""
        ...

    def get_user(self, user_id: int) -> User | None: ...

    def update_user(self, user_id: int, **changes: Any) -> User | None: ...

    def set_user_active(self, user_id: int, active: bool) -> None: ...

    def block_user(self, user_id: int, now: datetime) -> None:
        """The baker blocked the bot: nothing is sent to them; their reminders wait."""
        ...

    def unblock_user(self, user_id: int) -> list[Reminder]:
        """The baker is back: active again; returns the reminders that fell due while blocked."""
        ...

    def set_undelivered(self, user_id: int, note: str | None) -> None: ...

    def inbox_record(self, entries: Sequence[InboxEntry], done: Iterable[int], now: datetime) -> None:
        """Updates just received (kept until handled) and updates handled since the last call."""
        ...

    def inbox_add(self, entry: InboxEntry, now: datetime) -> bool:
        """Keep one update (webhook mode); False when it was here already (a retried delivery)."""
        ...

    def ping(self) -> bool: ...

    def inbox_open(self) -> list[InboxEntry]:
        """Updates recorded but not handled (the process died meanwhile), oldest first."""
        ...

    def inbox_prune(self, before: datetime) -> int: ...

    def inbox_open_of(self, user_id: int) -> list[InboxEntry]:
        """One baker's updates recorded but not handled yet, oldest first."""
        ...

    def inbox_open_bakers(self, *, limit: int = 1000) -> list[int]:
        """The bakers with updates recorded but not handled, the longest waiting first."""
        ...

    def inbox_done(self, update_ids: Iterable[int], now: datetime) -> None: ...

    def create_bake(
        self,
        user_id: int,
        name: str,
        started_at: datetime,
        *,
        recipe: Recipe | None = None,
        dough_temp_c: float | None = None,
        source_key: str | None = None,
        **extra: Any,
    ) -> Bake: ...

    def bake_by_source(self, user_id: int, source_key: str) -> Bake | None: ...

    def get_bake(self, user_id: int, bake_id: int) -> Bake | None: ...

    def active_bakes(self, user_id: int) -> list[Bake]: ...

    def current_bake(self, user_id: int) -> Bake | None:
        """The bake commands act on: the one the baker picked, else the newest active one."""
        ...

    def select_bake(self, user_id: int, bake_id: int) -> Bake | None: ...

    def list_bakes(
        self, user_id: int, *, limit: int, offset: int = 0, name_like: str | None = None
    ) -> list[Bake]: ...

    def count_bakes(self, user_id: int, *, name_like: str | None = None) -> int: ...

    def finished_bakes(self, user_id: int, *, limit: int) -> list[Bake]: ...

    def update_bake(self, user_id: int, bake_id: int, **changes: Any) -> Bake | None: ...

    def delete_bake(self, user_id: int, bake_id: int) -> bool: ...

    def add_rise(
        self,
        user_id: int,
        bake_id: int,
        taken_at: datetime,
        rise_pct: float,
        start_height: float | None = None,
        current_height: float | None = None,
        source_key: str | None = None,
    ) -> RiseReading | None: ...

    def get_rise(self, user_id: int, reading_id: int) -> RiseReading | None: ...

    def rise_by_source(self, user_id: int, source_key: str) -> RiseReading | None: ...

    def update_rise(
        self,
        user_id: int,
        reading_id: int,
        rise_pct: float,
        start_height: float | None,
        current_height: float | None,
    ) -> RiseReading | None: ...

    def delete_rise(self, user_id: int, reading_id: int) -> bool: ...

    def rise_readings(self, user_id: int, bake_id: int) -> list[RiseReading]: ...

    def add_temperature(
        self, user_id: int, bake_id: int, taken_at: datetime, temp_c: float, source_key: str | None = None
    ) -> TempReading | None: ...

    def temp_by_source(self, user_id: int, source_key: str) -> TempReading | None: ...

    def update_temperature(self, user_id: int, reading_id: int, temp_c: float) -> TempReading | None: ...

    def temperatures(self, user_id: int, bake_id: int) -> list[TempReading]: ...

    def add_event(
        self, user_id: int, bake_id: int, kind: str, at: datetime, detail: str | None = None
    ) -> BakeEvent | None: ...

    def events(self, user_id: int, bake_id: int) -> list[BakeEvent]: ...

    def add_reminders(
        self, user_id: int, reminders: Iterable[NewReminder], now: datetime
    ) -> list[Reminder]: ...

    def reminder_by_source(self, user_id: int, source_key: str) -> Reminder | None: ...

    def get_reminder(self, user_id: int, reminder_id: int) -> Reminder | None: ...

    def pending_reminders(self, user_id: int, bake_id: int | None = None) -> list[Reminder]: ...

    def reminders_of_kind(self, user_id: int, bake_id: int, kind: str) -> list[Reminder]: ...

    def reschedule_reminder(self, user_id: int, reminder_id: int, due_at: datetime) -> Reminder | None:
        """Snooze or move a reminder; a sent one becomes pending again (snooze after delivery)."""
        ...

    def move_pending(self, user_id: int, bake_id: int, kind: str, due_at: datetime) -> list[Reminder]:
        """Move a bake's pending reminders of one kind to a new time; return them (one statement)."""
        ...

    def cancel_reminders(
        self,
        user_id: int,
        *,
        bake_id: int | None = None,
        kinds: Sequence[str] | None = None,
        reminder_id: int | None = None,
    ) -> list[int]:
        """Cancel a user's pending reminders (all, one bake's, some kinds, or one); return ids."""
        ...

    def reminder_for_delivery(self, reminder_id: int) -> tuple[Reminder, User, Bake | None] | None:
        """A pending reminder with its baker and bake, in one read."""
        ...

    def due_for_delivery(self, moment: datetime, *, limit: int) -> list[tuple[Reminder, User, Bake | None]]:
        """The pending reminders due before `moment`, each with its baker and bake: three
        statements in one call, however many reminders."""
        ...

    def claim_due(
        self, moment: datetime, owner: str, now: datetime, until: datetime, *, limit: int, after_user: int = 0
    ) -> list[tuple[Reminder, User, Bake | None]]:
        """Claim the pending reminders due before `moment` that nobody holds (no claim, or one
        that expired before `now`) for `owner` until `until`; each with its baker and bake. By
        turns: every baker's first before anyone's second, bakers after `after_user` first within
        a turn (round robin over batches), and returned in that order. Replicas claiming at once
        take different rows."""
        ...

    def release_claims(self, reminder_ids: Sequence[int] | None = None) -> int:
        """Let the given pending reminders (None: every one) be claimed again at once."""
        ...

    def release_claims_except(self, owner: str) -> int:
        """Let the pending reminders claimed by anyone but `owner` be claimed again at once."""
        ...

    def pending_due_before(self, moment: datetime, *, limit: int = 100_000) -> list[Reminder]: ...

    def mark_reminder(self, reminder_id: int, state: str, *, sent_at: datetime | None = None) -> bool:
        """Move a pending reminder to sent/failed/missed/cancelled; False if it was no longer pending."""
        ...

    def mark_missed_before(self, moment: datetime) -> dict[int, list[Reminder]]:
        """Everything pending that fell due before `moment` is missed; grouped by user."""
        ...

    def erase_user(self, user_id: int) -> dict[str, int]:
        """Delete everything of one user (the rows cascade); return what was there, by table."""
        ...

    def add_feeding(
        self,
        user_id: int,
        fed_at: datetime,
        ratio: tuple[float, float, float],
        temp_c: float | None,
        peak_hours: float,
        source_key: str | None = None,
    ) -> StarterFeeding: ...

    def feeding_by_source(self, user_id: int, source_key: str) -> StarterFeeding | None: ...

    def feedings(self, user_id: int, *, limit: int = 10) -> list[StarterFeeding]: ...

    def add_starter(
        self, user_id: int, name: str, now: datetime, source_key: str | None = None
    ) -> Starter: ...

    def starters(self, user_id: int, *, archived: bool = False) -> list[Starter]:
        """The baker's starters, oldest first; archived ones only when asked."""
        ...

    def get_starter(self, user_id: int, starter_id: int) -> Starter | None: ...

    def starter_by_name(self, user_id: int, name: str) -> Starter | None:
        """An active starter by name, whatever the case."""
        ...

    def default_starter(self, user_id: int) -> Starter | None:
        """The active starter fed most recently (the one a baker just fed is the one they bake
        with), else the newest active one."""
        ...

    def update_starter(
        self,
        user_id: int,
        starter_id: int,
        *,
        name: str | None = None,
        archived_at: datetime | None = None,
        calibration: str | None = None,
    ) -> Starter | None:
        """Rename, archive or store the learned pace of an active starter (what is given)."""
        ...

    def add_starter_feeding(
        self,
        user_id: int,
        starter_id: int,
        fed_at: datetime,
        ratio: tuple[float, float, float],
        temp_c: float | None,
        peak_hours: float,
        source_key: str | None = None,
    ) -> StarterFeeding | None: ...

    def starter_feedings(self, user_id: int, starter_id: int, *, limit: int = 10) -> list[StarterFeeding]: ...

    def get_feeding(self, user_id: int, feeding_id: int) -> StarterFeeding | None: ...

    def mark_feeding_peaked(self, user_id: int, feeding_id: int, at: datetime) -> StarterFeeding | None:
        """Note when a feeding peaked; None if it was noted already (or is not this baker's)."""
        ...

    def save_recipe(
        self,
        user_id: int,
        name: str,
        recipe: Recipe,
        now: datetime,
        *,
        flour_mix: str | None = None,
        target_rise_pct: float | None = None,
        folds_count: int | None = None,
        fold_interval_min: int | None = None,
        source_key: str | None = None,
    ) -> SavedRecipe:
        """Save a named recipe; a recipe of the same name (any case) is replaced, keeping its id."""
        ...

    def recipes(self, user_id: int, *, limit: int = 50) -> list[SavedRecipe]: ...

    def count_recipes(self, user_id: int) -> int: ...

    def get_recipe(self, user_id: int, recipe_id: int) -> SavedRecipe | None: ...

    def recipe_by_name(self, user_id: int, name: str) -> SavedRecipe | None: ...

    def recipe_by_source(self, user_id: int, source_key: str) -> SavedRecipe | None: ...

    def delete_recipe(self, user_id: int, recipe_id: int) -> bool: ...

    def add_photo(
        self,
        user_id: int,
        bake_id: int | None,
        file_id: str,
        file_unique_id: str | None,
        caption: str | None,
        taken_at: datetime,
        source_key: str | None = None,
    ) -> BakePhoto | None:
        """A photo reference, on one of the baker's bakes (None if it is not theirs) or, with
        `bake_id` None, waiting for them to pick one."""
        ...

    def photo_by_source(self, user_id: int, source_key: str) -> BakePhoto | None: ...

    def get_photo(self, user_id: int, photo_id: int) -> BakePhoto | None: ...

    def attach_photo(self, user_id: int, photo_id: int, bake_id: int) -> BakePhoto | None:
        """Put a waiting photo on one of the baker's bakes; None if either is not theirs or the
        photo is on a bake already."""
        ...

    def photos(self, user_id: int, bake_id: int, *, limit: int = 10, offset: int = 0) -> list[BakePhoto]: ...

    def count_photos(self, user_id: int, bake_id: int) -> int: ...

    def add_share(self, user_id: int, bake_id: int, code: str, now: datetime) -> Share | None: ...

    def live_share(self, user_id: int, bake_id: int) -> Share | None: ...

    def get_share(self, user_id: int, share_id: int) -> Share | None: ...

    def share_by_code(self, code: str) -> Share | None: ...

    def update_share(
        self,
        user_id: int,
        share_id: int,
        *,
        include_notes: bool | None = None,
        include_readings: bool | None = None,
        include_photos: bool | None = None,
        revoked_at: datetime | None = None,
    ) -> Share | None:
        """Tick what a live link shows, or revoke it; None if it is not this baker's or revoked."""
        ...

    def add_plan(
        self,
        user_id: int,
        now: datetime,
        *,
        ready_at: datetime,
        starter_pct: float,
        feed_ratio: int,
        kitchen_temp_c: float,
        fridge_temp_c: float,
        target_rise_pct: float,
        bulk_hours: float,
        fridge_hours: float,
        steps: str,
        source_key: str | None = None,
    ) -> BakePlan:
        """A newly accepted plan, the baker's active one (end any other first)."""
        ...

    def get_plan(self, user_id: int, plan_id: int) -> BakePlan | None: ...

    def plan_by_source(self, user_id: int, source_key: str) -> BakePlan | None: ...

    def active_plan(self, user_id: int) -> BakePlan | None: ...

    def plan_of_bake(self, user_id: int, bake_id: int) -> BakePlan | None:
        """The active plan a bake was started from, if any."""
        ...

    def update_plan(self, user_id: int, plan_id: int, **changes: Any) -> BakePlan | None: ...

    def link_plan_reminders(self, user_id: int, plan_id: int, reminder_ids: Sequence[int]) -> None:
        """Mark reminders (made through add_reminders) as steps of a plan."""
        ...

    def plan_reminders(self, user_id: int, plan_id: int, *, pending_only: bool = True) -> list[Reminder]: ...

    def cancel_plan_steps(self, user_id: int, plan_id: int, kinds: Sequence[str] | None = None) -> list[int]:
        """Cancel a plan's pending steps (all, or some kinds); return their ids."""
        ...
