"""Opening and working tickets on a :class:`GraphStore` (either backend).

Every operation is one ``apply`` batch: the ticket node and its links change together or not at
all, and the store's audit history records each change with the caller as actor. References
(affected CIs, requester, group, assignee, location) are checked first and refused with
field-level problems (``UNKNOWN_REFERENCE``, ``WRONG_KIND``); lifecycle moves go through
:func:`~cmdbgraph.tickets.lifecycle.transition` (``ILLEGAL_TRANSITION``).

Problems link the incidents they cause: ``incident -CAUSED_BY-> problem``
(:meth:`TicketService.link_problem`), as an incident may be ``CAUSED_BY`` a change. Those links
are not among the ticket's own links (``LINK_TYPES``), so saving a ticket (a move, a comment)
never drops them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from cmdbgraph.graphdb import Batch, Direction, GraphStore
from cmdbgraph.schema import CINotFound, InvalidInput, Problem, Relationship
from cmdbgraph.tickets.lifecycle import Event, TicketType, transition
from cmdbgraph.tickets.model import (
    ID_PREFIX,
    LINK_TYPES,
    TYPE_OF_KIND,
    Comment,
    NewTicket,
    StateChange,
    Ticket,
    ticket_batch,
    ticket_from_graph,
)

Clock = Callable[[], datetime]

CAUSED_BY = "CAUSED_BY"
"""``incident -CAUSED_BY-> problem`` (or ``-> change``)."""

_REFERENCE_KINDS: dict[str, tuple[str, ...] | None] = {
    "requester": ("Person",),
    "group": ("Team",),
    "assignee": ("Person",),
    "location": ("Location",),
    "affected": None,  # any CI
}


def random_ticket_id(ticket_type: TicketType) -> str:
    """``INC-``/``REQ-``/``PRB-`` and 10 random hex digits (no coordination between writers)."""
    return f"{ID_PREFIX[ticket_type]}-{uuid.uuid4().hex[:10].upper()}"


def _utc_now() -> datetime:
    return datetime.now(UTC)


class TicketService:
    """Tickets on ``store``. ``clock`` and ``new_id`` are injectable for tests."""

    def __init__(
        self,
        store: GraphStore,
        *,
        clock: Clock = _utc_now,
        new_id: Callable[[TicketType], str] = random_ticket_id,
    ) -> None:
        self.store = store
        self.clock = clock
        self.new_id = new_id

    # -- reading -----------------------------------------------------------------------------
    def get(self, ticket_id: str) -> Ticket:
        """The ticket, or ``CINotFound`` (also when the id names a CI that is not a ticket)."""
        node = self.store.find_ci(ticket_id)
        if node is None or node.kind not in TYPE_OF_KIND:
            raise CINotFound(ticket_id)
        out = [n for n in self.store.neighbours(ticket_id, Direction.OUT, LINK_TYPES) if n.direction == "out"]
        kinds = {n.ci.id: n.ci.kind for n in out}
        return ticket_from_graph(node.content(), [n.relationship for n in out], kinds)

    def incidents_of(self, problem_id: str) -> tuple[str, ...]:
        """The incidents ``CAUSED_BY`` the problem, sorted. ``CINotFound`` for an unknown id,
        ``WRONG_KIND`` (field ``problem``) when it is not a ``Problem``."""
        self._expect_kind(problem_id, "Problem", "problem")
        return tuple(
            sorted(
                n.ci.id
                for n in self.store.neighbours(problem_id, Direction.IN, [CAUSED_BY])
                if n.direction == "in" and n.ci.kind == "Incident"
            )
        )

    def causes_of(self, ticket_id: str) -> tuple[str, ...]:
        """What the ticket is ``CAUSED_BY`` (problems, changes), sorted. ``CINotFound`` for an
        id that is not a ticket."""
        self.get(ticket_id)
        return tuple(
            sorted(
                n.ci.id
                for n in self.store.neighbours(ticket_id, Direction.OUT, [CAUSED_BY])
                if n.direction == "out"
            )
        )

    # -- writing -----------------------------------------------------------------------------
    def link_problem(self, problem_id: str, incident_ids: Iterable[str], *, actor: str) -> tuple[str, ...]:
        """Link each incident to the problem that causes it (``incident -CAUSED_BY->
        problem``), in one batch; returns every incident of the problem afterwards.

        ``CINotFound`` for an unknown problem; ``InvalidInput`` with ``WRONG_KIND`` (field
        ``problem``, or ``incidents[i]``) for a problem that is not a ``Problem`` or an incident
        that is not an ``Incident``, ``UNKNOWN_REFERENCE`` (``incidents[i]``) for an unknown
        incident and ``INCIDENTS_REQUIRED`` for none. Linking an incident again changes nothing.
        """
        incidents = list(dict.fromkeys(incident_ids))
        problems: list[Problem] = []
        problem = self._kind_problem(problem_id, "Problem", "problem")
        if problem is not None:
            problems.append(problem)
        if not incidents:
            problems.append(
                Problem("INCIDENTS_REQUIRED", "name at least one incident to link", field="incidents")
            )
        for i, incident in enumerate(incidents):
            ci = self.store.find_ci(incident)
            if ci is None:
                problems.append(
                    Problem("UNKNOWN_REFERENCE", f"no CI with id {incident!r}", field=f"incidents[{i}]")
                )
            elif ci.kind != "Incident":
                problems.append(
                    Problem(
                        "WRONG_KIND",
                        f"{incident!r} is of kind {ci.kind}, not Incident",
                        field=f"incidents[{i}]",
                    )
                )
        if problems:
            raise InvalidInput(problems)
        links = [Relationship(source=i, target=problem_id, type=CAUSED_BY) for i in incidents]
        self.store.apply(Batch(upsert_relationships=links), actor=actor, source="tickets")
        return self.incidents_of(problem_id)

    def open(self, new: NewTicket, *, actor: str) -> Ticket:
        """Open a ticket (priority from the ITIL matrix; ``assigned`` when a group is given)."""
        self._check_references(new)
        ticket = Ticket.opened(self.new_id(new.type), new, at=self.clock(), actor=actor)
        self._save(ticket, None, actor=actor)
        return ticket

    def move(
        self,
        ticket_id: str,
        event: Event,
        *,
        actor: str,
        group: str | None = None,
        assignee: str | None = None,
    ) -> Ticket:
        """Apply a lifecycle ``event``; ``assign`` takes the new ``group`` and/or ``assignee``."""
        before = self.get(ticket_id)
        state = transition(before.type, before.state, event, where=ticket_id)
        changes: dict[str, object] = {"state": state}
        if event is Event.ASSIGN:
            if group is None and assignee is None:
                raise InvalidInput.one(
                    "ASSIGNEE_REQUIRED", "assign needs a group or an assignee", where=ticket_id, field="group"
                )
            self._check_references(before.model_copy(update={"group": group, "assignee": assignee}))
            changes["group"] = group if group is not None else before.group
            changes["assignee"] = assignee
        at = self.clock()
        changes["timeline"] = (*before.timeline, StateChange(at=at, state=state, actor=actor))
        after = before.model_copy(update=changes)
        self._save(after, before, actor=actor)
        return after

    def comment(self, ticket_id: str, text: str, *, actor: str) -> Ticket:
        """Add a comment."""
        before = self.get(ticket_id)
        note = Comment(at=self.clock(), actor=actor, text=text)
        after = before.model_copy(update={"comments": (*before.comments, note)})
        self._save(after, before, actor=actor)
        return after

    def _save(self, ticket: Ticket, before: Ticket | None, *, actor: str) -> None:
        """Write the ticket node and its links in one batch, dropping links it no longer has."""
        node, links = ticket_batch(ticket)
        stale = []
        if before is not None:
            kept = {r.key for r in links}
            stale = [r.key for r in ticket_batch(before)[1] if r.key not in kept]
        self.store.apply(
            Batch(upsert_cis=[node], upsert_relationships=links, delete_relationships=stale),
            actor=actor,
            source="tickets",
        )

    def _kind_problem(self, ci_id: str, kind: str, field: str) -> Problem | None:
        """None when ``ci_id`` is a ``kind``; ``CINotFound`` when it does not exist."""
        ci = self.store.find_ci(ci_id)
        if ci is None:
            raise CINotFound(ci_id)
        if ci.kind != kind:
            return Problem("WRONG_KIND", f"{ci_id!r} is of kind {ci.kind}, not {kind}", field=field)
        return None

    def _expect_kind(self, ci_id: str, kind: str, field: str) -> None:
        problem = self._kind_problem(ci_id, kind, field)
        if problem is not None:
            raise InvalidInput([problem])

    def _check_references(self, new: NewTicket) -> None:
        problems: list[Problem] = []
        for name, kinds in _REFERENCE_KINDS.items():
            value = getattr(new, name)
            ids: tuple[str, ...] = value if isinstance(value, tuple) else (() if value is None else (value,))
            for i, ref in enumerate(ids):
                field = f"{name}[{i}]" if isinstance(value, tuple) else name
                ci = self.store.find_ci(ref)
                if ci is None:
                    problems.append(Problem("UNKNOWN_REFERENCE", f"no CI with id {ref!r}", field=field))
                elif kinds is not None and ci.kind not in kinds:
                    problems.append(
                        Problem(
                            "WRONG_KIND", f"{ref!r} is a {ci.kind}, not a {' or '.join(kinds)}", field=field
                        )
                    )
        if problems:
            raise InvalidInput(problems)
