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
