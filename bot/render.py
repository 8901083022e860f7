"""How results read: the pure rendering shared by handlers, the error handler and the sender.
Takes domain results and the baker's zone, returns HTML text; no I/O."""

from __future__ import annotations

from datetime import datetime, tzinfo

from bot import texts
from bot.i18n import Msg, _, ngettext
from schedules.forecast import Announced, Prediction, announced
from schedules.services.bakes import BakeDetails, FinishResult, StartResult
from schedules.services.readings import RiseResult
from schedules.types import Bake, BakeEvent, EventKind, Phase, Reminder, ReminderKind, RiseReading, User


def where_bake_is(bake: Bake, zone: tzinfo, now: datetime) -> str:
    """A button of a bake that has moved on: say where the bake is now."""
    template = texts.PHASE_NOW.get(bake.phase, texts.PHASE_NOW["bulk"])
    since = {
        Phase.BULK: bake.started_at,
        Phase.COLD_PROOF: bake.bulk_ended_at,
        Phase.PROOF: bake.bulk_ended_at,
        Phase.DONE: bake.finished_at,
    }.get(Phase(bake.phase)) or bake.started_at
    until = bake.proof_ends_at or now
    return template.format(
        name=texts.esc(bake.name),
        since=texts.fmt_time(since, zone, now),
        until=texts.fmt_time(until, zone, now),
    )


def prediction_text(prediction: Prediction | None, zone: tzinfo, now: datetime) -> str:
    if prediction is None:
        return ""
    low, high = texts.fmt_window(*prediction.window, zone, now)
    return texts.prediction_line(prediction.target_rise_pct, (low, high), prediction.basis)


def prediction_lines(prediction: Prediction | None, zone: tzinfo, now: datetime) -> list[str]:
    if prediction is None:
        return []
    target = texts.fmt_num(prediction.target_rise_pct)
    if prediction.over_fermented:
        return [texts.RISE_OVER.format(target=target)]
    if prediction.passed:
        return [texts.RISE_PASSED.format(target=target)]
    low, high = texts.fmt_window(*prediction.window, zone, now)
    template = texts.RISE_ETA_PRIOR if prediction.basis == "prior" else texts.RISE_ETA
    return [template.format(target=target, eta=texts.fmt_time(prediction.eta, zone, now), low=low, high=high)]


def rise(result: RiseResult, zone: tzinfo, now: datetime) -> str:
    reading, bake = result.reading, result.bake
    name = texts.esc(bake.name)
    if result.already_answered:
        lines = [
            texts.RISE_ALREADY_ANSWERED.format(
                pct=_reading_pct(reading), time=texts.fmt_at(reading.taken_at, zone, now)
            )
        ]
    elif result.edited_from is not None:
        lines = [
            texts.RISE_EDITED.format(
                time=texts.fmt_time(reading.taken_at, zone, now),
                old=texts.fmt_pct(result.edited_from),
                new=_reading_pct(reading),
                name=name,
            )
        ]
    elif reading.start_height is not None and reading.current_height is not None:
        elapsed = texts.fmt_duration(reading.taken_at - bake.started_at)
        lines = [
            texts.RISE_FROM_HEIGHTS.format(
                start=texts.fmt_num(reading.start_height, 2),
                current=texts.fmt_num(reading.current_height, 2),
                pct=texts.fmt_num(round(reading.rise_pct)),
                elapsed=elapsed,
                name=name,
            )
        ]
    else:
        elapsed = texts.fmt_duration(reading.taken_at - bake.started_at)
        lines = [texts.RISE_LOGGED.format(pct=texts.fmt_num(reading.rise_pct), elapsed=elapsed, name=name)]
    if result.replayed:
        lines.append(str(texts.RISE_REPLAYED))
    if result.previous is not None and reading.rise_pct < result.previous.rise_pct:
        lines.append(texts.RISE_LOWER.format(previous=_reading_pct(result.previous)))
    if result.prediction is None and result.target_reached and bake.target_rise_pct:
        lines.append(texts.RISE_PASSED.format(target=texts.fmt_num(bake.target_rise_pct)))
    lines += prediction_lines(result.prediction, zone, now)
    return "\n".join(lines)


def _reading_pct(reading: RiseReading) -> str:
    """A reading as the baker gave it: a typed 4.5 % as 4.5 %, jar heights to the whole percent."""
    return texts.fmt_reading(reading.rise_pct, from_heights=reading.start_height is not None)


