"""Every text the bot shows a baker, in one place. Replies use Telegram HTML; anything the
baker typed goes through `esc` before it is shown back."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from datetime import datetime, timedelta, tzinfo

from bot.i18n import Msg
from schedules.parsing import c_to_f
from schedules.recipe import BakersPercentages, Recipe, bakers_percentages

MAX_MESSAGE = 4096  # Telegram's limit for one message
SAFE_CHUNK = 3800  # what a split reply aims for, leaving room below MAX_MESSAGE
NAME_MAX = 80
NOTE_MAX = 1000


def esc(text: object) -> str:
    return html.escape(str(text), quote=False)


# ---------------------------------------------------------------- formatting helpers

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
        return f"{seconds // 60} min {seconds % 60} s" if seconds >= 60 else f"{seconds} s"
    minutes = max(0, round(delta.total_seconds() / 60))
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    parts = []
    if days:
        parts.append(f"{days} d")
    if hours:
        parts.append(f"{hours} h")
    if mins or not parts:
        parts.append(f"{mins} min")
    if days:
        parts = parts[:2]
    if not parts or (delta.total_seconds() < 60 and delta.total_seconds() > 0):
        return f"{max(1, round(delta.total_seconds()))} s"
    return " ".join(parts)


def fmt_time(moment: datetime, zone: tzinfo, now: datetime) -> str:
    """14:35 today; 'tomorrow 07:00'; 'Thu 28 Nov 07:00' further away."""
    local, today = moment.astimezone(zone), now.astimezone(zone).date()
    clock = local.strftime("%H:%M")
    if local.date() == today:
        return clock
    if local.date() == today + timedelta(days=1):
        return f"tomorrow {clock}"
    if local.date() == today - timedelta(days=1):
        return f"yesterday {clock}"
    return local.strftime("%a %d %b ") + clock


def fmt_date(moment: datetime, zone: tzinfo) -> str:
    return moment.astimezone(zone).strftime("%d %b %Y, %H:%M")


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

COMMANDS: list[tuple[str, str, str]] = [
    # (command, menu description, example for /help)
    ("newbake", "Start a bake", "/newbake or /newbake Country loaf"),
    ("rise", "Log the rise (%, or jar heights)", "/rise 40 · /rise 4.2 6.1 · or just send 40%"),
    ("temp", "Log the dough temperature", "/temp 24.5 · /temp 76F"),
    ("status", "Where every active bake stands", "/status"),
    ("fridge", "End bulk: cold proof in the fridge", "/fridge · /fridge 14h"),
    ("proof", "End bulk: final proof at room temperature", "/proof · /proof 2h"),
    ("timer", "A timer of your own", "/timer 45m fold · /timer 1h30m · /timer 90s"),
    ("timers", "Everything pending, with cancel buttons", "/timers"),
    ("folds", "Stretch-and-folds for this bake", "/folds 3 45m · /folds off"),
    ("target", "Override the target rise for this bake", "/target 60"),
    ("feed", "Log a starter feeding", "/feed 1:2:2 · /feed 1:5:5 26C"),
    ("starter", "Your starter's recent feedings", "/starter"),
    ("done", "Finish the bake (rating and notes)", "/done"),
    ("abandon", "Discard the current bake", "/abandon"),
    ("bakes", "Your bakes (filter by name)", "/bakes · /bakes rye"),
    ("chart", "A chart of the rise", "/chart · /chart compare"),
    ("export", "Download your history", "/export · /export csv · /export json 30d"),
    ("import", "Bring back a JSON export", "/import, then send the file"),
    ("settings", "Timezone, units, folds, quiet hours…", "/settings"),
    ("deleteme", "Erase all your data", "/deleteme"),
    ("cancel", "Leave the current dialog", "/cancel"),
    ("help", "Every command with an example", "/help"),
]


def welcome(first_name: str, first_time: bool) -> str:
    hello = f"Hi {esc(first_name or 'baker')}! 🍞 I keep track of your sourdough bakes: rise, " \
            "temperatures, stretch-and-folds, the cold proof, and when bulk will be done."
    if first_time:
        return (f"{hello}\n\nTwo quick questions so times and temperatures look right "
                "(you can skip them and change them any time in /settings).\n\n"
                "<b>Your timezone?</b> Tap one, or type a name like <code>Europe/Berlin</code> "
                "or an offset like <code>+2</code> or <code>-5:30</code>.")
    return f"{hello}\n\nStart a bake with /newbake, or see every command with /help."


def help_text() -> str:
    lines = ["<b>What I can do</b>", ""]
    lines += [f"/{cmd} — {esc(desc)}\n    e.g. <code>{esc(example)}</code>" for cmd, desc, example in COMMANDS]
    lines += ["", "Commands act on your current bake. With more than one going, pick it in /status."]
    return "\n".join(lines)


ASK_UNIT = "<b>Temperatures in °C or °F?</b>"
SETUP_DONE = "All set. Start a bake with /newbake, or see every command with /help."
TZ_SAVED = "Timezone set to <b>{zone}</b> (it is {now} there now)."
UNIT_SAVED = "Temperatures will be shown in <b>°{unit}</b>."
BAD_TIMEZONE = ("I don't know the timezone “{text}”. Try a name like <code>Europe/Berlin</code>, "
                "<code>America/New_York</code>, or an offset like <code>+2</code> or <code>-5:30</code>.")


# ---------------------------------------------------------------- new bake dialog

ASK_NAME = "What are you baking? Send a name, e.g. <code>Country loaf</code>."
ASK_RECIPE = (
    "Recipe amounts in grams: flour, water, starter, salt — e.g. <code>500 375 100 10</code> "
    "or <code>flour 500 water 375 starter 100 salt 10</code>. I'll work out the baker's "
    "percentages. Or tap Skip."
)
ASK_TEMP = ("Dough temperature after mixing? e.g. <code>{example}</code>. It lets me predict "
            "when bulk will be done. Or tap Skip.")
BAD_NAME_EMPTY = "A bake needs a name, e.g. <code>Country loaf</code>."
BAD_NAME_LONG = f"That name is a bit long (up to {NAME_MAX} characters, please). e.g. <code>Country loaf</code>."
TOO_MANY_ACTIVE = "You already have {n} bakes going. Finish one with /done or /abandon first."
NO_ACTIVE_BAKE = "You have no bake going. Start one with /newbake, e.g. <code>/newbake Country loaf</code>."
NOT_IN_BULK = "“{name}” is past bulk fermentation already ({phase})."
CANCELLED = "Okay, cancelled. Nothing was changed."
NOTHING_TO_CANCEL = "There's nothing to cancel. /help lists what I can do."

PHASE_NAMES = {"bulk": "bulk fermentation", "cold_proof": "cold proof", "proof": "final proof",
               "done": "done"}


def percentages_lines(recipe: Recipe | None) -> list[str]:
    if recipe is None:
        return []
    pct: BakersPercentages = bakers_percentages(recipe)
    amounts = [f"flour {recipe.flour_g:g} g"]
    for label, grams in (("water", recipe.water_g), ("starter", recipe.starter_g), ("salt", recipe.salt_g)):
        if grams is not None:
            amounts.append(f"{label} {grams:g} g")
    lines = ["Recipe: " + ", ".join(amounts)]
    bits = []
    if pct.hydration_pct is not None:
        hyd = f"hydration {pct.hydration_pct:g} %"
        if pct.total_hydration_pct is not None and recipe.starter_g:
            hyd += f" ({pct.total_hydration_pct:g} % counting the starter)"
        bits.append(hyd)
    if pct.inoculation_pct is not None:
        bits.append(f"inoculation {pct.inoculation_pct:g} %")
    if pct.salt_pct is not None:
        bits.append(f"salt {pct.salt_pct:g} %")
    if bits:
        lines.append("Baker's %: " + ", ".join(bits))
    return lines


def prediction_line(target: float, eta_window: tuple[str, str], basis: str) -> str:
    low, high = eta_window
    if basis == "prior":
        return f"🎯 Aim for about <b>{fmt_num(target)} % rise</b>; expect it between <b>{low}</b> and <b>{high}</b>."
    return f"🎯 {fmt_num(target)} % expected between <b>{low}</b> and <b>{high}</b>."


def reminders_summary(kinds_times: Sequence[tuple[str, str]]) -> str:
    if not kinds_times:
        return "No reminders planned (folds and rise checks are off in /settings)."
    return "⏰ I'll remind you: " + "; ".join(f"{kind} {when}" for kind, when in kinds_times) + "."


BAKE_STARTED = "🥣 Started <b>{name}</b> — bulk fermentation from {time}."
ASK_TEMP_HINT = "Send the dough temperature (e.g. <code>/temp {example}</code>) and I'll predict when bulk is done."

# ---------------------------------------------------------------- readings

RISE_LOGGED = "📈 <b>{pct} %</b> after {elapsed} ({name})."
RISE_FROM_HEIGHTS = "📏 {start:g} → {current:g}: that's <b>{pct:.0f} %</b> rise after {elapsed} ({name})."
RISE_LOWER = "Lower than the last reading ({previous}): the dough may be starting to collapse — watch it closely."
RISE_ETA = "At this pace {target} % around <b>{eta}</b> (between {low} and {high})."
RISE_ETA_PRIOR = "{target} % expected around <b>{eta}</b> (between {low} and {high}); from two readings on I go by your dough's own pace."
RISE_PASSED = "✅ It has reached the target of {target} %: bulk is done — time to shape (/fridge or /proof)."
RISE_OVER = ("⚠️ Well past the target of {target} %: the dough risks over-fermenting. "
             "Shape it now and use a shorter or colder proof (/fridge).")
TEMP_LOGGED = "🌡 Dough temperature {temp} logged for {name}."
TEMP_NEW_TARGET = "With that temperature, aim for about <b>{target} %</b> rise."
BARE_PERCENT_NO_BULK = "I'd log that as a rise, but no bake is in bulk fermentation. Start one with /newbake."
TARGET_SET = "🎯 Target for {name} set to <b>{target} %</b>."

# ---------------------------------------------------------------- status, bakes

NO_BAKES = "No bakes yet. Start your first with /newbake."
NO_BAKES_MATCH = "No bakes match “{query}”. Try /bakes without a filter."
BAKES_HEADER = "<b>Your bakes</b> ({total}), newest first — page {page} of {pages}:"
BAKE_NOT_FOUND = "I can't find that bake: it may have been deleted. /bakes shows what you have."
STALE_BUTTON = "That button is no longer valid. Try the command again (/help lists them)."
SELECTED = "Commands now act on “{name}”."

# ---------------------------------------------------------------- done, abandon

ASK_RATING = "🎉 <b>{name}</b> is done! How did it turn out? Tap a rating, or Skip."
ASK_NOTES = "Any notes for next time (crumb, crust, what you'd change)? Send them, or tap Skip."
BAD_RATING = "Please tap a rating from 1 to 5 (or Skip), or send a number like <code>4</code>."
BAKE_FINISHED = "Saved <b>{name}</b>{rating}. Well done! 🍞"
LEARNED = "📐 Bulk took {actual}; I had predicted {predicted} ({error}). {pace}; predictions get tighter with every bake."


def pace_phrase(speed_factor: float) -> str:
    """speed_factor is a time multiplier (1.3 = 30 % slower than the book)."""
    if abs(speed_factor - 1) < 0.05:
        return "Your dough keeps to the book pace"
    if speed_factor < 1:
        return f"Your dough ferments about {1 / speed_factor:.1f}× as fast as the book"
    return f"Your dough takes about {speed_factor:.1f}× as long as the book"
CONFIRM_ABANDON = "Discard <b>{name}</b> and everything logged for it? This can't be undone."
ABANDONED = "🗑 Discarded “{name}”."
ABANDON_KEPT = "Kept “{name}”."
NOTES_TOO_LONG = f"Notes can be up to {NOTE_MAX} characters; please shorten them."

# ---------------------------------------------------------------- reminders

REMINDER_TEXTS = {
    "fold": "🤲 Time for stretch-and-fold {seq} of {count} ({name}).",
    "rise_check": "📏 How far has {name} risen? Tap a value, or send e.g. <code>40%</code>.",
    "bulk_done": "⏳ {name}: bulk is probably done — the rise should be near {target}. Check the jar, then /fridge or /proof.",
    "preheat": "🔥 Preheat the oven now: {name} comes out at {time}.",
    "proof_end": "🍞 Time to bake {name}!",
    "timer": "⏰ Timer: {label}",
    "starter_peak": "🫙 Your starter (fed {label}) should be near its peak now.",
}
REMINDER_KIND_NAMES = {
    "fold": "fold", "rise_check": "rise check", "bulk_done": "bulk done", "preheat": "preheat",
    "proof_end": "end of proof", "timer": "timer", "starter_peak": "starter peak",
}
LATE_NOTE = "\n<i>Due at {time}; sent late because the bot was offline.</i>"
MISSED_SUMMARY = ("While I was offline I missed {n} reminder(s) ({kinds}), the last due at {time}. "
                  "Sorry! /status shows where your bakes stand.")
SNOOZED = "😴 Snoozed until {time}."
FOLD_LOGGED = "Fold {seq} done ✓"
FOLDS_SKIPPED = "Skipped the remaining {n} fold(s)."
ACK = "Done ✓"
REMINDER_GONE = "That reminder is no longer active."
TIMER_SET = "⏰ Timer set for {time} (in {duration}){label}."
NO_PENDING = "Nothing pending. Set a timer with <code>/timer 45m fold</code>."
PENDING_HEADER = "<b>Pending reminders</b> (times in {zone}):"
PENDING_MORE = "…and {n} more later on."
REMINDER_CANCELLED = "Cancelled."
FOLDS_SET = "🤲 {count} folds every {interval} min for {name}: {times}."
FOLDS_OFF = "No more fold reminders for {name}."
ASK_PROOF = "How long in the fridge? Tap a length (suggested: <b>{suggested} h</b>), or send e.g. <code>/fridge 14h</code>."
ASK_ROOM_PROOF = "How long for the final proof? Tap a length, or send e.g. <code>/proof 2h</code>."
COLD_PROOF_STARTED = "❄️ {name} is in the fridge until <b>{end}</b> ({duration})."
ROOM_PROOF_STARTED = "⏲ Final proof for {name} until <b>{end}</b> ({duration})."
PREHEAT_PLANNED = "I'll remind you to preheat at {time}."
PROOF_DURATION_BOUNDS = "A proof should be between 15 minutes and 3 days, e.g. <code>{example}</code>."
FEED_LOGGED = ("🫙 Fed {ratio}{temp}. It should peak around <b>{peak}</b> (between {low} and {high}); "
               "I'll remind you at {low}.")
STARTER_EMPTY = "No feedings logged yet. Log one with <code>/feed 1:2:2</code>."

# ---------------------------------------------------------------- settings

SETTINGS_HEADER = "<b>Settings</b> — tap one to change it."
ASK_SETTING = {
    "tz": "Your timezone: a name like <code>Europe/Berlin</code> or an offset like <code>+2</code>.",
    "folds": "Folds: how many and how far apart, e.g. <code>4 30</code> (4 folds, 30 min apart) or <code>off</code>.",
    "checks": "Rise checks every how many minutes? e.g. <code>60</code>, or <code>off</code>.",
    "preheat": "Preheat reminder how many minutes before the proof ends? e.g. <code>60</code>, or <code>off</code>.",
    "quiet": "Quiet hours (folds and rise checks wait until they end), e.g. <code>22:00-07:00</code>, or <code>off</code>.",
    "target": "Target rise: <code>temp</code> (by dough temperature, the default) or a fixed percentage like <code>75</code>.",
}
SETTING_SAVED = "Saved. " + "{summary}"
CALIBRATION_RESET = "Forgot what I learned about your dough's pace; predictions start from the book again."
ERROR_GENERIC = "Sorry, something went wrong on my side. Nothing you saved was lost — please try again."

# ---------------------------------------------------------------- input errors

INPUT_ERRORS: dict[str, str] = {
    "not_a_number": "I need a number there, e.g. <code>{example}</code>.",
    "rise_format": "Send the rise in percent or as two jar heights, e.g. <code>/rise 40</code> or <code>/rise 4.2 6.1</code>.",
    "rise_negative": "A rise can't be negative: from 0 to 300 %. e.g. <code>/rise 40</code>, or the jar heights <code>/rise 4.2 6.1</code> (start, now).",
    "rise_too_high": "That's more than a jar can rise: a rise can be from 0 to 300 %. e.g. <code>/rise 40</code>.",
    "height_not_positive": "Jar heights must be above zero, e.g. <code>/rise 4.2 6.1</code> (start height, current height).",
    "height_too_large": "Those jar heights look off: each can be above 0 and up to 10000 (any unit). e.g. <code>/rise 4.2 6.1</code> (start height, current height).",
    "temp_format": "Send the dough temperature as a number, e.g. <code>/temp 24.5</code> or <code>/temp 76F</code>.",
    "temp_range": "Dough is usually between {low:.0f} and {high:.0f} {unit}. e.g. <code>/temp 24.5</code> or <code>/temp 76F</code>.",
    "duration_missing": "How long? e.g. <code>{example}</code>.",
    "duration_negative": "A duration can't be negative. e.g. <code>{example}</code>.",
    "duration_format": "I didn't understand that duration. e.g. <code>{example}</code> (units: d, h, m, s).",
    "duration_too_short": "That's too short. {what} can be from {low} to {high}, e.g. <code>{example}</code>.",
    "duration_too_long": "That's too long. {what} can be from {low} to {high}, e.g. <code>{example}</code>.",
    "recipe_format": "I need amounts in grams (each up to 100 kg): flour, water, starter, salt — e.g. <code>500 375 100 10</code>, or tap Skip.",
    "recipe_no_flour": "The flour amount must be above zero, e.g. <code>500 375 100 10</code>.",
    "recipe_too_large": "Those amounts look too large: each can be up to 100 kg. e.g. <code>500 375 100 10</code>.",
    "timezone_unknown": BAD_TIMEZONE,
    "quiet_format": "Quiet hours look like <code>22:00-07:00</code> (or <code>off</code>).",
    "quiet_empty": "Quiet hours need a start and an end that differ, e.g. <code>22:00-07:00</code>.",
    "feed_format": "Send the feed ratio starter:flour:water, each part above 0 and up to 100, e.g. <code>/feed 1:2:2</code> or <code>/feed 1:5:5 26C</code>.",
    "rating_format": BAD_RATING,
    "name_empty": BAD_NAME_EMPTY,
    "name_long": BAD_NAME_LONG,
    "target_range": "A target rise can be from 10 to 200 %, e.g. <code>{example}</code>.",
    "folds_format": "Folds: a whole number of folds, 0 to 12, each 5 to 180 minutes apart — e.g. <code>{example}</code>, or <code>off</code>.",
    "setting_number": "Please send a whole number of minutes from 5 to 600, e.g. <code>{example}</code>, or <code>off</code>.",
}


def input_error(reason: str, example: str = "", **details: object) -> str:
    template = INPUT_ERRORS.get(reason, "I didn't understand that. /help lists what works.")
    values: dict[str, object] = {**details, "text": esc(details.get("text", ""))}
    values["example"] = safe_example = esc(example or "/help")
    try:
        return template.format(**values)
    except (KeyError, ValueError, IndexError, TypeError):
        return template.replace("{example}", safe_example)


UNKNOWN_COMMAND = "I don't know {command}. Here's what works:\n" + "{commands}"
UNKNOWN_TEXT = ("I didn't understand that. To log a rise send e.g. <code>40%</code> or "
                "<code>/rise 40</code>; /help lists everything.")
UNSUPPORTED_CONTENT = ("I can't use that kind of message: I read text, photos of your bakes and a "
                       "JSON export file for /import. Try <code>/rise 40</code>, or /help.")

# ---------------------------------------------------------------- history

CHART_CAPTION = "📈 {name}: {n} rise reading(s)."
CHART_NO_READINGS = "No rise readings yet: log one with <code>/rise 40</code> and the curve appears."
CHART_USAGE = "Try <code>/chart</code> (your current bake) or <code>/chart compare</code> (your last bakes overlaid)."
CHART_COMPARE_EMPTY = "No bakes with rise readings to compare yet. Log some with <code>/rise 40</code>."
CHART_COMPARE_CAPTION = "📈 Your last {n} bake(s) with readings, overlaid."
EXPORT_USAGE = "e.g. <code>/export</code> (CSV and JSON), <code>/export csv</code>, <code>/export json</code>, <code>/export 30d</code> or <code>/export csv 30d</code>."
EXPORT_CAPTION = {
    "csv": "Your history as CSV: one row per rise reading; opens in any spreadsheet.",
    "json": "Your history as JSON (send it back with /import to restore it).",
}
IMPORT_ASK = "Send me a JSON export (the file from /export) as a document, or /cancel."
IMPORT_TOO_LARGE = "That file is too large: the limit is {limit:.0f} MB. Send the JSON file from /export."
IMPORT_REJECTED = "I can't import that file: {reason}\nNothing was imported. Send the JSON file from /export, or /cancel."
IMPORT_DONE = "📥 Imported {added} bake(s) with {readings} rise reading(s); {skipped} were already here."
IMPORT_NOT_A_DOCUMENT = "Please send the JSON export as a file (a document, not a photo or text), or /cancel."
EDIT_RATING = "Rate <b>{name}</b> again (then you can change the notes), or Skip."
CONFIRM_DELETE = "Delete <b>{name}</b> and everything logged for it? This can't be undone."
CONFIRM_ERASE = ("This erases <b>all</b> your bakes, readings, reminders, starter log and settings. "
                 "It can't be undone (an /export first keeps a copy).")
ERASE_KEPT = "Kept everything."
ERASED = ("🗑 Erased your data: {bakes} bake(s), {readings} rise reading(s), {temps} temperature(s), "
          "{reminders} reminder(s), {feedings} starter feeding(s), and your settings.")


def plain(text: str) -> str:
    """A reply's HTML as plain text, for a toast or an alert (they show no markup)."""
    return html.unescape(re.sub(r"<[^>]+>", "", text))


