"""``config/link_finders.json``: loaded, validated and resolved once into a ``LinkFinderPlan``.

The file names the finders' package, the base class and the finders in run order. Each
name resolves by the seed's rule, module = snake_case of the class in the package
(``FindLinksForVedges`` → ``calipso.links.find_links_for_vedges``); the base class lives
in the package's ``base`` module. Every problem (bad JSON, unknown key, missing class, a
finder that is no subclass of the base or whose ``add_links`` is no coroutine function)
is one line of a single ``MetadataError`` naming the file and the field.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from calipso.errors import MetadataError
from calipso.json_file import read_json
from calipso.plugins import import_class, snake_case, validation_problems


class LinkFindersFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    finders_package: str = Field(min_length=1)
    base_finder: str = Field(min_length=1)
    link_finders: list[str] = Field(min_length=1)


@dataclass(frozen=True, slots=True)
class LinkFinderPlan:
    """The finder classes in run order."""

    finders: tuple[type, ...]
    base: type
    source: str = "config/link_finders.json"

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.__name__ for f in self.finders)


def resolve_finder(package: str, class_name: str, base: type) -> type:
    """``FindLinksForVedges`` → ``<package>.find_links_for_vedges.FindLinksForVedges``."""
    if not class_name.isidentifier():
        raise LookupError(f"{class_name!r} is not a class name")
    cls = import_class(f"{package}.{snake_case(class_name)}", class_name, package)
    if not issubclass(cls, base):
        raise LookupError(f"{class_name} is not a subclass of {base.__name__}")
    add_links = getattr(cls, "add_links", None)
    if not inspect.iscoroutinefunction(add_links) or add_links is base.add_links:
        raise LookupError(f"{class_name}.add_links is not an async def add_links(self)")
    return cls


def parse_link_plan(data: Any, source: str) -> LinkFinderPlan:
    try:
        model = LinkFindersFile.model_validate(data)
    except ValidationError as err:
        raise MetadataError(validation_problems(err, source)) from None
    try:
        base = import_class(f"{model.finders_package}.base", model.base_finder,
                             model.finders_package)
    except (LookupError, ImportError) as err:
        raise MetadataError([f"{source}: base_finder: {err}"]) from None
    problems: list[str] = []
    finders: list[type] = []
    seen: set[str] = set()
    for i, name in enumerate(model.link_finders):
        if name in seen:
            problems.append(f"{source}: link_finders[{i}]: {name} is listed twice")
            continue
        seen.add(name)
        try:
            finders.append(resolve_finder(model.finders_package, name, base))
        except (LookupError, ImportError) as err:
            problems.append(f"{source}: link_finders[{i}]: {err}")
    if problems:
        raise MetadataError(problems)
    return LinkFinderPlan(tuple(finders), base, source)


def load_link_plan(path: Path) -> LinkFinderPlan:
    return parse_link_plan(read_json(path), str(path))