def plan(reminders: list[Reminder], zone: tzinfo, now: datetime) -> str:
    folds = [r for r in reminders if r.kind == ReminderKind.FOLD]
    checks = [r for r in reminders if r.kind == ReminderKind.RISE_CHECK]
    done = [r for r in reminders if r.kind == ReminderKind.BULK_DONE]
    parts: list[tuple[str, str]] = []
    if folds:
        first, last = texts.fmt_time(folds[0].due_at, zone, now), texts.fmt_time(folds[-1].due_at, zone, now)
        what = ngettext("{n} stretch-and-fold", "{n} stretch-and-folds", len(folds)).format(n=len(folds))
        parts.append((what, first if len(folds) == 1 else f"{first}–{last}"))
    if checks:
        parts.append((_("rise checks from"), texts.fmt_time(checks[0].due_at, zone, now)))
    if done:
        parts.append((_("“bulk is probably done”"), texts.fmt_at(done[0].due_at, zone, now)))
    return texts.reminders_summary(parts)


def temp_example(user: User) -> str:
    return "76F" if user.temp_unit == "F" else "24.5"


def started(result: StartResult, zone: tzinfo, now: datetime) -> str:
    bake, user = result.bake, result.user
    if result.replayed:
        return texts.BAKE_AGAIN_REPLAYED.format(
            name=texts.esc(bake.name), time=texts.fmt_at(bake.started_at, zone, now)
        )
    lines = [
        texts.BAKE_STARTED.format(name=texts.esc(bake.name), time=texts.fmt_time(bake.started_at, zone, now))
    ]
    if result.plan is not None:
        lines.append(texts.PLAN_LINKED.format(ready=texts.fmt_time(result.plan.ready_at, zone, now)))
    lines += texts.percentages_lines(bake.recipe)
    if bake.dough_temp_c is not None:
        lines.append(
            _("Dough temperature: {temp}").format(temp=texts.fmt_temp(bake.dough_temp_c, user.temp_unit))
        )
    if result.prediction is not None:
        lines += ["", prediction_text(result.prediction, zone, now)]
    else:
        lines += ["", texts.ASK_TEMP_HINT.format(example=temp_example(user))]
    lines += ["", plan(result.reminders, zone, now)]
    return "\n".join(lines)


def status_block(details: BakeDetails, current: bool, zone: tzinfo, now: datetime) -> str:
    bake, user, readings, pending = details.bake, details.user, details.readings, details.pending
    marker = "▶️ " if current else ""
    lines = [
        f"{marker}<b>{texts.esc(bake.name)}</b> — {texts.PHASE_NAMES.get(bake.phase, bake.phase)}",
        _("Mixed {time} ({duration} ago)").format(
            time=texts.fmt_time(bake.started_at, zone, now),
            duration=texts.fmt_duration(now - bake.started_at),
        ),
    ]
    if readings:
        last = readings[-1]
        lines.append(
            _("Rise: <b>{pct}</b> ({duration} ago)").format(
                pct=_reading_pct(last), duration=texts.fmt_duration(now - last.taken_at)
            )
        )
    else:
        lines.append(_("Rise: no reading yet (send e.g. <code>40%</code>)"))
    lines.append(_("Dough: {temp}").format(temp=texts.fmt_temp(details.temperature, user.temp_unit)))
    lines += texts.percentages_lines(bake.recipe)
    if bake.in_bulk:
        if details.prediction is not None:
            lines.append(prediction_text(details.prediction, zone, now))
    elif bake.proof_ends_at is not None:
        lines.append(_("Proof ends {time}").format(time=texts.fmt_time(bake.proof_ends_at, zone, now)))
    if pending:
        nxt = pending[0]
        lines.append(
            _("Next reminder: {what}, {time}").format(
                what=texts.REMINDER_KIND_NAMES.get(nxt.kind, nxt.kind),
                time=texts.fmt_time(nxt.due_at, zone, now),
            )
        )
    return "\n".join(lines)


EVENT_NAMES = {
    "mix": Msg("mixed"),
    "fold": Msg("fold"),
    "fridge_in": Msg("into the fridge"),
    "fridge_out": Msg("out of the fridge"),
    "proof": Msg("final proof"),
    "done": Msg("done"),
}


