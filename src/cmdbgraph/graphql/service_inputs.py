"""GraphQL inputs of the service-management mutations, generated from the pydantic models that
the services take (:class:`~cmdbgraph.tickets.model.NewTicket`,
:class:`~cmdbgraph.tickets.change_model.NewChange`,
:class:`~cmdbgraph.tickets.knowledge_service.NewArticle`).

GraphQL checks the shapes; pydantic then validates the values (:func:`new_ticket`,
:func:`new_change`, :func:`new_article`), and every invalid field is reported as a
``BAD_USER_INPUT`` problem whose field is its path under the argument (``input.title``). Plain
arguments checked the same way before a service sees them: a comment's text
(:func:`comment_text`, by the :class:`~cmdbgraph.tickets.model.Comment` model) and a catalog
request's form answers (:func:`answers_object`: a JSON object).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel, JsonValue, ValidationError
from strawberry.experimental.pydantic import input as pydantic_input
from strawberry.scalars import JSON

from cmdbgraph.schema import InvalidInput, Problem
from cmdbgraph.tickets.change_model import NewChange
from cmdbgraph.tickets.knowledge_service import NewArticle
from cmdbgraph.tickets.model import Comment, NewTicket

M = TypeVar("M", bound=BaseModel)
ARGUMENT = "input"


@pydantic_input(model=NewTicket, all_fields=True, name="NewTicketInput")
class NewTicketInput:
    """A ticket to open. ``affected`` are CI ids, ``requester`` and ``assignee`` Person ids,
    ``group`` a Team id, ``location`` a Location id; ``extra`` further attributes (an object)."""

    extra: JSON | None = None


@pydantic_input(model=NewChange, all_fields=True, name="NewChangeInput")
class NewChangeInput:
    """A change to create as a draft: ``changeType`` standard, normal or emergency; ``targets``
    CI ids (at least one); the window ``[windowStart, windowEnd)`` with time zones;
    ``implementer`` a Person or Team id."""

    change_type: str
    window_start: datetime
    window_end: datetime


@pydantic_input(model=NewArticle, all_fields=True, name="NewArticleInput")
class NewArticleInput:
    """A knowledge article to write; ``documents`` are the ids of the CIs it is about."""


def _values(value: object) -> dict[str, Any]:
    """An input's given fields (unset optional ones left to the model's defaults)."""
    return {k: v for k, v in vars(value).items() if v is not None}


def _validated(model: type[M], value: object) -> M:
    try:
        return model.model_validate(_values(value))
    except ValidationError as exc:
        raise InvalidInput(
            [
                Problem(
                    "INVALID_VALUE",
                    e["msg"].removeprefix("Value error, "),
                    field=".".join((ARGUMENT, *(str(p) for p in e["loc"]))),
                )
                for e in exc.errors()
            ]
        ) from None


def new_ticket(value: NewTicketInput) -> NewTicket:
    """The validated ticket (``INVALID_VALUE`` problems otherwise)."""
    return _validated(NewTicket, value)


def new_article(value: NewArticleInput) -> NewArticle:
    """The validated article (``INVALID_VALUE`` problems otherwise)."""
    return _validated(NewArticle, value)


def new_change(value: NewChangeInput) -> NewChange:
    """The validated change, checked as the service checks it (:meth:`NewChange.checked`:
    ``BAD_CHANGE_WINDOW`` for the window, ``INVALID_FIELD`` otherwise)."""
    try:
        return NewChange.checked(**_values(value))
    except InvalidInput as refused:
        raise InvalidInput([replace(p, field=f"{ARGUMENT}.{p.field}") for p in refused.problems]) from None


def comment_text(text: str, *, at: datetime, actor: str) -> str:
    """``text`` if it is a valid comment (:class:`~cmdbgraph.tickets.model.Comment`: 1 to 20000
    characters), else ``INVALID_VALUE`` on field ``text``."""
    try:
        return Comment(at=at, actor=actor, text=text).text
    except ValidationError as exc:
        raise InvalidInput(
            [Problem("INVALID_VALUE", e["msg"], field="text") for e in exc.errors() if e["loc"] == ("text",)]
        ) from None


def answers_object(answers: JsonValue) -> dict[str, JsonValue]:
    """The form answers of a catalog request: a JSON object (``INVALID_VALUE`` on ``answers``
    otherwise)."""
    if not isinstance(answers, dict):
        raise InvalidInput.one(
            "INVALID_VALUE", "answers must be a JSON object: {field: value}", field="answers"
        )
    return answers
