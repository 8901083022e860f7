"""Photos of a bake (the crumb, the loaf): Telegram's file_id is kept, never the picture."""

from __future__ import annotations

from dataclasses import dataclass, field

from schedules.errors import PhotoNotFound
from schedules.repository import Repository
from schedules.services.bakes import own_bake
from schedules.services.base import Service, baker
from schedules.types import Bake, BakePhoto, User

CAPTION_MAX = 1024  # Telegram's own limit for a caption
CHOICES = 5  # bakes offered for a photo that came with none going
PAGE_SIZE = 10  # one album (sendMediaGroup takes 2-10)


@dataclass(frozen=True)
class PhotoResult:
    user: User
    photo: BakePhoto | None  # None: the baker has no bake to put it on
    bake: Bake | None  # where it went; None: waiting for the baker to pick one of `choices`
    choices: list[Bake] = field(default_factory=list)
    replayed: bool = False  # the same message again, or a second tap
    elsewhere: bool = False  # the photo had gone onto another bake already


@dataclass(frozen=True)
class PhotoPage:
    user: User
    bake: Bake
    photos: list[BakePhoto]
    total: int
    page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


class PhotoService(Service):
    async def add(
        self,
        user_id: int,
        file_id: str,
        file_unique_id: str | None,
        caption: str | None,
        *,
        bake_id: int | None = None,
        source_key: str | None = None,
    ) -> PhotoResult:
        """A photo onto the bake named (after "📷 Add photo"), else the current bake; with none
        going, it waits for the baker to pick one of their latest bakes. The same message twice
        adds one photo."""
        now = self.clock.now()
        caption = caption[:CAPTION_MAX] if caption else None

        def action(repo: Repository) -> PhotoResult:
            user = baker(repo, user_id)
            if source_key is not None and (earlier := repo.photo_by_source(user_id, source_key)):
                bake = repo.get_bake(user_id, earlier.bake_id) if earlier.bake_id else None
                choices = [] if bake else repo.list_bakes(user_id, limit=CHOICES)
                return PhotoResult(user, earlier, bake, choices, replayed=True)
            bake = own_bake(repo, user_id, bake_id) if bake_id is not None else repo.current_bake(user_id)
            if bake is None:
                choices = repo.list_bakes(user_id, limit=CHOICES)
                if not choices:
                    return PhotoResult(user, None, None)
                photo = repo.add_photo(user_id, None, file_id, file_unique_id, caption, now, source_key)
                return PhotoResult(user, photo, None, choices)
            photo = repo.add_photo(user_id, bake.id, file_id, file_unique_id, caption, now, source_key)
            return PhotoResult(user, photo, bake)

        return await self.db.write(action)

    async def attach(self, user_id: int, photo_id: int, bake_id: int) -> PhotoResult:
        """The baker picked the bake for a waiting photo. A second tap changes nothing."""

        def action(repo: Repository) -> PhotoResult:
            user = baker(repo, user_id)
            photo = repo.get_photo(user_id, photo_id)
            if photo is None:
                raise PhotoNotFound
            bake = own_bake(repo, user_id, bake_id)
            if photo.bake_id is not None:
                where = repo.get_bake(user_id, photo.bake_id) or bake
                return PhotoResult(user, photo, where, replayed=True, elsewhere=where.id != bake.id)
            photo = repo.attach_photo(user_id, photo.id, bake.id) or photo
            return PhotoResult(user, photo, bake)

        return await self.db.write(action)

    async def page(self, user_id: int, bake_id: int, page: int) -> PhotoPage:
        def action(repo: Repository) -> PhotoPage:
            user = baker(repo, user_id)
            bake = own_bake(repo, user_id, bake_id)
            total = repo.count_photos(user_id, bake.id)
            number = min(max(page, 0), max(0, (total - 1) // PAGE_SIZE))
            photos = repo.photos(user_id, bake.id, limit=PAGE_SIZE, offset=number * PAGE_SIZE)
            return PhotoPage(user, bake, photos, total, number)

        return await self.db.read(action)