def card(details: BakeDetails, zone: tzinfo, now: datetime) -> str:
    bake, user = details.bake, details.user
    lines = [
        f"<b>{texts.esc(bake.name)}</b> — {texts.PHASE_NAMES.get(bake.phase, bake.phase)}",
        _("Mixed {date}").format(date=texts.fmt_date(bake.started_at, zone)),
    ]
    lines += texts.percentages_lines(bake.recipe)
    if bake.dough_temp_c is not None:
        lines.append(
            _("Dough temperature: {temp}").format(temp=texts.fmt_temp(bake.dough_temp_c, user.temp_unit))
        )
    said = announced(bake, details.events)
    if said is not None and said.first_target_pct is not None:  # the target changed during bulk
        lines.append(
            texts.CARD_TARGET_CHANGED.format(
                target=texts.fmt_pct(said.target_pct),
                first=texts.fmt_pct(said.first_target_pct),
                duration=texts.fmt_hours(said.hours),
            )
        )
    elif bake.target_rise_pct:
        target = texts.fmt_pct(bake.target_rise_pct)
        if bake.predicted_bulk_hours:
            lines.append(
                _("Target rise {target}; predicted bulk {duration}").format(
                    target=target, duration=texts.fmt_hours(bake.predicted_bulk_hours)
                )
            )
        else:
            lines.append(_("Target rise {target}").format(target=target))
    if bake.bulk_ended_at:
        lines.append(
            _("Bulk: {duration}").format(duration=texts.fmt_duration(bake.bulk_ended_at - bake.started_at))
        )
    if bake.bulk_ended_at and bake.finished_at:
        lines.append(
            _("Proof: {duration}").format(duration=texts.fmt_duration(bake.finished_at - bake.bulk_ended_at))
        )
    if bake.rating:
        lines.append(_("Rating: {stars}").format(stars="⭐" * bake.rating))
    if bake.notes:
        lines.append(_("Notes: {notes}").format(notes=texts.esc(bake.notes)))
    if bake.flour_mix:
        lines.append(texts.FLOUR_MIX.format(mix=texts.esc(bake.flour_mix)))
    if details.starter_name:
        lines.append(texts.CARD_STARTER.format(name=texts.esc(details.starter_name)))
    if details.photos:
        lines.append(ngettext("📷 {n} photo", "📷 {n} photos", details.photos).format(n=details.photos))
    timeline = [(r.taken_at, _("rise {pct}").format(pct=_reading_pct(r))) for r in details.readings]
    timeline += [
        (t.taken_at, _("dough {temp}").format(temp=texts.fmt_temp(t.temp_c, user.temp_unit)))
        for t in details.temperatures
    ]
    timeline += [(e.at, _event_name(e)) for e in details.events]
    if timeline:
        lines += ["", _("<b>Timeline</b>")]
        for moment, what in sorted(timeline, key=lambda item: item[0]):
            since = texts.fmt_duration(moment - bake.started_at)
            when = f"{texts.fmt_day(moment, zone)} {texts.fmt_clock(moment, zone)}"
            lines.append(f"{when} (+{since}) — {what}")
    if details.pending:
        count = len(details.pending)
        lines.append(
            "\n"
            + ngettext("{n} reminder pending: {time}", "{n} reminders pending; next {time}", count).format(
                n=count, time=texts.fmt_time(details.pending[0].due_at, zone, now)
            )
        )
    return "\n".join(lines)


def _event_name(event: BakeEvent) -> str:
    if event.kind == EventKind.TARGET and event.detail:  # "75 → 60"
        try:
            old, new = (float(part) for part in event.detail.split("→"))
        except ValueError:
            return str(event.kind)
        return texts.EVENT_TARGET.format(old=texts.fmt_pct(old), new=texts.fmt_pct(new))
    return str(EVENT_NAMES.get(event.kind, event.kind))


def _announced_target(said: Announced) -> str:
    target = texts.fmt_pct(said.target_pct)
    if said.first_target_pct is None:
        return texts.LEARNED_TARGET.format(target=target)
    return texts.LEARNED_FINAL_TARGET.format(target=target, first=texts.fmt_pct(said.first_target_pct))


def learned(result: FinishResult) -> str:
    """/done: how long bulk took against the prediction the baker was given (the card's), for
    the target they ended up with."""
    bake, cal = result.bake, result.calibration
    if result.bulk_error_pct is None or cal is None or bake.bulk_ended_at is None:
        return ""
    actual = bake.bulk_ended_at - bake.started_at
    predicted = actual * (1 + result.bulk_error_pct / 100)
    off_by = texts.fmt_pct(round(abs(result.bulk_error_pct)))
    error = (_("{pct} too long") if result.bulk_error_pct > 0 else _("{pct} too short")).format(pct=off_by)
    if result.announced is not None:
        return texts.LEARNED_FOR.format(
            actual=texts.fmt_duration(actual),
            predicted=texts.fmt_hours(result.announced.hours),
            error=error,
            target=_announced_target(result.announced),
            pace=texts.pace_phrase(cal.speed_factor),
        )
    return texts.LEARNED.format(
        actual=texts.fmt_duration(actual),
        predicted=texts.fmt_duration(predicted),
        error=error,
        pace=texts.pace_phrase(cal.speed_factor),
    )
