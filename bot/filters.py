"""Filters shared by the feature routers."""

from __future__ import annotations

from typing import Any

from aiogram.filters import Filter
from aiogram.types import CallbackQuery

from bot.keyboards import BakeCb
from schedules.service import BakeService
from storage.models import User


class OwnBake(Filter):
    """A bake button matches only for the presser's own bake, which it hands the handler as
    `bake`. Callback data is untrusted: another user's bake id (or a deleted bake) falls
    through to the fallback router, which answers "can't find that bake"."""

    async def __call__(
        self, query: CallbackQuery, callback_data: BakeCb, service: BakeService, user: User
    ) -> bool | dict[str, Any]:
        bake = await service.bake(user.id, callback_data.bake_id)
        return False if bake is None else {"bake": bake}
