"""The dialogs' FSM states."""

from aiogram.fsm.state import State, StatesGroup


class Setup(StatesGroup):
    timezone = State()


class NewBake(StatesGroup):
    name = State()
    recipe = State()
    temperature = State()


class Finish(StatesGroup):
    rating = State()
    notes = State()


class SettingValue(StatesGroup):
    value = State()


class RiseValue(StatesGroup):
    value = State()


class ImportFile(StatesGroup):
    document = State()


# ---- photos, recipes, starters, sharing (issue 14)


class PhotoFor(StatesGroup):
    bake = State()  # "📷 Add photo" tapped: the next photos go onto that bake


class RecipeInput(StatesGroup):
    bake = State()  # the amounts / flour mix of a bake
    name = State()  # the name to save a bake's recipe under
    draft_amounts = State()  # new amounts for a recipe about to start a bake
    draft_scale = State()  # how to scale it


class StarterInput(StatesGroup):
    rename = State()
