"""Sharing a bake: an unguessable link opens its recipe, target rise and schedule for another
baker as a template they can save or start; readings, notes and photos only if the owner ticks
them. The owner can revoke the link."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field, replace
from enum import StrEnum

from schedules.errors import ShareNotFound, ShareRevoked
from schedules.repository import Repository
from schedules.services.bakes import own_bake
from schedules.services.base import Service
from schedules.services.recipes import template_of_bake
from schedules.types import Bake, BakePhoto, BakeTemplate, RiseReading, Share, User

CODE_BYTES = 12  # secrets.token_urlsafe(12): 16 characters, 96 random bits
PHOTOS_SHOWN = 10


def new_code() -> str:
    return secrets.token_urlsafe(CODE_BYTES)


class Include(StrEnum):
    NOTES = "notes"
    READINGS = "readings"
    PHOTOS = "photos"


@dataclass(frozen=True)
class ShareResult:
    share: Share
    bake: Bake
    already_revoked: bool = False


@dataclass(frozen=True)
class SharedBake:
    """What a link shows another baker."""

    share: Share
    bake: Bake
    owner: User | None
    template: BakeTemplate
    readings: list[RiseReading] = field(default_factory=list)
    photos: list[BakePhoto] = field(default_factory=list)

    @property
    def notes(self) -> str | None:
        return self.bake.notes if self.share.include_notes else None

    @property
    def rating(self) -> int | None:
        return self.bake.rating if self.share.include_notes else None


def shared_template(bake: Bake) -> BakeTemplate:
    """Recipe, target rise (when the owner set it) and schedule: nothing else of the bake, not
    even which of the owner's saved recipes it came from."""
    return replace(template_of_bake(bake), recipe_id=None)


class ShareService(Service):
    async def share(self, user_id: int, bake_id: int) -> ShareResult:
        """The bake's live link, made on the first tap (one live link per bake)."""
        now = self.clock.now()

        def action(repo: Repository) -> ShareResult:
            bake = own_bake(repo, user_id, bake_id)
            share = repo.live_share(user_id, bake.id)
            if share is None:
                share = repo.add_share(user_id, bake.id, new_code(), now)
                assert share is not None  # the bake is the baker's: checked above
            return ShareResult(share, bake)

        return await self.db.write(action)

    async def include(self, user_id: int, share_id: int, what: Include) -> ShareResult:
        """Tick or untick what the link shows besides the recipe."""

        def action(repo: Repository) -> ShareResult:
            share = repo.get_share(user_id, share_id)
            if share is None:
                raise ShareNotFound
            bake = own_bake(repo, user_id, share.bake_id)
            if not share.live:
                return ShareResult(share, bake, already_revoked=True)
            updated = repo.update_share(
                user_id,
                share.id,
                include_notes=not share.include_notes if what == Include.NOTES else None,
                include_readings=not share.include_readings if what == Include.READINGS else None,
                include_photos=not share.include_photos if what == Include.PHOTOS else None,
            )
            return ShareResult(updated or share, bake)

        return await self.db.write(action)

    async def revoke(self, user_id: int, share_id: int) -> ShareResult:
        now = self.clock.now()

        def action(repo: Repository) -> ShareResult:
            share = repo.get_share(user_id, share_id)
            if share is None:
                raise ShareNotFound
            bake = own_bake(repo, user_id, share.bake_id)
            if not share.live:
                return ShareResult(share, bake, already_revoked=True)
            return ShareResult(repo.update_share(user_id, share.id, revoked_at=now) or share, bake)

        return await self.db.write(action)

    async def open(self, code: str) -> SharedBake:
        """What a link shows, for anyone holding it. The code is the key: what it reaches is
        read scoped by its owner's id."""

        def action(repo: Repository) -> SharedBake:
            share = repo.share_by_code(code)
            if share is None:
                raise ShareNotFound
            if not share.live:
                raise ShareRevoked
            bake = repo.get_bake(share.user_id, share.bake_id)
            if bake is None:
                raise ShareNotFound
            readings = repo.rise_readings(share.user_id, bake.id) if share.include_readings else []
            photos = repo.photos(share.user_id, bake.id, limit=PHOTOS_SHOWN) if share.include_photos else []
            return SharedBake(
                share, bake, repo.get_user(share.user_id), shared_template(bake), readings, photos
            )

        return await self.db.read(action)
