"""Photos of a bake: a photo sent while a bake is going (or after "📷 Add photo" on a card) goes
onto it; with none going the baker picks the bake. A card's "🖼 Photos" sends them back as an
album, ten at a time. Only Telegram's file_id is kept."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InputMediaPhoto, Message

from bot import keyboards as kb
from bot import texts
from bot.replies import answer, clock, message_key, origin
from bot.states import PhotoFor
from schedules.services import Services
from schedules.services.photos import PAGE_SIZE, PhotoPage, PhotoResult
from schedules.types import User

ALBUM_REPLIED = "photo_album_replied"  # the album (media group) a reply was sent for already


def added_text(result: PhotoResult) -> str:
    assert result.bake is not None and result.photo is not None
    name = texts.esc(result.bake.name)
    if result.elsewhere:
        return texts.PHOTO_ELSEWHERE.format(name=name)
    if result.replayed:
        return texts.PHOTO_REPLAYED.format(name=name)
    caption = f" — “{texts.esc(result.photo.caption)}”" if result.photo.caption else ""
    return texts.PHOTO_ADDED.format(name=name, caption=caption)


async def photo(
    message: Message, state: FSMContext, services: Services, user: User, raw_state: str | None
) -> None:
    assert message.photo
    largest = message.photo[-1]
    data = await state.get_data()
    bake_id = data.get("bake_id") if raw_state == PhotoFor.bake.state else None
    group = message.media_group_id
    if bake_id is not None and not (group and data.get("photo_group") in (None, group)):
        await state.clear()  # one photo (or one album) per "📷 Add photo"
    elif bake_id is not None:
        await state.update_data(photo_group=group)
    result = await services.photos.add(
        user.id,
        largest.file_id,
        largest.file_unique_id,
        message.caption,
        bake_id=int(bake_id) if bake_id is not None else None,
        source_key=message_key(message),
    )
    if group is not None and result.bake is not None:
        if data.get(ALBUM_REPLIED) == group:
            return  # the album's first photo was answered; the others go on quietly
        await state.update_data({ALBUM_REPLIED: group})
    if result.photo is None:
        await answer(message, str(texts.PHOTO_NO_BAKES))
    elif result.bake is None:
        await answer(
            message,
            str(texts.PHOTO_CHOOSE),
            kb.choose_bake_for_photo(result.photo.id, result.choices),
        )
    else:
        await answer(message, added_text(result))


async def attach(query: CallbackQuery, callback_data: kb.PhotoCb, services: Services, user: User) -> None:
    result = await services.photos.attach(user.id, callback_data.photo_id, callback_data.bake_id)
    text = added_text(result)
    message = origin(query)
    if result.replayed:
        await query.answer(texts.plain(text))
        return
    await query.answer()
    if message is not None:
        await message.edit_text(text)


async def add_photo_button(
    query: CallbackQuery, callback_data: kb.CardCb, state: FSMContext, services: Services, user: User
) -> None:
    details = await services.bakes.details(user.id, callback_data.bake_id)
    await state.set_state(PhotoFor.bake)
    await state.update_data(bake_id=details.bake.id, photo_group=None)
    await query.answer()
    message = origin(query)
    if message is not None:
        await answer(message, texts.PHOTO_ASK.format(name=texts.esc(details.bake.name)))


async def send_page(message: Message, bot: Bot, services: Services, found: PhotoPage) -> None:
    name = texts.esc(found.bake.name)
    if not found.photos:
        await answer(message, texts.PHOTOS_NONE.format(name=name))
        return
    zone, _ = clock(services, found.user)

    def caption(index: int) -> str:
        shot = found.photos[index]
        when = texts.fmt_date(shot.taken_at, zone)
        return f"{texts.esc(shot.caption)} · {when}" if shot.caption else when

    if len(found.photos) == 1:
        await message.answer_photo(found.photos[0].file_id, caption=caption(0))
    else:
        await bot.send_media_group(
            message.chat.id,
            [InputMediaPhoto(media=shot.file_id, caption=caption(i)) for i, shot in enumerate(found.photos)],
        )
    if found.pages > 1:
        first = found.page * PAGE_SIZE + 1
        await answer(
            message,
            texts.PHOTOS_PAGE.format(
                name=name, first=first, last=first + len(found.photos) - 1, total=found.total
            ),
            kb.photo_pages(found.bake.id, found.page, found.pages),
        )


async def photos_button(
    query: CallbackQuery, callback_data: kb.CardCb, bot: Bot, services: Services, user: User
) -> None:
    found = await services.photos.page(user.id, callback_data.bake_id, 0)
    await query.answer()
    message = origin(query)
    if message is not None:
        await send_page(message, bot, services, found)


async def photos_page(
    query: CallbackQuery, callback_data: kb.PhotoPageCb, bot: Bot, services: Services, user: User
) -> None:
    found = await services.photos.page(user.id, callback_data.bake_id, callback_data.page)
    await query.answer()
    message = origin(query)
    if message is not None:
        await send_page(message, bot, services, found)


def build_router() -> Router:
    """After history's router: a photo sent while /import waits for a file is answered there."""
    router = Router(name="photos")
    router.message.register(photo, F.photo)
    router.callback_query.register(attach, kb.PhotoCb.filter())
    router.callback_query.register(add_photo_button, kb.CardCb.filter(F.action == kb.CardAction.PHOTO_ADD))
    router.callback_query.register(photos_button, kb.CardCb.filter(F.action == kb.CardAction.PHOTOS))
    router.callback_query.register(photos_page, kb.PhotoPageCb.filter())
    return router
