"""Categories (admins): create, rename, delete while unused."""

from __future__ import annotations

import uuid

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from common.errors import Conflict, Invalid, NotFound
from write.catalog.access import require_admin
from write.catalog.commands import CategoryOut, ChangeCategory, CreateCategory
from write.catalog.models import Category, Course
from write.catalog.text import slugify
from write.events import CategoryChanged, CategoryCreated, CategoryDeleted
from write.identity.models import User
from write.outbox import UnitOfWork


def _slug_taken() -> Conflict:
    return Conflict("a category with this slug exists", fields={"slug": "already used"},
                    code="slug_taken")


async def _flush_unique(uow: UnitOfWork) -> None:
    try:
        await uow.session.flush()
    except IntegrityError as exc:
        raise _slug_taken() from exc


def _slug_for(name: str, slug: str | None) -> str:
    result = slug or slugify(name)
    if not result:
        raise Invalid("the name gives no usable slug; send one",
                      fields={"slug": "required for this name"})
    return result


async def create_category(uow: UnitOfWork, admin: User, cmd: CreateCategory) -> CategoryOut:
    require_admin(admin)
    category = Category(id=uuid.uuid4(), name=cmd.name, slug=_slug_for(cmd.name, cmd.slug),
                        version=1)
    uow.session.add(category)
    await _flush_unique(uow)
    uow.record(CategoryCreated(category_id=category.id, name=category.name, slug=category.slug))
    return CategoryOut(id=category.id, name=category.name, slug=category.slug)


async def _locked(uow: UnitOfWork, category_id: uuid.UUID) -> Category:
    category = (await uow.session.scalars(
        select(Category).where(Category.id == category_id).with_for_update())).first()
    if category is None:
        raise NotFound("no such category", code="category_not_found")
    return category


async def change_category(uow: UnitOfWork, admin: User, category_id: uuid.UUID,
                          cmd: ChangeCategory) -> CategoryOut:
    require_admin(admin)
    category = await _locked(uow, category_id)
    before = (category.name, category.slug)
    category.name = cmd.name if cmd.name is not None else category.name
    category.slug = cmd.slug if cmd.slug is not None else category.slug
    if (category.name, category.slug) != before:
        category.version += 1
        await _flush_unique(uow)
        uow.record(CategoryChanged(category_id=category.id, name=category.name,
                                   slug=category.slug))
    return CategoryOut(id=category.id, name=category.name, slug=category.slug)


async def delete_category(uow: UnitOfWork, admin: User, category_id: uuid.UUID) -> None:
    require_admin(admin)
    category = await _locked(uow, category_id)
    if await uow.session.scalar(select(exists().where(Course.category_id == category_id))):
        raise Conflict("courses still use this category; move them first", code="category_in_use")
    await uow.session.delete(category)
    uow.record(CategoryDeleted(category_id=category_id))