# ---------------------------------------------------------------- one action, once

READING_GONE = "That reading was removed already."
SEND_START = "I don't know you yet: send /start to begin."
RISE_UNDONE = "↩️ Removed the reading of {pct} from {time} ({name})."
RISE_EDITED = "✏️ Changed the reading of {time} from {old} to <b>{new}</b> ({name})."
TEMP_EDITED = "✏️ Changed the dough temperature of {time} from {old} to <b>{new}</b> ({name})."
EDIT_NOT_A_READING = ("I only follow edits of readings (<code>/rise 40</code>, <code>40%</code>, "
                      "<code>/temp 24.5</code>); that edit changed nothing. Send the command again instead.")
RISE_REPLAYED = "(Already logged from this message.)"
RISE_ALREADY_ANSWERED = "Already logged {pct} at {time} for this check."
FOLD_ALREADY = "Fold {seq} was already logged at {time}."
ALREADY_SNOOZED = "Already snoozed until {time}."
BAKE_AGAIN_REPLAYED = "This button had already started “{name}” at {time}."
READINGS_HEADER = "<b>Rise readings of {name}</b>: tap one to delete it."
READINGS_NONE = "{name} has no rise readings yet."
READING_DELETED = "Deleted the reading of {pct} from {time}."
PHASE_NOW = {
    "bulk": "“{name}” is in bulk fermentation (mixed {since}).",
    "cold_proof": "“{name}” is in the fridge since {since}, until {until}.",
    "proof": "“{name}” is in its final proof since {since}, until {until}.",
    "done": "“{name}” is done (finished {since}).",
}
RISE_TAPPED = "Logged {pct}"


