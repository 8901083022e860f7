"""The baker blocks or unblocks the bot (`my_chat_member` in the private chat)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import KICKED, MEMBER, ChatMemberUpdatedFilter
from aiogram.types import ChatMemberUpdated

from schedules.services import Services


async def blocked(event: ChatMemberUpdated, services: Services) -> None:
    """Stop sending; their reminders wait (see `ReminderService.pause`)."""
    await services.scheduler.pause(event.from_user.id)


async def unblocked(event: ChatMemberUpdated, services: Services) -> None:
    """Reminders still ahead come back; one summary of what was held back meanwhile."""
    missed = await services.scheduler.resume(event.from_user.id)
    sender = services.scheduler.sender
    if missed and sender is not None:
        user = await services.users.get(event.from_user.id)
        await sender.send_missed_summary(user, missed, blocked=True)


def build_router() -> Router:
    router = Router(name="membership")
    private = F.chat.type == ChatType.PRIVATE
    router.my_chat_member.register(blocked, private, ChatMemberUpdatedFilter(member_status_changed=KICKED))
    router.my_chat_member.register(unblocked, private, ChatMemberUpdatedFilter(member_status_changed=MEMBER))
    return router
