"""What can stop an action, as the baker would say it. Services raise these; the Telegram layer
maps each to one reply in one place (bot/errors.py), so handlers carry no try/except."""

from __future__ import annotations

from schedules.types import Bake, Reminder


class DomainError(Exception):
    pass


class NoActiveBake(DomainError):
    """The baker has no bake in progress for an action that needs one."""


class BakeNotFound(DomainError):
    """No such bake for this baker: another's id, a forged button, or deleted meanwhile."""


class BakeMovedOn(DomainError):
    """The bake is no longer where the action expects it (fridge, proof, done)."""

    def __init__(self, bake: Bake) -> None:
        super().__init__(bake.phase)
        self.bake = bake


class TooManyActiveBakes(DomainError):
    def __init__(self, count: int) -> None:
        super().__init__(count)
        self.count = count


class ReminderGone(DomainError):
    """The reminder is not this baker's, or it was cancelled or deleted with its bake."""

    def __init__(self, reminder: Reminder | None = None) -> None:
        super().__init__()
        self.reminder = reminder


class ReadingGone(DomainError):
    """The reading was removed already (a second tap on Undo) or is not this baker's."""


# ---------------------------------------------------------------- recipes, photos, starters, sharing


class RecipeNotFound(DomainError):
    """No such saved recipe for this baker: another's id, a forged button, or deleted."""


class NoRecipe(DomainError):
    """The bake (or recipe) has no amounts to scale or to build a levain from."""


class StarterNotFound(DomainError):
    """No such starter for this baker (or it is archived)."""


class StarterNameTaken(DomainError):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class TooManyStarters(DomainError):
    pass


class PhotoNotFound(DomainError):
    """No such photo for this baker: a forged button, or deleted with its bake."""


class ShareNotFound(DomainError):
    """An unknown share code, or one of another baker."""


class ShareRevoked(DomainError):
    """The owner revoked the link."""


class TooManyRecipes(DomainError):
    pass