# ---------------------------------------------------------------- nothing lost

UNDELIVERED_NOTE = ("⚠️ My reply to “{text}” ({time}) didn't reach you, but it was handled and saved — "
                    "no need to send it again.")
MISSED_WHILE_BLOCKED = ("Welcome back! While the bot was blocked I held back {n} reminder(s) ({kinds}), "
                        "the last due at {time}. Reminders still ahead will come as planned; /status shows where your bakes stand.")


# ---------------------------------------------------------------- groups, supergroups and channels
# (bot/handlers/groups.py: a baker's data stays in the private chat; one line points there)

GROUP_GO_PRIVATE = "🍞 I keep bakes in a private chat, so talk to me there: {link}"
GROUP_OPEN_PRIVATE = "Open our private chat"


# ---------------------------------------------------------------- numbers as typed (appended)
# Numbers echo what was understood: one decimal when not whole ("4.5 %", "40 %", "24.5 °C").
# A comma followed by exactly three digits ("1,000") is asked about instead of guessed.

INPUT_ERRORS.update(
    {
        "ambiguous_comma": "“{number}” could be read two ways. Did you mean {decimal} or {whole}? "
        "Send <code>{short}</code> or <code>{whole}</code>.",
        "number_too_long": "That number is too long: up to {max_digits} digits, e.g. <code>{example}</code>.",
        "feed_range": "Each part of the feed ratio starter:flour:water is above 0 and up to 100, "
        "e.g. <code>/feed 1:2:2</code> or <code>/feed 1:5:5 26C</code>.",
    }
)


