"""Which command a mistyped one was meant as: `/rsie 45` → /rise, `/Rise` → /rise, `/rise45` →
/rise 45, `/кшыу` (typed on a Russian keyboard layout) → /rise.

Pure functions over the command names the caller passes in; nothing here knows the bot.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

MAX_WORD = 32  # a longer "command" is not a typo of ours

# The Russian (ЙЦУКЕН) keyboard layout over the Latin (QWERTY) one: a command typed with the
# wrong layout switched on.
_RUSSIAN_LAYOUT = str.maketrans(
    "йцукенгшщзхъфывапролджэячсмитьбю",
    "qwertyuiop[]asdfghjkl;'zxcvbnm,.",
)
_COMMAND = re.compile(r"/(\S*)\s*(.*)", re.DOTALL)
_GLUED_ARGUMENT = re.compile(r"([^\W\d_]+)(\d.*)")


def split_command(text: str) -> tuple[str, str]:
    """`/rsie 45` → ("rsie", "45"); `/Rise@my_bot 45` → ("rise", "45"); `/rise45` →
    ("rise", "45"): the command word (lower case, without the bot's name) and its arguments."""
    match = _COMMAND.match(text.strip())
    if match is None:
        return "", ""
    word, args = match[1].partition("@")[0].lower(), match[2].strip()
    glued = _GLUED_ARGUMENT.fullmatch(word)
    if glued and not args:
        word, args = glued[1], glued[2]
    return word, args


def distance(a: str, b: str) -> int:
    """Edits between two words: a letter added, dropped or changed, or two neighbouring letters
    swapped (the optimal string alignment distance)."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, char_b in enumerate(b, 1):
            cost = 0 if char_a == char_b else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


def _allowed(word: str) -> int:
    """How many edits a word of this length may be off: 1 up to 6 letters, then 2."""
    return 1 if len(word) <= 6 else 2


def suggest_commands(word: str, commands: Sequence[str], *, limit: int = 3) -> list[str]:
    """The commands `word` was most likely meant as, best first: those the fewest edits away
    (within a bound that grows with the word's length), else the commands it is the start of
    (3 letters at least). A word typed on a Russian keyboard layout is read on the Latin one
    too. [] when no command is near: a far-off word gets no guess."""
    word = word.lower()
    if not word or len(word) > MAX_WORD:
        return []
    candidates = [word]
    if not word.isascii():
        candidates.append(word.translate(_RUSSIAN_LAYOUT))
    best: dict[str, int] = {}
    for candidate in candidates:
        for command in commands:
            edits = distance(candidate, command)
            if edits <= _allowed(candidate):
                best[command] = min(edits, best.get(command, edits))
    if best:
        fewest = min(best.values())
        return [command for command in commands if best.get(command) == fewest][:limit]
    started = [c for c in commands if any(len(w) >= 3 and c.startswith(w) for w in candidates)]
    return sorted(started, key=len)[:limit]
