"""Models of what the API answers: they document the responses in the OpenAPI document.

Stored documents carry fields this service does not own (discovery adds type-specific
ones), so document models allow extra keys; the keys the API promises are declared.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from calipso.api.operations import Answer


class Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class ErrorDetail(BaseModel):
    code: int
    title: str
    message: str
    field: str | None = None


class ErrorBody(BaseModel):
    error: ErrorDetail


ERRORS: dict[int, Answer] = {
    400: Answer("invalid input; `error.field` names the key", ErrorBody),
    401: Answer("no, unknown or expired credentials", ErrorBody),
    403: Answer("the caller's role does not allow this", ErrorBody),
    404: Answer("no such object, or no environment of the given name", ErrorBody),
    409: Answer("conflicts with what is stored (a name taken, a renaming)", ErrorBody),
}


class Message(BaseModel):
    message: str
    id: str | None = None


class TokenAnswer(BaseModel):
    token: str
    issued_at: str
    expires_at: str
    method: str
    user: str
    role: str
    id_: str = Field(alias="_id")


class UserItem(BaseModel):
    id: str
    name: str
    role: str | None = None
    source: str | None = None


class Item(Open):
    """A projected list entry: always an ``id``, plus the resource's list fields."""

    id: Any = None


class Document(Open):
    """A whole stored document, ``_id`` as text."""

    id_: str | None = Field(None, alias="_id")


class ItemList:
    """Builds ``{<plural>: [item], total, page, page_size}`` models."""

    @staticmethod
    def of(plural: str, item: type[BaseModel] = Item, name: str | None = None
           ) -> type[BaseModel]:
        """``name``: the model's, when another list of the same plural has other items."""
        name = name or "".join(part.title() for part in plural.split("_")) + "List"
        fields: dict[str, Any] = {
            plural: (list[item], ...),  # type: ignore[valid-type]
            "total": (int, Field(description="matches over all pages")),
            "page": (int, ...),
            "page_size": (int, ...),
        }
        return create_model(name, **fields)


def list_or_document(plural: str, item: type[BaseModel] = Item) -> Answer:
    """GETs that answer a list, or one whole document when its key is given."""
    return Answer(f"a page of {plural}, or one whole document when its key is given",
                  (ItemList.of(plural, item), Document))