def fmt_num(value: float, decimals: int = 1) -> str:
    """4.5 → "4.5", 40.0 → "40", 45.25 → "45.2": at most `decimals`, none when whole."""
    text = f"{value:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def fmt_reading(rise_pct: float, from_heights: bool = False) -> str:
    """A rise reading: as typed ("4.5 %"); worked out from jar heights, to the whole percent."""
    return f"{rise_pct:.0f} %" if from_heights else fmt_pct(rise_pct)


# ---- photos, recipes, starters, sharing (issue 14)

_AT = next(i for i, (c, _, _) in enumerate(COMMANDS) if c == "done")
COMMANDS[_AT:_AT] = [
    ("recipes", "Your saved recipes: one tap starts a bake", "/recipes"),
    ("recipe", "The recipe of the current bake (amounts, flour mix)", "/recipe 500 375 100 10 mix: 20% rye"),
    ("scale", "Scale a recipe (factor, dough weight, loaves)", "/scale 2 · /scale 1800g · /scale 3x900g"),
    ("levain", "Build the levain to peak when you mix", "/levain 12:00 · /levain 100g 7:30"),
]

INPUT_ERRORS.update(
    {
        "scale_format": "Scale by a factor, to a dough weight, or to loaves × weight each: <code>/scale 2</code>, "
        "<code>/scale 1800g</code> or <code>/scale 3x900g</code> (a saved recipe's name after it scales that one).",
        "scale_range": "I can't scale to that: a factor from 0.05 to 20, a dough from 50 g to 100 kg, up to 50 "
        "loaves of 50 g to 10 kg. e.g. <code>/scale 2</code>, <code>/scale 1800g</code>, <code>/scale 3x900g</code>.",
        "scale_factor": "Scale by a factor above zero, e.g. <code>/scale 2</code>.",
        "scale_too_small": "That would make less than 10 g of flour. e.g. <code>/scale 2</code> or "
        "<code>/scale 900g</code>.",
        "scale_too_large": "That would make more than 100 kg of dough. e.g. <code>/scale 2</code> or "
        "<code>/scale 3x900g</code>.",
        "mix_long": "The flour mix can be up to {maximum} characters, e.g. <code>mix: 80% bread flour, 20% rye</code>.",
        "feed_format": "Send the feed ratio starter:flour:water, e.g. <code>/feed 1:2:2</code> or "
        "<code>/feed 1:5:5 26C</code>, or the amounts: <code>/feed 20g starter 100g flour 100g water</code>.",
        "feed_grams_range": "Each amount up to {maximum:.0f} g and above zero, e.g. "
        "<code>/feed 20g starter 100g flour 100g water</code>.",
        "levain_format": "When will you mix? e.g. <code>/levain 12:00</code> (the starter of your recipe), "
        "<code>/levain 100g 12:00</code>, or <code>/levain 12:00 Country loaf</code>.",
        "levain_range": "A levain between 5 g and 20 kg, e.g. <code>/levain 100g 12:00</code>.",
        "starter_format": "e.g. <code>/starter</code>, <code>/starter new Rye</code>, "
        "<code>/starter rename Rye to Dark rye</code>, <code>/starter archive Rye</code>.",
        "starter_name_long": "A name can be up to {maximum} characters.",
    }
)

