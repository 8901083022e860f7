"""Sharing a bake: the card's "🔗 Share" gives a link `https://t.me/<bot>?start=<code>` that opens
the bake's recipe, target rise and schedule for another baker (readings, notes and photos only
if the owner ticks them), who can save it as a recipe or start a bake from it. Links can be
revoked. Registered before the start router, which takes every other /start."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import CommandObject, CommandStart
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, InputMediaPhoto, LinkPreviewOptions, Message

from bot import keyboards as kb
from bot import texts
from bot.handlers.recipes import reply_started, template_lines
from bot.i18n import _
from bot.replies import answer, button_key, origin
from schedules.services import Services
from schedules.services.sharing import Include, SharedBake, ShareResult
from schedules.types import User

CODE = r"^[A-Za-z0-9_-]{16}$"
LINK = "https://t.me/{username}?start={code}"
INCLUDES = {
    kb.ShareAction.NOTES: Include.NOTES,
    kb.ShareAction.READINGS: Include.READINGS,
    kb.ShareAction.PHOTOS: Include.PHOTOS,
}


def share_markup(result: ShareResult) -> InlineKeyboardMarkup:
    share = result.share
    return kb.share_keyboard(
        share.id, bool(share.include_notes), bool(share.include_readings), bool(share.include_photos)
    )


async def share_button(
    query: CallbackQuery, callback_data: kb.CardCb, bot: Bot, services: Services, user: User
) -> None:
    result = await services.sharing.share(user.id, callback_data.bake_id)
    link = LINK.format(username=(await bot.me()).username, code=result.share.code)
    await query.answer()
    message = origin(query)
    if message is not None:
        await message.answer(
            texts.SHARE_LINK.format(name=texts.esc(result.bake.name), link=texts.esc(link)),
            reply_markup=share_markup(result),
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        )


async def share_option(
    query: CallbackQuery, callback_data: kb.ShareCb, services: Services, user: User
) -> None:
    message = origin(query)
    if callback_data.action == kb.ShareAction.REVOKE:
        result = await services.sharing.revoke(user.id, callback_data.share_id)
    else:
        result = await services.sharing.include(
            user.id, callback_data.share_id, INCLUDES[callback_data.action]
        )
    if result.already_revoked:
        await query.answer(str(texts.SHARE_ALREADY_REVOKED), show_alert=True)
        return
    await query.answer()
    if message is None:
        return
    if callback_data.action == kb.ShareAction.REVOKE:
        await message.edit_text(texts.SHARE_REVOKED.format(name=texts.esc(result.bake.name)))
    else:
        await message.edit_reply_markup(reply_markup=share_markup(result))


def shared_text(shared: SharedBake, services: Services, user: User) -> str:
    bake, template = shared.bake, shared.template
    owner = texts.esc(shared.owner.first_name if shared.owner and shared.owner.first_name else _("a baker"))
    lines = [texts.SHARED_HEADER.format(name=texts.esc(bake.name), owner=owner), *template_lines(template)]
    if not template.target_rise_pct and bake.target_rise_pct:
        lines.append(texts.SHARED_TARGET.format(target=bake.target_rise_pct))
    if bake.bulk_ended_at is not None:
        temp = (
            _(" at {temp}").format(temp=texts.fmt_temp(bake.dough_temp_c, user.temp_unit))
            if bake.dough_temp_c
            else ""
        )
        lines.append(
            texts.SHARED_BULK.format(bulk=texts.fmt_duration(bake.bulk_ended_at - bake.started_at), temp=temp)
        )
        if bake.finished_at is not None:
            proof = texts.fmt_duration(bake.finished_at - bake.bulk_ended_at)
            lines.append(texts.SHARED_PROOF.format(kind=_("Proof"), duration=proof))
    if shared.rating:
        lines.append(texts.SHARED_RATING.format(stars="⭐" * shared.rating))
    if shared.notes:
        lines.append(texts.SHARED_NOTES.format(notes=texts.esc(shared.notes)))
    if shared.readings:
        points = ", ".join(
            f"{texts.fmt_duration(r.taken_at - bake.started_at)}: {texts.fmt_pct(r.rise_pct)}"
            for r in shared.readings[:24]
        )
        lines.append(texts.SHARED_READINGS.format(points=points))
    return "\n".join(lines)


async def open_link(
    message: Message, command: CommandObject, bot: Bot, services: Services, user: User
) -> None:
    code = command.args or ""
    shared = await services.sharing.open(code)
    await answer(message, shared_text(shared, services, user), kb.shared_keyboard(code))
    if len(shared.photos) == 1:
        shot = shared.photos[0]
        await message.answer_photo(shot.file_id, caption=texts.esc(shot.caption) if shot.caption else None)
    elif shared.photos:
        await bot.send_media_group(
            message.chat.id,
            [
                InputMediaPhoto(media=shot.file_id, caption=texts.esc(shot.caption) if shot.caption else None)
                for shot in shared.photos
            ],
        )


async def shared_button(
    query: CallbackQuery, callback_data: kb.SharedCb, services: Services, user: User
) -> None:
    shared = await services.sharing.open(callback_data.code)
    message = origin(query)
    if callback_data.action == kb.SharedAction.SAVE:
        saved = await services.recipes.save_template(
            user.id, shared.template, source_key=button_key(query, "shared-save")
        )
        await query.answer()
        if message is not None:
            await answer(message, texts.SHARED_SAVED.format(name=texts.esc(saved.name)))
        return
    result = await services.bakes.start(
        user.id, shared.template.name, template=shared.template, source_key=button_key(query, "shared-start")
    )
    await reply_started(query, message, services, result)


def build_router() -> Router:
    router = Router(name="sharing")
    router.message.register(open_link, CommandStart(deep_link=True, magic=F.args.regexp(CODE)))
    router.callback_query.register(share_button, kb.CardCb.filter(F.action == kb.CardAction.SHARE))
    router.callback_query.register(share_option, kb.ShareCb.filter())
    router.callback_query.register(shared_button, kb.SharedCb.filter())
    return router
