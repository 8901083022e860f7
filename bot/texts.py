"""Every text the bot shows a baker, in one place. Replies use Telegram HTML; anything the
baker typed goes through `esc` before it is shown back."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from datetime import datetime, timedelta, tzinfo

from babel.dates import format_skeleton, format_time
from babel.numbers import format_decimal

from bot.i18n import Msg, Plural, _, current_babel_locale, ngettext
from schedules.parsing import c_to_f
from schedules.recipe import BakersPercentages, Recipe, bakers_percentages

MAX_MESSAGE = 4096  # Telegram's limit for one message
SAFE_CHUNK = 3800  # what a split reply aims for, leaving room below MAX_MESSAGE
NAME_MAX = 80
NOTE_MAX = 1000


def esc(text: object) -> str:
    return html.escape(str(text), quote=False)


# ---------------------------------------------------------------- formatting helpers
# Numbers, dates and times in the baker's locale (Babel): "4.5" or "4,5"; "14:35" or "2:35 PM".

def fmt_temp(temp_c: float | None, unit: str) -> str:
    if temp_c is None:
        return "—"
    if unit == "F":
        return f"{fmt_num(c_to_f(temp_c))} °F"
    return f"{fmt_num(temp_c)} °C"


def fmt_pct(value: float | None) -> str:
    return "—" if value is None else f"{fmt_num(value)} %"


def fmt_duration(delta: timedelta) -> str:
    seconds = round(delta.total_seconds())
    if 0 < seconds < 600 and seconds % 60:  # short timers: say the seconds the baker typed
        if seconds < 60:
            return _("{seconds} s").format(seconds=seconds)
        return _("{minutes} min {seconds} s").format(minutes=seconds // 60, seconds=seconds % 60)
    minutes = max(0, round(delta.total_seconds() / 60))
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    parts = []
    if days:
        parts.append(_("{days} d").format(days=days))
    if hours:
        parts.append(_("{hours} h").format(hours=hours))
    if mins or not parts:
        parts.append(_("{minutes} min").format(minutes=mins))
    if days:
        parts = parts[:2]
    if 0 < delta.total_seconds() < 60:
        return _("{seconds} s").format(seconds=max(1, round(delta.total_seconds())))
    return " ".join(parts)


def describe_duration(delta: timedelta) -> str:
    """A bound as a baker reads it: "1 second", "15 minutes", "3 days", in their language."""
    seconds = max(0, int(delta.total_seconds()))
    for size, singular, plural in (
        (86400, "{n} day", "{n} days"),
        (3600, "{n} hour", "{n} hours"),
        (60, "{n} minute", "{n} minutes"),
    ):
        if seconds >= size and seconds % size == 0:
            return ngettext(singular, plural, seconds // size).format(n=seconds // size)
    return ngettext("{n} second", "{n} seconds", seconds).format(n=seconds)


def reminder_label(label: str | None) -> str | None:
    """A reminder's stored label as the baker reads it: what the services store in a neutral form
    ("levain:14:56:56", the plan's "20 %") said in the baker's language; a baker's own words as
    they are."""
    if label and label.startswith("levain:"):
        try:
            seed, flour, water = (float(part) for part in label.removeprefix("levain:").split(":"))
        except ValueError:
            return label
        return _("feed the levain: {seed} g starter + {flour} g flour + {water} g water").format(
            seed=fmt_num(seed, 2), flour=fmt_num(flour, 2), water=fmt_num(water, 2)
        )
    if label and label.endswith(" % starter"):  # written before labels were neutral
        return label.removesuffix(" starter")
    return label


def fmt_clock(moment: datetime, zone: tzinfo) -> str:
    """The time of day in the baker's locale: 14:35, or 2:35 PM."""
    return format_time(moment.astimezone(zone), "short", locale=current_babel_locale())


def fmt_day(moment: datetime, zone: tzinfo) -> str:
    """A short date in the baker's locale: "Thu, Nov 28", "Do., 28. Nov.", "чт, 28 нояб."."""
    return format_skeleton("MMMEd", moment.astimezone(zone), locale=current_babel_locale())


def fmt_time(moment: datetime, zone: tzinfo, now: datetime) -> str:
    """14:35 today; "tomorrow at 07:00"; "Thu, Nov 28 at 07:00" further away."""
    local, today = moment.astimezone(zone), now.astimezone(zone).date()
    clock = fmt_clock(local, zone)
    if local.date() == today:
        return clock
    if local.date() == today + timedelta(days=1):
        return _("tomorrow at {time}").format(time=clock)
    if local.date() == today - timedelta(days=1):
        return _("yesterday at {time}").format(time=clock)
    return _("{date} at {time}").format(date=fmt_day(local, zone), time=clock)


def fmt_at(moment: datetime, zone: tzinfo, now: datetime) -> str:
    """When something happens, as said after a verb: "at 14:35", "tomorrow at 07:00",
    "on Thu, Nov 28 at 07:00" (so a text never reads "at tomorrow 07:00")."""
    local, today = moment.astimezone(zone), now.astimezone(zone).date()
    clock = fmt_clock(local, zone)
    if local.date() == today:
        return _("at {time}").format(time=clock)
    if local.date() in (today + timedelta(days=1), today - timedelta(days=1)):
        return fmt_time(moment, zone, now)
    return _("on {date} at {time}").format(date=fmt_day(local, zone), time=clock)


def fmt_window(low: datetime, high: datetime, zone: tzinfo, now: datetime) -> tuple[str, str]:
    """Both ends of a time window; a day both ends share is said once ("tomorrow at 07:10",
    "08:30"), so "between tomorrow at 07:10 and 08:30"."""
    first = fmt_time(low, zone, now)
    if low.astimezone(zone).date() == high.astimezone(zone).date():
        return first, fmt_clock(high, zone)
    return first, fmt_time(high, zone, now)


def fmt_date(moment: datetime, zone: tzinfo) -> str:
    """A date with the year and the time: "Nov 28, 2026, 14:35" in the baker's locale."""
    local = moment.astimezone(zone)
    date = format_skeleton("yMMMd", local, locale=current_babel_locale())
    return _("{date}, {time}").format(date=date, time=fmt_clock(local, zone))


def fmt_hours(hours: float) -> str:
    return fmt_duration(timedelta(hours=hours))


def split_message(text: str, limit: int = SAFE_CHUNK) -> list[str]:
    """Split a long reply at line breaks so each part fits Telegram's 4096-character limit.
    Our texts close every tag on the line that opened it, so a split never breaks markup."""
    if len(text) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:  # one enormous line: cut it (plain text only gets here)
            if current:
                parts.append(current)
                current = ""
            parts.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            parts.append(current)
            current = line
        else:
            current = candidate
    if current:
        parts.append(current)
    return parts


# ---------------------------------------------------------------- start, help, setup

COMMANDS: list[tuple[str, Msg, Msg]] = [
    # (command, menu description, example for /help)
    ("newbake", Msg("Start a bake"), Msg("/newbake or /newbake Country loaf")),
    ("rise", Msg("Log the rise (%, or jar heights)"), Msg("/rise 40 · /rise 4.2 6.1 · or just send 40%")),
    ("temp", Msg("Log the dough temperature"), Msg("/temp 24.5 · /temp 76F")),
    ("status", Msg("Where every active bake stands"), Msg("/status")),
    ("fridge", Msg("End bulk: cold proof in the fridge"), Msg("/fridge · /fridge 14h")),
    ("proof", Msg("End bulk: final proof at room temperature"), Msg("/proof · /proof 2h")),
    ("timer", Msg("A timer of your own"), Msg("/timer 45m fold · /timer 1h30m · /timer 90s")),
    ("timers", Msg("Everything pending, with cancel buttons"), Msg("/timers")),
    ("folds", Msg("Stretch-and-folds for this bake"), Msg("/folds 3 45m · /folds off")),
    ("target", Msg("Override the target rise for this bake"), Msg("/target 60")),
    ("feed", Msg("Log a starter feeding"), Msg("/feed 1:2:2 · /feed 1:5:5 26C")),
    ("starter", Msg("Your starter's recent feedings"), Msg("/starter")),
    ("done", Msg("Finish the bake (rating and notes)"), Msg("/done")),
    ("abandon", Msg("Discard the current bake"), Msg("/abandon")),
    ("bakes", Msg("Your bakes (filter by name)"), Msg("/bakes · /bakes rye")),
    ("chart", Msg("A chart of the rise"), Msg("/chart · /chart compare")),
    ("export", Msg("Download your history"), Msg("/export · /export csv · /export json 30d")),
    ("import", Msg("Bring back a JSON export"), Msg("/import, then send the file")),
    ("settings", Msg("Timezone, units, folds, quiet hours…"), Msg("/settings")),
    ("deleteme", Msg("Erase all your data"), Msg("/deleteme")),
    ("cancel", Msg("Leave the current dialog"), Msg("/cancel")),
    ("help", Msg("Every command with an example"), Msg("/help")),
]


def welcome(first_name: str, first_time: bool) -> str:
    hello = _(
        "Hi {name}! 🍞 I keep track of your sourdough bakes: rise, temperatures, stretch-and-folds, "
        "the cold proof, and when bulk will be done."
    ).format(name=esc(first_name or _("baker")))
    if first_time:
        return hello + "\n\n" + _(
            "Two quick questions so times and temperatures look right "
            "(you can skip them and change them any time in /settings).\n\n"
            "<b>Your timezone?</b> Tap one, or type a city like <code>Berlin</code>, a name like "
            "<code>Europe/Berlin</code> or an offset like <code>+2</code> or <code>-5:30</code>."
        )
    return hello + "\n\n" + _("Start a bake with /newbake, or see every command with /help.")


def help_text() -> str:
    lines = [_("<b>What I can do</b>"), ""]
    lines += [
        _("/{command} — {description}\n    e.g. <code>{example}</code>").format(
            command=cmd, description=esc(desc), example=esc(example)
        )
        for cmd, desc, example in COMMANDS
    ]
    lines += ["", _("Commands act on your current bake. With more than one going, pick it in /status.")]
    return "\n".join(lines)


ASK_UNIT = Msg("<b>Temperatures in °C or °F?</b>")
SETUP_DONE = Msg("All set. Start a bake with /newbake, or see every command with /help.")
TZ_SAVED = Msg("Timezone set to <b>{zone}</b> (it is {now} there now).")
UNIT_SAVED = Msg("Temperatures will be shown in <b>°{unit}</b>.")
BAD_TIMEZONE = (Msg("I don't know the timezone “{text}”. Try a name like <code>Europe/Berlin</code>, "
                "<code>America/New_York</code>, or an offset like <code>+2</code> or <code>-5:30</code>."))


# ---------------------------------------------------------------- new bake dialog

ASK_NAME = Msg("What are you baking? Send a name, e.g. <code>Country loaf</code>.")
ASK_RECIPE = (
    Msg("Recipe amounts in grams: flour, water, starter, salt — e.g. <code>500 375 100 10</code> "
    "or <code>flour 500 water 375 starter 100 salt 10</code>. I'll work out the baker's "
    "percentages. Or tap Skip.")
)
ASK_TEMP = (Msg("Dough temperature after mixing? e.g. <code>{example}</code>. It lets me predict "
            "when bulk will be done. Or tap Skip."))
BAD_NAME_EMPTY = Msg("A bake needs a name, e.g. <code>Country loaf</code>.")
BAD_NAME_LONG = Msg("That name is a bit long (up to {maximum} characters, please). e.g. <code>Country loaf</code>.")
TOO_MANY_ACTIVE = Plural(
    "You already have {n} bake going. Finish it with /done or /abandon first.",
    "You already have {n} bakes going. Finish one with /done or /abandon first.",
)
NO_ACTIVE_BAKE = Msg("You have no bake going. Start one with /newbake, e.g. <code>/newbake Country loaf</code>.")
NOT_IN_BULK = Msg("“{name}” is past bulk fermentation already ({phase}).")
CANCELLED = Msg("Okay, cancelled. Nothing was changed.")
NOTHING_TO_CANCEL = Msg("There's nothing to cancel. /help lists what I can do.")

PHASE_NAMES = {"bulk": Msg("bulk fermentation"), "cold_proof": Msg("cold proof"), "proof": Msg("final proof"),
               "done": Msg("done")}


def percentages_lines(recipe: Recipe | None) -> list[str]:
    if recipe is None:
        return []
    pct: BakersPercentages = bakers_percentages(recipe)
    amounts = [_("flour {grams} g").format(grams=fmt_num(recipe.flour_g, 2))]
    for label, grams in (
        (_("water {grams} g"), recipe.water_g),
        (_("starter {grams} g"), recipe.starter_g),
        (_("salt {grams} g"), recipe.salt_g),
    ):
        if grams is not None:
            amounts.append(label.format(grams=fmt_num(grams, 2)))
    lines = [_("Recipe: {amounts}").format(amounts=", ".join(amounts))]
    bits = []
    if pct.hydration_pct is not None:
        if pct.total_hydration_pct is not None and recipe.starter_g:
            bits.append(
                _("hydration {pct} % ({total} % counting the starter)").format(
                    pct=fmt_num(pct.hydration_pct, 2), total=fmt_num(pct.total_hydration_pct, 2)
                )
            )
        else:
            bits.append(_("hydration {pct} %").format(pct=fmt_num(pct.hydration_pct, 2)))
    if pct.inoculation_pct is not None:
        bits.append(_("inoculation {pct} %").format(pct=fmt_num(pct.inoculation_pct, 2)))
    if pct.salt_pct is not None:
        bits.append(_("salt {pct} %").format(pct=fmt_num(pct.salt_pct, 2)))
    if bits:
        lines.append(_("Baker's %: {percentages}").format(percentages=", ".join(bits)))
    return lines


def prediction_line(target: float, eta_window: tuple[str, str], basis: str) -> str:
    low, high = eta_window
    if basis == "prior":
        text = _("🎯 Aim for about <b>{target} % rise</b>; expect it between <b>{low}</b> and <b>{high}</b>.")
    else:
        text = _("🎯 {target} % expected between <b>{low}</b> and <b>{high}</b>.")
    return text.format(target=fmt_num(target), low=low, high=high)


def reminders_summary(kinds_times: Sequence[tuple[str, str]]) -> str:
    if not kinds_times:
        return _("No reminders planned (folds and rise checks are off in /settings).")
    return _("⏰ I'll remind you: {reminders}.").format(
        reminders="; ".join(f"{kind} {when}" for kind, when in kinds_times)
    )


BAKE_STARTED = Msg("🥣 Started <b>{name}</b> — bulk fermentation from {time}.")
ASK_TEMP_HINT = Msg("Send the dough temperature (e.g. <code>/temp {example}</code>) and I'll predict when bulk is done.")

# ---------------------------------------------------------------- readings

RISE_LOGGED = Msg("📈 <b>{pct} %</b> after {elapsed} ({name}).")
RISE_FROM_HEIGHTS = Msg("📏 {start} → {current}: that's <b>{pct} %</b> rise after {elapsed} ({name}).")
RISE_LOWER = Msg("Lower than the last reading ({previous}): the dough may be starting to collapse — watch it closely.")
RISE_ETA = Msg("At this pace {target} % around <b>{eta}</b> (between {low} and {high}).")
RISE_ETA_PRIOR = Msg("{target} % expected around <b>{eta}</b> (between {low} and {high}); from two readings on I go by your dough's own pace.")
RISE_PASSED = Msg("✅ It has reached the target of {target} %: bulk is done — time to shape (/fridge or /proof).")
RISE_OVER = (Msg("⚠️ Well past the target of {target} %: the dough risks over-fermenting. "
             "Shape it now and use a shorter or colder proof (/fridge)."))
TEMP_LOGGED = Msg("🌡 Dough temperature {temp} logged for {name}.")
TEMP_NEW_TARGET = Msg("With that temperature, aim for about <b>{target} %</b> rise.")
BARE_PERCENT_NO_BULK = Msg("I'd log that as a rise, but no bake is in bulk fermentation. Start one with /newbake.")
TARGET_SET = Msg("🎯 Target for {name} set to <b>{target} %</b>.")

# ---------------------------------------------------------------- status, bakes

NO_BAKES = Msg("No bakes yet. Start your first with /newbake.")
NO_BAKES_MATCH = Msg("No bakes match “{query}”. Try /bakes without a filter.")
BAKES_HEADER = Plural("<b>Your bake</b>:", "<b>Your bakes</b> ({n}), newest first:")
BAKES_FOUND = Plural("<b>{n} bake</b> named like “{query}”:", "<b>{n} bakes</b> named like “{query}”, newest first:")
BAKES_PAGE = Msg("Page {page} of {pages}.")
BAKES_LEGEND = Msg("🥣 bulk · ❄️ in the fridge · ⏲ final proof · 🍞 done")
BAKE_NOT_FOUND = Msg("I can't find that bake: it may have been deleted. /bakes shows what you have.")
STALE_BUTTON = Msg("That button is no longer valid. Try the command again (/help lists them).")
SELECTED = Msg("Commands now act on “{name}”.")

# ---------------------------------------------------------------- done, abandon

ASK_RATING = Msg("🎉 <b>{name}</b> is done! How did it turn out? Tap a rating, or Skip.")
ASK_NOTES = Msg("Any notes for next time (crumb, crust, what you'd change)? Send them, or tap Skip.")
BAD_RATING = Msg("Please tap a rating from 1 to 5 (or Skip), or send a number like <code>4</code>.")
BAKE_FINISHED = Msg("Saved <b>{name}</b>{rating}. Well done! 🍞")
LEARNED = Msg("📐 Bulk took {actual}; I had predicted {predicted} ({error}). {pace}; predictions get tighter with every bake.")


def pace_phrase(speed_factor: float) -> str:
    """speed_factor is a time multiplier (1.3 = 30 % slower than the book)."""
    if abs(speed_factor - 1) < 0.05:
        return _("Your dough keeps to the book pace")
    if speed_factor < 1:
        return _("Your dough ferments about {factor}× as fast as the book").format(factor=fmt_num(1 / speed_factor))
    return _("Your dough takes about {factor}× as long as the book").format(factor=fmt_num(speed_factor))

CONFIRM_ABANDON = Msg("Discard <b>{name}</b> and everything logged for it? This can't be undone.")
ABANDONED = Msg("🗑 Discarded “{name}”.")
ABANDON_KEPT = Msg("Kept “{name}”.")
NOTES_TOO_LONG = Msg("Notes can be up to {maximum} characters; please shorten them.")

# ---------------------------------------------------------------- reminders

REMINDER_TEXTS = {
    "fold": Msg("🤲 Time for stretch-and-fold {seq} of {count} ({name})."),
    "rise_check": Msg("📏 How far has {name} risen? Tap a value, or send e.g. <code>40%</code>."),
    "bulk_done": Msg("⏳ {name}: bulk is probably done — the rise should be near {target}. Check the jar, then /fridge or /proof."),
    "preheat": Msg("🔥 Preheat the oven now: {name} comes out {time}."),
    "proof_end": Msg("🍞 Time to bake {name}!"),
    "timer": Msg("⏰ Timer: {label}"),
    "starter_peak": Msg("🫙 Your starter (fed {label}) should be near its peak now."),
}
REMINDER_KIND_NAMES = {
    "fold": Msg("fold"), "rise_check": Msg("rise check"), "bulk_done": Msg("bulk done"), "preheat": Msg("preheat"),
    "proof_end": Msg("end of proof"), "timer": Msg("timer"), "starter_peak": Msg("starter peak"),
}
LATE_NOTE = Msg("\n<i>Due {time}; sent late because the bot was offline.</i>")
MISSED_SUMMARY = (Plural("While I was offline I missed {n} reminder ({kinds}), due {time}. "
                  "Sorry! /status shows where your bakes stand.",
                  "While I was offline I missed {n} reminders ({kinds}), the last due {time}. "
                  "Sorry! /status shows where your bakes stand."))
SNOOZED = Msg("😴 Snoozed until {time}.")
FOLD_LOGGED = Msg("Fold {seq} done ✓")
FOLDS_SKIPPED = Plural("Skipped the remaining fold.", "Skipped the remaining {n} folds.")
ACK = Msg("Done ✓")
REMINDER_GONE = Msg("That reminder is no longer active.")
TIMER_SET = Msg("⏰ Timer set for {time} (in {duration}){label}.")
NO_PENDING = Msg("Nothing pending. Set a timer with <code>/timer 45m fold</code>.")
PENDING_HEADER = Msg("<b>Pending reminders</b> (times in {zone}):")
PENDING_MORE = Msg("…and {n} more later on.")
REMINDER_CANCELLED = Msg("Cancelled.")
FOLDS_SET = Plural("🤲 {count} fold, {interval} min in, for {name}: {times}.",
                   "🤲 {count} folds every {interval} min for {name}: {times}.", count="count")
FOLDS_OFF = Msg("No more fold reminders for {name}.")
ASK_PROOF = Msg("How long in the fridge? Tap a length (suggested: <b>{suggested} h</b>), or send e.g. <code>/fridge 14h</code>.")
ASK_ROOM_PROOF = Msg("How long for the final proof? Tap a length, or send e.g. <code>/proof 2h</code>.")
COLD_PROOF_STARTED = Msg("❄️ {name} is in the fridge until <b>{end}</b> ({duration}).")
ROOM_PROOF_STARTED = Msg("⏲ Final proof for {name} until <b>{end}</b> ({duration}).")
PREHEAT_PLANNED = Msg("I'll remind you to preheat {time}.")
PROOF_DURATION_BOUNDS = Msg("A proof should be between 15 minutes and 3 days, e.g. <code>{example}</code>.")
FEED_LOGGED = (Msg("🫙 Fed {ratio}{temp}. It should peak around <b>{peak}</b> (between {low} and {high}); "
               "I'll remind you {remind}."))
STARTER_EMPTY = Msg("No feedings logged yet. Log one with <code>/feed 1:2:2</code>.")

# ---------------------------------------------------------------- settings

ASK_LANGUAGE = Msg("🗣 Which language should I speak? It also sets how dates, times and numbers look.")
SETTINGS_HEADER = Msg("<b>Settings</b> — tap one to change it.")
ASK_SETTING = {
    "tz": Msg("Your timezone: a name like <code>Europe/Berlin</code> or an offset like <code>+2</code>."),
    "folds": Msg("Folds: how many and how far apart, e.g. <code>4 30</code> (4 folds, 30 min apart) or <code>off</code>."),
    "checks": Msg("Rise checks every how many minutes? e.g. <code>60</code>, or <code>off</code>."),
    "preheat": Msg("Preheat reminder how many minutes before the proof ends? e.g. <code>60</code>, or <code>off</code>."),
    "quiet": Msg("Quiet hours (folds and rise checks wait until they end), e.g. <code>22:00-07:00</code>, or <code>off</code>."),
    "target": Msg("Target rise: <code>temp</code> (by dough temperature, the default) or a fixed percentage like <code>75</code>."),
}
SETTING_SAVED = Msg("Saved. {summary}")
CALIBRATION_RESET = Msg("Forgot what I learned about your dough's pace; predictions start from the book again.")
ERROR_GENERIC = Msg("Sorry, something went wrong on my side. Nothing you saved was lost — please try again.")

# ---------------------------------------------------------------- input errors

INPUT_ERRORS: dict[str, Msg] = {
    "not_a_number": Msg("I need a number there, e.g. <code>{example}</code>."),
    "rise_format": Msg("Send the rise in percent or as two jar heights, e.g. <code>/rise 40</code> or <code>/rise 4.2 6.1</code>."),
    "rise_negative": Msg("A rise can't be negative: from 0 to 300 %. e.g. <code>/rise 40</code>, or the jar heights <code>/rise 4.2 6.1</code> (start, now)."),
    "rise_too_high": Msg("That's more than a jar can rise: a rise can be from 0 to 300 %. e.g. <code>/rise 40</code>."),
    "height_not_positive": Msg("Jar heights must be above zero, e.g. <code>/rise 4.2 6.1</code> (start height, current height)."),
    "height_too_large": Msg("Those jar heights look off: each can be above 0 and up to 10000 (any unit). e.g. <code>/rise 4.2 6.1</code> (start height, current height)."),
    "temp_format": Msg("Send the dough temperature as a number, e.g. <code>/temp 24.5</code> or <code>/temp 76F</code>."),
    "temp_range": Msg("Dough is usually between {low:.0f} and {high:.0f} {unit}. e.g. <code>/temp 24.5</code> or <code>/temp 76F</code>."),
    "duration_missing": Msg("How long? e.g. <code>{example}</code>."),
    "duration_negative": Msg("A duration can't be negative. e.g. <code>{example}</code>."),
    "duration_format": Msg("I didn't understand that duration. e.g. <code>{example}</code> (units: d, h, m, s)."),
    "duration_too_short": Msg("That's too short. {what} can be from {low} to {high}, e.g. <code>{example}</code>."),
    "duration_too_long": Msg("That's too long. {what} can be from {low} to {high}, e.g. <code>{example}</code>."),
    "recipe_format": Msg("I need amounts in grams (each up to 100 kg): flour, water, starter, salt — e.g. <code>500 375 100 10</code>, or tap Skip."),
    "recipe_no_flour": Msg("The flour amount must be above zero, e.g. <code>500 375 100 10</code>."),
    "recipe_too_large": Msg("Those amounts look too large: each can be up to 100 kg. e.g. <code>500 375 100 10</code>."),
    "timezone_unknown": BAD_TIMEZONE,
    "quiet_format": Msg("Quiet hours look like <code>22:00-07:00</code> (or <code>off</code>)."),
    "quiet_empty": Msg("Quiet hours need a start and an end that differ, e.g. <code>22:00-07:00</code>."),
    "feed_format": Msg("Send the feed ratio starter:flour:water, each part above 0 and up to 100, e.g. <code>/feed 1:2:2</code> or <code>/feed 1:5:5 26C</code>."),
    "rating_format": BAD_RATING,
    "name_empty": BAD_NAME_EMPTY,
    "name_long": BAD_NAME_LONG,
    "target_range": Msg("A target rise can be from 10 to 200 %, e.g. <code>{example}</code>."),
    "folds_format": Msg("Folds: a whole number of folds, 0 to 12, each 5 to 180 minutes apart — e.g. <code>{example}</code>, or <code>off</code>."),
    "setting_number": Msg("Please send a whole number of minutes from 5 to 600, e.g. <code>{example}</code>, or <code>off</code>."),
}


def input_error(reason: str, example: str = "", **details: object) -> str:
    message = INPUT_ERRORS.get(reason)
    template = str(message) if message is not None else _("I didn't understand that. /help lists what works.")
    values: dict[str, object] = {**details, "text": esc(details.get("text", ""))}
    # Bounds and names the domain gives in English are said again in the baker's language.
    for bound, key in (("shortest", "low"), ("longest", "high")):
        limit = details.get(bound)
        if isinstance(limit, timedelta):
            values[key] = describe_duration(limit)
    if "what" in details:
        values["what"] = _("A timer") if details["what"] == "A timer" else _("A duration")
    values["example"] = safe_example = esc(example or "/help")
    try:
        return template.format(**values)
    except (KeyError, ValueError, IndexError, TypeError):
        return template.replace("{example}", safe_example)


UNKNOWN_COMMAND = Msg("I don't know {command}. Here's what works:\n{commands}")
UNKNOWN_TEXT = (Msg("I didn't understand that. To log a rise send e.g. <code>40%</code> or "
                "<code>/rise 40</code>; /help lists everything."))
UNSUPPORTED_CONTENT = (Msg("I can't use that kind of message: I read text, photos of your bakes and a "
                       "JSON export file for /import. Try <code>/rise 40</code>, or /help."))

# ---------------------------------------------------------------- history

CHART_CAPTION = Plural("📈 {name}: {n} rise reading.", "📈 {name}: {n} rise readings.")
CHART_NO_READINGS = Msg("No rise readings yet: log one with <code>/rise 40</code> and the curve appears.")
CHART_USAGE = Msg("Try <code>/chart</code> (your current bake) or <code>/chart compare</code> (your last bakes overlaid).")
CHART_COMPARE_EMPTY = Msg("No bakes with rise readings to compare yet. Log some with <code>/rise 40</code>.")
CHART_COMPARE_CAPTION = Plural("📈 Your last bake with readings.", "📈 Your last {n} bakes with readings, overlaid.")
EXPORT_USAGE = Msg("e.g. <code>/export</code> (CSV and JSON), <code>/export csv</code>, <code>/export json</code>, <code>/export 30d</code> or <code>/export csv 30d</code>.")
EXPORT_CAPTION = {
    "csv": Msg("Your history as CSV: one row per rise reading; opens in any spreadsheet."),
    "json": Msg("Your history as JSON (send it back with /import to restore it)."),
}
IMPORT_ASK = Msg("Send me a JSON export (the file from /export) as a document, or /cancel.")
IMPORT_TOO_LARGE = Msg("That file is too large: the limit is {limit:.0f} MB. Send the JSON file from /export.")
IMPORT_REJECTED = Msg("I can't import that file: {reason}\nNothing was imported. Send the JSON file from /export, or /cancel.")
def import_done(added: int, readings: int, skipped: int) -> str:
    bakes = ngettext("{n} bake", "{n} bakes", added).format(n=added)
    rise_readings = ngettext("{n} rise reading", "{n} rise readings", readings).format(n=readings)
    text = _("📥 Imported {bakes} with {readings}.").format(bakes=bakes, readings=rise_readings)
    if skipped:
        text += " " + ngettext(
            "{n} bake was already here.", "{n} bakes were already here.", skipped
        ).format(n=skipped)
    return text


IMPORT_NOT_A_DOCUMENT = Msg("Please send the JSON export as a file (a document, not a photo or text), or /cancel.")
EDIT_RATING = Msg("Rate <b>{name}</b> again (then you can change the notes), or Skip.")
CONFIRM_DELETE = Msg("Delete <b>{name}</b> and everything logged for it? This can't be undone.")
CONFIRM_ERASE = (Msg("This erases <b>all</b> your bakes, readings, reminders, starter log and settings. "
                 "It can't be undone (an /export first keeps a copy)."))
ERASE_KEPT = Msg("Kept everything.")
def erased(bakes: int, readings: int, temps: int, reminders: int, feedings: int) -> str:
    counts = [
        ngettext("{n} bake", "{n} bakes", bakes).format(n=bakes),
        ngettext("{n} rise reading", "{n} rise readings", readings).format(n=readings),
        ngettext("{n} temperature", "{n} temperatures", temps).format(n=temps),
        ngettext("{n} reminder", "{n} reminders", reminders).format(n=reminders),
        ngettext("{n} starter feeding", "{n} starter feedings", feedings).format(n=feedings),
    ]
    return _("🗑 Erased your data: {counts}, and your settings.").format(counts=", ".join(counts))


def plain(text: str) -> str:
    """A reply's HTML as plain text, for a toast or an alert (they show no markup)."""
    return html.unescape(re.sub(r"<[^>]+>", "", text))


# ---------------------------------------------------------------- one action, once

READING_GONE = Msg("That reading was removed already.")
SEND_START = Msg("I don't know you yet: send /start to begin.")
RISE_UNDONE = Msg("↩️ Removed the reading of {pct} from {time} ({name}).")
RISE_EDITED = Msg("✏️ Changed the reading of {time} from {old} to <b>{new}</b> ({name}).")
TEMP_EDITED = Msg("✏️ Changed the dough temperature of {time} from {old} to <b>{new}</b> ({name}).")
EDIT_NOT_A_READING = (Msg("I only follow edits of readings (<code>/rise 40</code>, <code>40%</code>, "
                      "<code>/temp 24.5</code>); that edit changed nothing. Send the command again instead."))
RISE_REPLAYED = Msg("(Already logged from this message.)")
RISE_ALREADY_ANSWERED = Msg("Already logged {pct} {time} for this check.")
FOLD_ALREADY = Msg("Fold {seq} was already logged {time}.")
ALREADY_SNOOZED = Msg("Already snoozed until {time}.")
BAKE_AGAIN_REPLAYED = Msg("This button had already started “{name}” {time}.")
READINGS_HEADER = Msg("<b>Rise readings of {name}</b>: tap one to delete it.")
READINGS_NONE = Msg("{name} has no rise readings yet.")
READING_DELETED = Msg("Deleted the reading of {pct} from {time}.")
PHASE_NOW = {
    "bulk": Msg("“{name}” is in bulk fermentation (mixed {since})."),
    "cold_proof": Msg("“{name}” is in the fridge since {since}, until {until}."),
    "proof": Msg("“{name}” is in its final proof since {since}, until {until}."),
    "done": Msg("“{name}” is done (finished {since})."),
}
RISE_TAPPED = Msg("Logged {pct}")


# ---------------------------------------------------------------- nothing lost

UNDELIVERED_NOTE = (Msg("⚠️ My reply to “{text}” ({time}) didn't reach you, but it was handled and saved — "
                    "no need to send it again."))
MISSED_WHILE_BLOCKED = (Plural("Welcome back! While the bot was blocked I held back {n} reminder ({kinds}), "
                        "due {time}. Reminders still ahead will come as planned; /status shows where your bakes stand.",
                        "Welcome back! While the bot was blocked I held back {n} reminders ({kinds}), "
                        "the last due {time}. Reminders still ahead will come as planned; /status shows where your bakes stand."))


# ---------------------------------------------------------------- groups, supergroups and channels
# (bot/handlers/groups.py: a baker's data stays in the private chat; one line points there)

GROUP_GO_PRIVATE = Msg("🍞 I keep bakes in a private chat, so talk to me there: {link}")
GROUP_OPEN_PRIVATE = Msg("Open our private chat")


# ---------------------------------------------------------------- numbers as typed (appended)
# Numbers echo what was understood: one decimal when not whole ("4.5 %", "40 %", "24.5 °C").
# A comma followed by exactly three digits ("1,000") is asked about instead of guessed.

INPUT_ERRORS.update(
    {
        "ambiguous_comma": Msg("“{number}” could be read two ways. Did you mean {decimal} or {whole}? "
        "Send <code>{short}</code> or <code>{whole}</code>."),
        "number_too_long": Msg("That number is too long: up to {max_digits} digits, e.g. <code>{example}</code>."),
        "feed_range": Msg("Each part of the feed ratio starter:flour:water is above 0 and up to 100, "
        "e.g. <code>/feed 1:2:2</code> or <code>/feed 1:5:5 26C</code>."),
    }
)


def fmt_num(value: float, decimals: int = 1) -> str:
    """4.5 → "4.5", 40.0 → "40", 45.25 → "45.2": at most `decimals`, none when whole."""
    text = f"{value:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("0", "-0"):
        return "0"
    locale = current_babel_locale()
    if locale.language == "en":  # the common case, without Babel's pattern parsing
        return text
    return format_decimal(float(text), format="0." + "#" * decimals, locale=locale)


def fmt_reading(rise_pct: float, from_heights: bool = False) -> str:
    """A rise reading: as typed ("4.5 %"); worked out from jar heights, to the whole percent."""
    return fmt_pct(round(rise_pct)) if from_heights else fmt_pct(rise_pct)


# ---- photos, recipes, starters, sharing (issue 14)

_AT = next(i for i, (c, _, _) in enumerate(COMMANDS) if c == "done")
COMMANDS[_AT:_AT] = [
    ("recipes", Msg("Your saved recipes: one tap starts a bake"), Msg("/recipes")),
    ("recipe", Msg("The recipe of the current bake (amounts, flour mix)"), Msg("/recipe 500 375 100 10 mix: 20% rye")),
    ("scale", Msg("Scale a recipe (factor, dough weight, loaves)"), Msg("/scale 2 · /scale 1800g · /scale 3x900g")),
    ("levain", Msg("Build the levain to peak when you mix"), Msg("/levain 12:00 · /levain 100g 7:30")),
]

INPUT_ERRORS.update(
    {
        "scale_format": Msg("Scale by a factor, to a dough weight, or to loaves × weight each: <code>/scale 2</code>, "
        "<code>/scale 1800g</code> or <code>/scale 3x900g</code> (a saved recipe's name after it scales that one)."),
        "scale_range": Msg("I can't scale to that: a factor from 0.05 to 20, a dough from 50 g to 100 kg, up to 50 "
        "loaves of 50 g to 10 kg. e.g. <code>/scale 2</code>, <code>/scale 1800g</code>, <code>/scale 3x900g</code>."),
        "scale_factor": Msg("Scale by a factor above zero, e.g. <code>/scale 2</code>."),
        "scale_too_small": Msg("That would make less than 10 g of flour. e.g. <code>/scale 2</code> or "
        "<code>/scale 900g</code>."),
        "scale_too_large": Msg("That would make more than 100 kg of dough. e.g. <code>/scale 2</code> or "
        "<code>/scale 3x900g</code>."),
        "mix_long": Msg("The flour mix can be up to {maximum} characters, e.g. <code>mix: 80% bread flour, 20% rye</code>."),
        "feed_format": Msg("Send the feed ratio starter:flour:water, e.g. <code>/feed 1:2:2</code> or "
        "<code>/feed 1:5:5 26C</code>, or the amounts: <code>/feed 20g starter 100g flour 100g water</code>."),
        "feed_grams_range": Msg("Each amount up to {maximum:.0f} g and above zero, e.g. "
        "<code>/feed 20g starter 100g flour 100g water</code>."),
        "levain_format": Msg("When will you mix? e.g. <code>/levain 12:00</code> (the starter of your recipe), "
        "<code>/levain 100g 12:00</code>, or <code>/levain 12:00 Country loaf</code>."),
        "levain_range": Msg("A levain between 5 g and 20 kg, e.g. <code>/levain 100g 12:00</code>."),
        "starter_format": Msg("e.g. <code>/starter</code>, <code>/starter new Rye</code>, "
        "<code>/starter rename Rye to Dark rye</code>, <code>/starter archive Rye</code>."),
        "starter_name_long": Msg("A name can be up to {maximum} characters."),
    }
)

# photos
PHOTO_ADDED = Msg("📷 Added to <b>{name}</b>{caption}.")
PHOTO_REPLAYED = Msg("📷 This photo is already on <b>{name}</b>.")
PHOTO_CHOOSE = Msg("📷 Nice! No bake is going right now: which bake is this photo of?")
PHOTO_NO_BAKES = (Msg("📷 Nice photo! I keep photos with a bake: start one with /newbake, then send it again "
                  "(or tap 📷 Add photo on a bake's card in /bakes)."))
PHOTO_ASK = Msg("📷 Send the photos of <b>{name}</b> now (a caption is kept with each), or /cancel.")
PHOTO_ELSEWHERE = Msg("That photo is already on “{name}”.")
PHOTOS_NONE = Msg("{name} has no photos yet: tap 📷 Add photo on its card.")
PHOTOS_PAGE = Msg("🖼 <b>{name}</b>: photos {first}–{last} of {total}.")
PHOTO_NOT_FOUND = Msg("I can't find that photo: it may have gone with its bake.")

# recipes
RECIPE_ASK = (Msg("🧾 Send the recipe of <b>{name}</b>: amounts in grams (flour, water, starter, salt) like "
              "<code>500 375 100 10</code>, or as percentages of the flour: "
              "<code>flour 500 water 75% starter 20% salt 2%</code>. Add the flour mix after <code>mix:</code>, "
              "e.g. <code>mix: 80% bread flour, 20% rye</code>. Or /cancel."))
RECIPE_SET = Msg("🧾 Recipe of <b>{name}</b>:")
FLOUR_MIX = Msg("Flour: {mix}")
CARD_STARTER = Msg("Starter: {name}")
RECIPE_NAME_ASK = Msg("💾 Name for this recipe? Send one, or tap below to keep “{name}”.")
RECIPE_KEEP_NAME = Msg("💾 Save as “{name}”")
RECIPE_SAVED = Msg("💾 Saved the recipe “{name}”. /recipes lists yours; one tap starts a bake.")
RECIPES_EMPTY = Msg("No saved recipes yet. Open a bake in /bakes and tap 💾 Save recipe.")
RECIPES_HEADER = Msg("<b>Your recipes</b> — 🥣 starts a bake, 📖 opens one to adjust first:")
RECIPE_DELETED = Msg("🗑 Deleted the recipe “{name}”.")
RECIPE_NOT_FOUND = Msg("I can't find that recipe: it may have been deleted. /recipes lists yours.")
NO_RECIPE = (Msg("There are no amounts to work with: add them with <code>/recipe 500 375 100 10</code> "
             "(or 🧾 Recipe on a bake's card), or name a saved recipe."))
TOO_MANY_RECIPES = Msg("That's 50 recipes already: delete one in /recipes first.")
DRAFT_HEADER = Msg("🔁 <b>{name}</b> — start as is, or adjust it first:")
DRAFT_NO_RECIPE = Msg("(No amounts recorded: add them with ✏️ Change amounts.)")
DRAFT_ASK_AMOUNTS = (Msg("✏️ New amounts for <b>{name}</b> in grams (flour, water, starter, salt), e.g. "
                     "<code>500 375 100 10</code> or <code>flour 500 water 75% starter 20% salt 2%</code>. Or /cancel."))
DRAFT_ASK_SCALE = (Msg("⚖️ Scale <b>{name}</b> how? A factor <code>2</code>, a dough weight <code>1800g</code>, "
                   "or loaves × weight <code>3x900g</code>. Or /cancel."))
DRAFT_ADJUSTED = Msg("🔁 <b>{name}</b> with new amounts:")
SCALED = Msg("⚖️ <b>{name}</b> × {factor}: {total} g of dough (baker's percentages kept):")
SCALED_TARGET = Msg("Tap ▶️ to start a bake with these amounts.")

# levain
LEVAIN_PLAN = (Msg("🫙 Feed <b>{seed} g</b> starter + <b>{flour} g</b> flour + <b>{water} g</b> water <b>{feed}</b>, "
               "so {needed} g{for_name} is at its peak <b>{mix}</b> (1:{ratio}:{ratio}{starter}). "
               "I'll remind you then."))
LEVAIN_FOR = Msg(" for {name}")
LEVAIN_PACE = Msg(", timed by {name}'s own pace")
LEVAIN_TOO_SOON = (Msg("Not enough time: even a 1:1:1 feed takes about {hours} to peak. Pick a later mixing time, "
                   "e.g. <code>/levain {example}</code>."))
LEVAIN_REPLAYED = Msg("(Already planned from this message.)")

# starters
FEED_WHICH = Msg("🫙 Which starter did you feed ({ratio})?")
STARTERS_HEADER = Msg("<b>Your starters</b> — 🫧 when one peaks, tap it: I learn its pace.")
STARTER_LINE = Msg("🫙 <b>{name}</b>{pace}")
STARTER_PACE = Plural(" — peaks {pace} ({n} peak noted)", " — peaks {pace} ({n} peaks noted)")
STARTER_FEEDING = Msg("   • {date} — {ratio}{temp}, peak expected after {hours}{peaked}")
STARTER_PEAKED_AFTER = Msg("; peaked after {hours}")
STARTER_NO_FEEDINGS = Msg("   no feedings yet: <code>/feed 1:2:2</code>")
STARTER_CREATED = (Msg("🫙 New starter “{name}”. Feed it with <code>/feed 1:2:2</code>; with more than one "
                   "I ask which you fed."))
STARTER_RENAME_ASK = Msg("✏️ New name for “{name}”? Send it, or /cancel.")
STARTER_RENAMED = Msg("✏️ Renamed to “{name}”.")
STARTER_ARCHIVED = Msg("🗄 Archived “{name}”; its log is kept (and exported).")
STARTER_NAME_TAKEN = Msg("You already have a starter called “{name}”. Pick another name.")
STARTER_NOT_FOUND = Msg("I can't find that starter (or it has no feeding yet). /starter lists yours.")
TOO_MANY_STARTERS = Msg("That's 10 starters already: archive one first (/starter).")
PEAK_NOTED = Msg("🫧 Noted: “{name}” peaked {hours} after its feeding.")
PEAK_LEARNED = Msg(" It peaks {pace}; its next peaks are timed by that.")
PEAK_NOT_LEARNED = Msg(" (Too far from the feeding to learn from.)")
PEAK_ALREADY = Msg("Already noted: that feeding peaked {hours} after it was fed.")


def starter_pace_phrase(pace: float | None) -> str:
    if pace is None or abs(pace - 1) < 0.05:
        return _("at the book's pace")
    if pace < 1:
        return _("{factor}× as fast as the book").format(factor=fmt_num(1 / pace))
    return _("{factor}× as slow as the book").format(factor=fmt_num(pace))


# sharing
SHARE_LINK = (Msg("🔗 Anyone with this link can open the recipe of <b>{name}</b> (amounts, flour mix, target rise "
              "and schedule) and save it or start a bake from it:\n{link}\n\n"
              "Tick what else it shows; revoke it any time."))
SHARE_REVOKED = Msg("🚫 Revoked: the link of “{name}” no longer opens anything.")
SHARE_ALREADY_REVOKED = Msg("That link was revoked already; tap 🔗 Share on the card for a new one.")
SHARE_NOT_FOUND = Msg("I don't know that link: it may be mistyped. Ask the baker who shared it for a new one.")
SHARE_GONE = Msg("That link was revoked by the baker who shared it. Ask them for a new one.")
SHARED_HEADER = Msg("📖 <b>{name}</b>, shared by {owner}")
SHARED_TARGET = Msg("Target rise {target:.0f} %")
SHARED_FOLDS = Msg("Stretch-and-folds: {count} × every {interval} min")
SHARED_BULK = Msg("Bulk took {bulk}{temp}")
SHARED_PROOF = Msg("{kind} {duration}")
SHARED_RATING = Msg("Rating: {stars}")
SHARED_NOTES = Msg("Notes: {notes}")
SHARED_READINGS = Msg("<b>Rise</b>: {points}")
SHARED_SAVED = Msg("💾 Saved “{name}” to your recipes (/recipes).")


# ---- planning (issue 11)

_AT = next(i for i, (c, _, _) in enumerate(COMMANDS) if c == "newbake") + 1
COMMANDS[_AT:_AT] = [
    ("plan", Msg("Plan a bake backwards from when the bread should be ready"),
     Msg("/plan Sun 9:00 · /plan tomorrow 8am · /plan 18:30 · /plan cancel")),
]
_AT = next(i for i, (c, _, _) in enumerate(COMMANDS) if c == "fridge")
COMMANDS[_AT] = ("fridge", Msg("End bulk: cold proof in the fridge"), Msg("/fridge · /fridge 14h · /fridge until 8:00"))

INPUT_ERRORS.update(
    {
        "when_format": Msg("I didn't understand that time. e.g. <code>{example}</code> — a time like <code>9:00</code> or "
                       "<code>8am</code>, with a day like <code>tomorrow</code> or <code>Sun</code> if you like."),
        "when_past": Msg("That time has passed today. e.g. <code>{example}</code>, or a time with <code>tomorrow</code>."),
        "fridge_range": Msg("A fridge is usually between {low:.0f} and {high:.0f} °C, e.g. <code>4</code> or <code>39F</code>."),
    }
)
REMINDER_TEXTS.update(
    {
        "plan_feed": Msg("🫙 Plan: feed your starter now, {label}, so it peaks when you mix."),
        "plan_mix": Msg("🥣 Plan: time to mix ({label} starter). Send /newbake once it's mixed and I'll follow the dough."),
        "plan_shape": Msg("✋ Plan: bulk should be about done (aim for {label} rise) — check the jar, shape, then /fridge."),
        "plan_preheat": Msg("🔥 Plan: preheat the oven now."),
        "plan_bake": Msg("🍞 Plan: out of the fridge and into the oven!"),
        "plan_out": Msg("🎉 Plan: the bread should be ready — out of the oven, and let it cool before cutting."),
    }
)
PLAN_NEXT_NAMES = {
    "plan_feed": Msg("feed the starter"), "plan_mix": Msg("mix"), "plan_shape": Msg("shape"),
    "plan_preheat": Msg("preheat"), "plan_bake": Msg("bake"), "plan_out": Msg("bread ready"),
}
REMINDER_KIND_NAMES.update(
    {
        "plan_feed": Msg("plan: feed the starter"), "plan_mix": Msg("plan: mix"), "plan_shape": Msg("plan: shape"),
        "plan_preheat": Msg("plan: preheat"), "plan_bake": Msg("plan: bake"), "plan_out": Msg("plan: bread ready"),
    }
)

PLAN_ASK_DAY = Msg("🗓 When should the bread come out of the oven? Pick a day, or send e.g. <code>/plan Sun 9:00</code>.")
PLAN_ASK_TIME = Msg("🗓 {day}: at what time should the bread come out of the oven?")
PLAN_DAY_TODAY = Msg("Today")
PLAN_DAY_TOMORROW = Msg("Tomorrow")
PLAN_READY = Msg("🗓 <b>Bread out of the oven {ready}</b>")
PLAN_NOT_MET = (Msg("⏳ Bread can't be ready by {asked}: even with the most starter and the shortest cold proof, "
                "feeding the starter would have to start before now. The earliest that works is <b>{earliest}</b>."))
PLAN_NOT_MET_AT_ALL = Msg("⏳ Bread can't be ready by {asked}, and I found no time in the next three days that works.")
PLAN_CLASH = Msg("⚠️ {steps} would fall in {quiet}. With every step outside it: bread <b>{alt}</b> (option {n}).")
PLAN_CLASH_ONLY = Msg("⚠️ {steps} would fall in {quiet}; no nearby time avoids that.")
PLAN_QUIET_YOURS = Msg("your quiet hours ({start}–{end})")
PLAN_QUIET_NIGHT = Msg("the night ({start}–{end}; set your own quiet hours in /settings)")
PLAN_OPTION = Msg("<b>Option {n}</b>: mix {mix} with {starter:g} % starter, {fridge} in the fridge")
PLAN_OPTION_READY = Msg(" — bread {ready}")
PLAN_BASIS = (Msg("From {source}: {starter:g} % starter, kitchen {kitchen}, target rise {target:.0f} %, "
              "fridge {fridge}{pace}."))
PLAN_BASIS_LAST = Msg("your last bake")
PLAN_BASIS_DEFAULT = Msg("the usual defaults (no bake yet)")
PLAN_BASIS_PACE = Msg("; your dough's own pace ×{pace:.2f}")
PLAN_FRIDGE_NOTE = (Msg("❄️ In the fridge it keeps rising while it cools: about {start:.0f} → {end:.0f} % over {hours}, "
                    "most of it in the first hours."))
PLAN_PICK = Msg("Tap an option to start it: I'll remind you of every step.")
PLAN_STEP_NAMES = {
    "feed": Msg("feed the starter 1:{ratio}:{ratio} (it peaks when you mix)"),
    "mix": Msg("mix, {starter:g} % starter — then /newbake"),
    "fold": Msg("stretch-and-fold {seq}"),
    "shape": Msg("end of bulk (about {target:.0f} % rise): shape"),
    "fridge": Msg("into the fridge for {fridge}"),
    "preheat": Msg("preheat the oven"),
    "bake": Msg("out of the fridge, into the oven"),
    "out": Msg("🍞 out of the oven"),
}
PLAN_PICTURE_STEPS = {  # the same steps, shorter, on the plan's picture
    "feed": Msg("feed the starter 1:{ratio}:{ratio}"),
    "mix": Msg("mix, {starter:g} % starter"),
    "fold": Msg("stretch-and-fold {seq}"),
    "shape": Msg("end of bulk (about {target:.0f} % rise): shape"),
    "fridge": Msg("into the fridge for {fridge}"),
    "preheat": Msg("preheat the oven"),
    "bake": Msg("out of the fridge, into the oven"),
    "out": Msg("out of the oven"),
}
PLAN_STEP_SHORT = {
    "feed": Msg("feeding the starter"), "mix": Msg("mixing"), "fold": Msg("a fold"), "shape": Msg("shaping"),
    "fridge": Msg("into the fridge"), "preheat": Msg("the preheat"), "bake": Msg("baking"), "out": Msg("out of the oven"),
}
PLAN_PICTURE_TITLE = Msg("Bread out of the oven {ready}")
PLAN_BUTTON = Msg("✓ {n}: mix {mix} · {starter:g} %")
PLAN_ACCEPTED = (Msg("✅ Plan set: bread out of the oven <b>{ready}</b>. I'll remind you of each step; when you mix, "
                 "send /newbake and I'll follow the dough (and tell you if it runs off the plan)."))
PLAN_ACCEPTED_AGAIN = Msg("This plan was already set (bread {ready}).")
PLAN_REPLACED = Msg("It replaces your plan for {old}.")
PLAN_CURRENT = Msg("🗓 Your plan: bread out of the oven <b>{ready}</b>{bake}.")
PLAN_CURRENT_BAKE = Msg(", following “{name}”")
PLAN_NEXT = Msg("Next: {what}, {time}.")
PLAN_CANCEL_BUTTON = Msg("✖ Cancel the plan")
PLAN_PICTURE_BUTTON = Msg("🖼 Picture")
PLAN_CANCELLED = Msg("Plan for {ready} cancelled, with its reminders.")
PLAN_NONE = Msg("You have no plan going. Plan one with <code>/plan Sun 9:00</code>, or /plan to pick a day.")
PLAN_GONE = Msg("That plan is no longer active. /plan shows where things stand.")
PLAN_OUT_OF_DATE = Msg("That plan is out of date: its first step has gone by. Send /plan again for a fresh one.")
PLAN_LINKED = Msg("🗓 Following your plan: bread out of the oven {ready}.")
PLAN_PICTURE_CAPTION = Msg("🗓 Bread out of the oven {ready}. Night and quiet hours shaded.")
PLAN_DRIFT = Msg("🗓 At this pace the bread would be ready <b>{ready}</b>, {minutes} {direction} than planned ({planned}).")
PLAN_DRIFT_LATER = Msg("later")
PLAN_DRIFT_EARLIER = Msg("earlier")
PLAN_KEEP_FRIDGE = Msg("To keep {planned}: {hours} in the fridge instead of {old}.")
PLAN_KEEP_SPOT = Msg("Or move the dough to a {side} spot, about {temp}.")
PLAN_SPOT_WARMER = Msg("warmer")
PLAN_SPOT_COOLER = Msg("cooler")
PLAN_KEEP_BUTTON = Msg("Keep {planned} ({hours} fridge)")
PLAN_MOVE_BUTTON = Msg("Bread {ready}")
PLAN_REPLANNED_KEPT = Msg("✅ Re-planned: bread still out of the oven {ready}; {hours} in the fridge.")
PLAN_REPLANNED_MOVED = Msg("✅ Re-planned: bread out of the oven {ready}; the later reminders moved with it.")
PLAN_REPLAN_ALREADY = Msg("Already re-planned: the plan matches the dough.")
ASK_FRIDGE = (Msg("How long in the fridge? Each button says when it ends (suggested: <b>{suggested}</b>, until "
              "{until}{why}). Or send e.g. <code>/fridge 14h</code> or <code>/fridge until 8:00</code>."))
FRIDGE_WHY_PLAN = Msg(", your plan's baking time")
FRIDGE_WHY_QUIET = Msg(", outside your quiet hours")


def fmt_fridge_minutes(minutes: int) -> str:
    """A cold-proof length on a button: "12 h", "13.5 h", "25 h 29 min"."""
    if minutes % 30 == 0:
        return _("{hours} h").format(hours=fmt_num(minutes / 60))
    return _("{hours} h {minutes} min").format(hours=minutes // 60, minutes=minutes % 60)


FRIDGE_UNTIL_BOUNDS = Msg("Until {end} is {duration} from now: a proof should be between 15 minutes and 3 days.")
ASK_SETTING.update(
    {"fridge": Msg("Your fridge's temperature (the cold proof is modelled at it), e.g. <code>4</code> or <code>39F</code>.")}
)


# ---- understanding what bakers type: typos in commands, rises in words, places, plausibility

UNKNOWN_COMMAND_SUGGEST = Msg("I don't know {command}. Did you mean {suggestions}? Tap to run it.")
UNKNOWN_COMMAND_SHORT = Msg("I don't know {command}. /help lists every command.")
COMMANDS_OR = Msg("{first} or {last}")
FIX_GONE = Msg("I can't see the message that button was for any more: please send the command again.")
TZ_AMBIGUOUS = Msg("“{text}” is in more than one timezone. Which one is yours?")
TZ_CHOICE = Msg("{city}, {country} ({offset})")
TZ_CHOICE_CITY = Msg("{city} ({offset})")
RISE_IMPLAUSIBLE = Msg(
    "{pct} only {elapsed} after mixing ({name})? That's more than dough rises so soon. "
    "Log it anyway?"
)
RISE_ANYWAY_BUTTON = Msg("✓ Log {pct} anyway")
RISE_ANYWAY_NO = Msg("✖ No")
RISE_NOT_LOGGED = Msg("✖ Not logged: {pct}.")
RISE_ALREADY_LOGGED = Msg("Already logged: {pct} {time}.")


# ---------------------------------------------------------------- bake-day polish
# /help short and grouped (📖 More edits it into the full list), answered buttons, rise checks
# around what the model expects, notes shown when edited, one bake's export, the prediction
# /done and the card both state.

HELP_GROUPS: list[tuple[Msg, tuple[str, ...]]] = [
    # (heading, commands in COMMANDS): the short /help shows the common ones (HELP_COMMON)
    (Msg("Bake day"), ("newbake", "plan", "rise", "temp", "status", "fridge", "proof", "done", "target", "abandon")),
    (Msg("Reminders"), ("timer", "timers", "folds")),
    (Msg("Starter & recipes"), ("feed", "starter", "recipes", "recipe", "scale", "levain")),
    (Msg("Looking back"), ("bakes", "chart", "export", "import")),
    (Msg("Settings"), ("settings", "cancel", "help", "deleteme")),
]
HELP_COMMON = frozenset(
    {"newbake", "plan", "rise", "temp", "status", "fridge", "proof", "done", "timer", "timers", "feed",
     "recipes", "bakes", "chart", "settings", "cancel"}
)
HELP_OTHER = Msg("More")  # the heading of any command no group names
HELP_TITLE = Msg("<b>What I can do</b>")
HELP_MORE_HINT = Msg("Tap 📖 More for every command, with an example of each.")
HELP_FOOTER = Msg("Commands act on your current bake. With more than one going, pick it in /status.")


def help_groups() -> list[tuple[str, list[tuple[str, Msg, Msg]]]]:
    """COMMANDS under their headings, in the order of HELP_GROUPS; a command no group names
    goes under a last heading, so nothing is left out of the full list."""
    by_name = {command: (command, description, example) for command, description, example in COMMANDS}
    grouped: list[tuple[str, list[tuple[str, Msg, Msg]]]] = []
    named: set[str] = set()
    for heading, commands in HELP_GROUPS:
        entries = [by_name[c] for c in commands if c in by_name]
        named.update(commands)
        if entries:
            grouped.append((str(heading), entries))
    rest = [entry for entry in COMMANDS if entry[0] not in named]
    if rest:
        grouped.append((str(HELP_OTHER), rest))
    return grouped


def help_short() -> str:
    """/help: the common commands, one line each, under a few headings."""
    lines = [str(HELP_TITLE)]
    for heading, entries in help_groups():
        common = [(c, d) for c, d, _example in entries if c in HELP_COMMON]
        if common:
            lines += ["", f"<b>{esc(heading)}</b>"]
            lines += [f"/{command} — {esc(description)}" for command, description in common]
    lines += ["", str(HELP_MORE_HINT)]
    return "\n".join(lines)


def help_full() -> str:
    """📖 More: every command under its heading, with an example."""
    lines = [str(HELP_TITLE)]
    for heading, entries in help_groups():
        lines += ["", f"<b>{esc(heading)}</b>"]
        lines += [
            _("/{command} — {description}\n    e.g. <code>{example}</code>").format(
                command=command, description=esc(description), example=esc(example)
            )
            for command, description, example in entries
        ]
    lines += ["", str(HELP_FOOTER)]
    return "\n".join(lines)


SKIPPED = Msg("Skipped")
RATED = Msg("Rated {stars}")
RISE_EXPECTED = Msg("The model expects about {pct} by now.")
EDIT_RATING_NOW = Msg("Now: {stars}. Skip keeps it.")
EDIT_NO_RATING = Msg("No rating yet.")
NOTES_NOW = Msg("Your notes now (tap to copy them, change them and send them back; Skip keeps them):")
BAKE_EXPORT_CAPTION = {
    "csv": Msg("“{name}” as CSV: one row per rise reading; opens in any spreadsheet."),
    "json": Msg("“{name}” as JSON: its readings, temperatures, events, photos, recipe and starter."),
}
LEARNED_FINAL_TARGET = Msg("for the final target of {target}, changed from {first} during bulk")
LEARNED_TARGET = Msg("for the target of {target}")
LEARNED_FOR = Msg("📐 Bulk took {actual}; I had predicted {predicted} ({error}) {target}. {pace}; predictions get tighter with every bake.")
CARD_TARGET_CHANGED = Msg("Target rise {target} (changed from {first}); predicted bulk {duration}")
EVENT_TARGET = Msg("target {old} → {new}")