# photos
PHOTO_ADDED = "📷 Added to <b>{name}</b>{caption}."
PHOTO_REPLAYED = "📷 This photo is already on <b>{name}</b>."
PHOTO_CHOOSE = "📷 Nice! No bake is going right now: which bake is this photo of?"
PHOTO_NO_BAKES = ("📷 Nice photo! I keep photos with a bake: start one with /newbake, then send it again "
                  "(or tap 📷 Add photo on a bake's card in /bakes).")
PHOTO_ASK = "📷 Send the photo(s) of <b>{name}</b> now (a caption is kept with each), or /cancel."
PHOTO_ELSEWHERE = "That photo is already on “{name}”."
PHOTOS_NONE = "{name} has no photos yet: tap 📷 Add photo on its card."
PHOTOS_PAGE = "🖼 <b>{name}</b>: photos {first}–{last} of {total}."
PHOTO_NOT_FOUND = "I can't find that photo: it may have gone with its bake."

# recipes
RECIPE_ASK = ("🧾 Send the recipe of <b>{name}</b>: amounts in grams (flour, water, starter, salt) like "
              "<code>500 375 100 10</code>, or as percentages of the flour: "
              "<code>flour 500 water 75% starter 20% salt 2%</code>. Add the flour mix after <code>mix:</code>, "
              "e.g. <code>mix: 80% bread flour, 20% rye</code>. Or /cancel.")
RECIPE_SET = "🧾 Recipe of <b>{name}</b>:"
FLOUR_MIX = "Flour: {mix}"
CARD_STARTER = "Starter: {name}"
RECIPE_NAME_ASK = "💾 Name for this recipe? Send one, or tap below to keep “{name}”."
RECIPE_KEEP_NAME = "💾 Save as “{name}”"
RECIPE_SAVED = "💾 Saved the recipe “{name}”. /recipes lists yours; one tap starts a bake."
RECIPES_EMPTY = "No saved recipes yet. Open a bake in /bakes and tap 💾 Save recipe."
RECIPES_HEADER = "<b>Your recipes</b> — 🥣 starts a bake, 📖 opens one to adjust first:"
RECIPE_DELETED = "🗑 Deleted the recipe “{name}”."
RECIPE_NOT_FOUND = "I can't find that recipe: it may have been deleted. /recipes lists yours."
NO_RECIPE = ("There are no amounts to work with: add them with <code>/recipe 500 375 100 10</code> "
             "(or 🧾 Recipe on a bake's card), or name a saved recipe.")
TOO_MANY_RECIPES = "That's 50 recipes already: delete one in /recipes first."
DRAFT_HEADER = "🔁 <b>{name}</b> — start as is, or adjust it first:"
DRAFT_NO_RECIPE = "(No amounts recorded: add them with ✏️ Change amounts.)"
DRAFT_ASK_AMOUNTS = ("✏️ New amounts for <b>{name}</b> in grams (flour, water, starter, salt), e.g. "
                     "<code>500 375 100 10</code> or <code>flour 500 water 75% starter 20% salt 2%</code>. Or /cancel.")
DRAFT_ASK_SCALE = ("⚖️ Scale <b>{name}</b> how? A factor <code>2</code>, a dough weight <code>1800g</code>, "
                   "or loaves × weight <code>3x900g</code>. Or /cancel.")
DRAFT_ADJUSTED = "🔁 <b>{name}</b> with new amounts:"
SCALED = "⚖️ <b>{name}</b> × {factor}: {total} g of dough (baker's percentages kept):"
SCALED_TARGET = "Tap ▶️ to start a bake with these amounts."

# levain
LEVAIN_PLAN = ("🫙 Feed <b>{seed} g</b> starter + <b>{flour} g</b> flour + <b>{water} g</b> water at <b>{feed}</b>, "
               "so {needed} g{for_name} is at its peak at <b>{mix}</b> (1:{ratio}:{ratio}{starter}). "
               "I'll remind you at {feed}.")
LEVAIN_FOR = " for {name}"
LEVAIN_PACE = ", timed by {name}'s own pace"
LEVAIN_TOO_SOON = ("Not enough time: even a 1:1:1 feed takes about {hours} to peak. Pick a later mixing time, "
                   "e.g. <code>/levain {example}</code>.")
LEVAIN_REPLAYED = "(Already planned from this message.)"

# starters
FEED_WHICH = "🫙 Which starter did you feed ({ratio})?"
STARTERS_HEADER = "<b>Your starters</b> — 🫧 when one peaks, tap it: I learn its pace."
STARTER_LINE = "🫙 <b>{name}</b>{pace}"
STARTER_PACE = " — peaks {pace} ({n} peak(s) noted)"
STARTER_FEEDING = "   • {date} — {ratio}{temp}, peak expected after {hours}{peaked}"
STARTER_PEAKED_AFTER = "; peaked after {hours}"
STARTER_NO_FEEDINGS = "   no feedings yet: <code>/feed 1:2:2</code>"
STARTER_CREATED = ("🫙 New starter “{name}”. Feed it with <code>/feed 1:2:2</code>; with more than one "
                   "I ask which you fed.")
STARTER_RENAME_ASK = "✏️ New name for “{name}”? Send it, or /cancel."
STARTER_RENAMED = "✏️ Renamed to “{name}”."
STARTER_ARCHIVED = "🗄 Archived “{name}”; its log is kept (and exported)."
STARTER_NAME_TAKEN = "You already have a starter called “{name}”. Pick another name."
STARTER_NOT_FOUND = "I can't find that starter (or it has no feeding yet). /starter lists yours."
TOO_MANY_STARTERS = "That's 10 starters already: archive one first (/starter)."
PEAK_NOTED = "🫧 Noted: “{name}” peaked {hours} after its feeding."
PEAK_LEARNED = " It peaks {pace}; its next peaks are timed by that."
PEAK_NOT_LEARNED = " (Too far from the feeding to learn from.)"
PEAK_ALREADY = "Already noted: that feeding peaked {hours} after it was fed."


def starter_pace_phrase(pace: float | None) -> str:
    if pace is None or abs(pace - 1) < 0.05:
        return "at the book's pace"
    if pace < 1:
        return f"{1 / pace:.1f}× as fast as the book"
    return f"{pace:.1f}× as slow as the book"


# sharing
SHARE_LINK = ("🔗 Anyone with this link can open the recipe of <b>{name}</b> (amounts, flour mix, target rise "
              "and schedule) and save it or start a bake from it:\n{link}\n\n"
              "Tick what else it shows; revoke it any time.")
SHARE_REVOKED = "🚫 Revoked: the link of “{name}” no longer opens anything."
SHARE_ALREADY_REVOKED = "That link was revoked already; tap 🔗 Share on the card for a new one."
SHARE_NOT_FOUND = "I don't know that link: it may be mistyped. Ask the baker who shared it for a new one."
SHARE_GONE = "That link was revoked by the baker who shared it. Ask them for a new one."
SHARED_HEADER = "📖 <b>{name}</b>, shared by {owner}"
SHARED_TARGET = "Target rise {target:.0f} %"
SHARED_FOLDS = "Stretch-and-folds: {count} × every {interval} min"
SHARED_BULK = "Bulk took {bulk}{temp}"
SHARED_PROOF = "{kind} {duration}"
SHARED_RATING = "Rating: {stars}"
SHARED_NOTES = "Notes: {notes}"
SHARED_READINGS = "<b>Rise</b>: {points}"
SHARED_SAVED = "💾 Saved “{name}” to your recipes (/recipes)."


# ---- planning (issue 11)

_AT = next(i for i, (c, _, _) in enumerate(COMMANDS) if c == "newbake") + 1
COMMANDS[_AT:_AT] = [
    ("plan", "Plan a bake backwards from when the bread should be ready",
     "/plan Sun 9:00 · /plan tomorrow 8am · /plan 18:30 · /plan cancel"),
]
_AT = next(i for i, (c, _, _) in enumerate(COMMANDS) if c == "fridge")
COMMANDS[_AT] = ("fridge", "End bulk: cold proof in the fridge", "/fridge · /fridge 14h · /fridge until 8:00")

INPUT_ERRORS.update(
    {
        "when_format": "I didn't understand that time. e.g. <code>{example}</code> — a time like <code>9:00</code> or "
                       "<code>8am</code>, with a day like <code>tomorrow</code> or <code>Sun</code> if you like.",
        "when_past": "That time has passed today. e.g. <code>{example}</code>, or a time with <code>tomorrow</code>.",
        "fridge_range": "A fridge is usually between {low:.0f} and {high:.0f} °C, e.g. <code>4</code> or <code>39F</code>.",
    }
)
REMINDER_TEXTS.update(
    {
        "plan_feed": "🫙 Plan: feed your starter now, {label}, so it peaks when you mix.",
        "plan_mix": "🥣 Plan: time to mix ({label}). Send /newbake once it's mixed and I'll follow the dough.",
        "plan_shape": "✋ Plan: bulk should be about done (aim for {label} rise) — check the jar, shape, then /fridge.",
        "plan_preheat": "🔥 Plan: preheat the oven now.",
        "plan_bake": "🍞 Plan: out of the fridge and into the oven!",
        "plan_out": "🎉 Plan: the bread should be ready — out of the oven, and let it cool before cutting.",
    }
)
REMINDER_KIND_NAMES.update(
    {
        "plan_feed": "plan: feed the starter", "plan_mix": "plan: mix", "plan_shape": "plan: shape",
        "plan_preheat": "plan: preheat", "plan_bake": "plan: bake", "plan_out": "plan: bread ready",
    }
)

PLAN_ASK_DAY = "🗓 When should the bread come out of the oven? Pick a day, or send e.g. <code>/plan Sun 9:00</code>."
PLAN_ASK_TIME = "🗓 {day}: at what time should the bread come out of the oven?"
PLAN_DAY_TODAY = "Today"
PLAN_DAY_TOMORROW = "Tomorrow"
PLAN_READY = "🗓 <b>Bread out of the oven {ready}</b>"
PLAN_NOT_MET = ("⏳ Bread can't be ready by {asked}: even with the most starter and the shortest cold proof, "
                "feeding the starter would have to start before now. The earliest that works is <b>{earliest}</b>.")
PLAN_NOT_MET_AT_ALL = "⏳ Bread can't be ready by {asked}, and I found no time in the next three days that works."
PLAN_CLASH = "⚠️ {steps} would fall in {quiet}. With every step outside it: bread at <b>{alt}</b> (option {n})."
PLAN_CLASH_ONLY = "⚠️ {steps} would fall in {quiet}; no nearby time avoids that."
PLAN_QUIET_YOURS = "your quiet hours ({start}–{end})"
PLAN_QUIET_NIGHT = "the night ({start}–{end}; set your own quiet hours in /settings)"
PLAN_OPTION = "<b>Option {n}</b>: mix {mix} with {starter:g} % starter, {fridge} in the fridge"
PLAN_OPTION_READY = " — bread {ready}"
PLAN_BASIS = ("From {source}: {starter:g} % starter, kitchen {kitchen}, target rise {target:.0f} %, "
              "fridge {fridge}{pace}.")
PLAN_BASIS_LAST = "your last bake"
PLAN_BASIS_DEFAULT = "the usual defaults (no bake yet)"
PLAN_BASIS_PACE = "; your dough's own pace ×{pace:.2f}"
PLAN_FRIDGE_NOTE = ("❄️ In the fridge it keeps rising while it cools: about {start:.0f} → {end:.0f} % over {hours}, "
                    "most of it in the first hours.")
PLAN_PICK = "Tap an option to start it: I'll remind you of every step."
PLAN_STEP_NAMES = {
    "feed": "feed the starter 1:{ratio}:{ratio} (it peaks when you mix)",
    "mix": "mix, {starter:g} % starter — then /newbake",
    "fold": "stretch-and-fold {seq}",
    "shape": "end of bulk (about {target:.0f} % rise): shape",
    "fridge": "into the fridge for {fridge}",
    "preheat": "preheat the oven",
    "bake": "out of the fridge, into the oven",
    "out": "🍞 out of the oven",
}
PLAN_STEP_SHORT = {
    "feed": "feeding the starter", "mix": "mixing", "fold": "a fold", "shape": "shaping",
    "fridge": "into the fridge", "preheat": "the preheat", "bake": "baking", "out": "out of the oven",
}
PLAN_PICTURE_TITLE = "Bread out of the oven {ready}"
PLAN_BUTTON = "✓ {n}: mix {mix} · {starter:g} %"
PLAN_ACCEPTED = ("✅ Plan set: bread out of the oven <b>{ready}</b>. I'll remind you of each step; when you mix, "
                 "send /newbake and I'll follow the dough (and tell you if it runs off the plan).")
PLAN_ACCEPTED_AGAIN = "This plan was already set (bread {ready})."
PLAN_REPLACED = "It replaces your plan for {old}."
PLAN_CURRENT = "🗓 Your plan: bread out of the oven <b>{ready}</b>{bake}."
PLAN_CURRENT_BAKE = ", following “{name}”"
PLAN_NEXT = "Next: {what} at {time}."
PLAN_CANCEL_BUTTON = "✖ Cancel the plan"
PLAN_PICTURE_BUTTON = "🖼 Picture"
PLAN_CANCELLED = "Plan for {ready} cancelled, with its reminders."
PLAN_NONE = "You have no plan going. Plan one with <code>/plan Sun 9:00</code>, or /plan to pick a day."
PLAN_GONE = "That plan is no longer active. /plan shows where things stand."
PLAN_OUT_OF_DATE = "That plan is out of date: its first step has gone by. Send /plan again for a fresh one."
PLAN_LINKED = "🗓 Following your plan: bread out of the oven {ready}."
PLAN_PICTURE_CAPTION = "🗓 Bread out of the oven {ready}. Night and quiet hours shaded."
PLAN_DRIFT = "🗓 At this pace the bread would be ready <b>{ready}</b>, {minutes} {direction} than planned ({planned})."
PLAN_DRIFT_LATER = "later"
PLAN_DRIFT_EARLIER = "earlier"
PLAN_KEEP_FRIDGE = "To keep {planned}: {hours} in the fridge instead of {old}."
PLAN_KEEP_SPOT = "Or move the dough to a {side} spot, about {temp}."
PLAN_SPOT_WARMER = "warmer"
PLAN_SPOT_COOLER = "cooler"
PLAN_KEEP_BUTTON = "Keep {planned} ({hours} fridge)"
PLAN_MOVE_BUTTON = "Bread at {ready}"
PLAN_REPLANNED_KEPT = "✅ Re-planned: bread still out of the oven {ready}; {hours} in the fridge."
PLAN_REPLANNED_MOVED = "✅ Re-planned: bread out of the oven {ready}; the later reminders moved with it."
PLAN_REPLAN_ALREADY = "Already re-planned: the plan matches the dough."
ASK_FRIDGE = ("How long in the fridge? Each button says when it ends (suggested: <b>{suggested}</b>, until "
              "{until}{why}). Or send e.g. <code>/fridge 14h</code> or <code>/fridge until 8:00</code>.")
FRIDGE_WHY_PLAN = ", your plan's baking time"
FRIDGE_WHY_QUIET = ", outside your quiet hours"


def fmt_fridge_minutes(minutes: int) -> str:
    """A cold-proof length on a button: "12 h", "13.5 h", "25 h 29 min"."""
    if minutes % 30 == 0:
        return f"{minutes / 60:g} h"
    return f"{minutes // 60} h {minutes % 60} min"


FRIDGE_UNTIL_BOUNDS = "Until {end} is {duration} from now: a proof should be between 15 minutes and 3 days."
ASK_SETTING.update(
    {"fridge": "Your fridge's temperature (the cold proof is modelled at it), e.g. <code>4</code> or <code>39F</code>."}
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
RISE_ALREADY_LOGGED = Msg("Already logged: {pct} at {time}.")
