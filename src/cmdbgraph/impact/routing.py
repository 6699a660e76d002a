"""Ticket routing: choose the assignment group and assignee of a ticket from the graph.

:func:`route` applies four rules in order; the first that finds a group decides
(:attr:`RoutingDecision.rule`):

1. ``affected_ci_support``: an affected CI has a support group (``CI -SUPPORTED_BY-> Team``).
   With several such CIs the most critical one decides (criticality 1 before 4, then by id).
2. ``dependency_support``: the nearest CI that an affected CI depends on or belongs to and that
   has a support group. Breadth-first from all affected CIs at once along
   :data:`DEPENDENCY_TYPES` (``DEPENDS_ON``, ``RUNS_ON``, ``USES_DATA``, ``PART_OF``), always
   from source to target (consumer to provider, part to whole); the fewest hops win, ties by
   the criticality of the supported CI, then its id.
3. ``location``: the ticket's location (a room, floor, building or site) and then, level by
   level, the locations it lies in (``LOCATED_IN`` or ``PART_OF`` to a CI of a ``location``
   category kind). At each level, nearest first, the first of these that exists decides:

   a. the ``facilities_team_of`` override for that location id;
   b. a team that supports the location (``Location -SUPPORTED_BY-> Team``);
   c. a facilities team located there (``Team -LOCATED_IN-> Location`` with the team attribute
      ``department`` equal to ``"facilities"``, case-insensitively). The demo enterprise links
      no team to a location by ``SUPPORTED_BY``; its teams sit on sites, so a floor routes to
      a facilities team on the floor's site. Among several: a team with a member who has the
      required skills first, then the most specific team (the longest escalation chain: a
      squad before its team before the department), then by id.
4. ``category``: ``category_groups[request.category]`` (exact match).

Otherwise the decision is ``unrouted`` (no group, no assignee). With several support groups
on one CI (rules 1, 2 and 3b), a group with a member who has the required skills comes first,
then by id.

**Assignee.** Within the group, the members (``Person -MEMBER_OF-> Team``, retired people
excluded) whose ``skills`` attribute contains every required skill (compared after trimming
and case folding) are the candidates, ordered by open load (``open_load``, 0 when absent),
then by id; the first is the assignee. No candidate: no assignee, and the reason says why.

**Escalation.** The teams above the group, nearest first. A team's parent is its
``Team -PART_OF-> Team`` or ``Team -REPORTS_TO-> Team`` target (the demo uses ``REPORTS_TO``;
with several, the smallest id). A team with no such link falls back on its people: the teams
of the managers its members report to (``Person -REPORTS_TO-> Person``) outside the team, the
smallest id. The chain stops at a team without a parent or on a cycle.

Teams are CIs of kind ``Team``, people of kind ``Person``. Retired teams are never chosen
through a ``SUPPORTED_BY`` or ``LOCATED_IN`` link; relationships to unknown CIs or of types the registry does
not know are ignored. Every decision is deterministic: it depends on the graph's content and
the arguments, never on iteration order of the inputs.

>>> from cmdbgraph.schema import CIData, Relationship
>>> g = RoutingGraph.build(
...     [CIData(id="web", kind="Service"), CIData(id="db", kind="Database"),
...      CIData(id="dba", kind="Team"), CIData(id="ann", kind="Person")],
...     [Relationship(source="web", target="db", type="DEPENDS_ON"),
...      Relationship(source="db", target="dba", type="SUPPORTED_BY"),
...      Relationship(source="ann", target="dba", type="MEMBER_OF")],
... )
>>> d = route(g, RoutingRequest("INC-1", affected_cis=("web",)))
>>> (d.rule, d.group, d.assignee, d.path)
('dependency_support', 'dba', 'ann', ('web', 'db', 'dba'))
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal, TypeVar

from pydantic import JsonValue

from cmdbgraph.schema import DEFAULT_REGISTRY, CIData, Registry, Relationship, Status

Rule = Literal["affected_ci_support", "dependency_support", "location", "category", "unrouted"]
"""Which rule decided a routing."""

RULES: tuple[Rule, ...] = ("affected_ci_support", "dependency_support", "location", "category", "unrouted")
"""Every rule, in the order :func:`route` tries them."""

TEAM_KIND = "Team"
PERSON_KIND = "Person"
FACILITIES_DEPARTMENT = "facilities"
"""The ``department`` attribute (case-insensitive) of a team that looks after buildings."""

DEPENDENCY_TYPES = frozenset({"DEPENDS_ON", "RUNS_ON", "USES_DATA", "PART_OF"})
"""Relationship types rule 2 follows, from source to target."""
LOCATION_TYPES = frozenset({"LOCATED_IN", "PART_OF"})
"""Relationship types that lead from a location to the location it lies in."""
TEAM_PARENT_TYPES = frozenset({"PART_OF", "REPORTS_TO"})
"""Relationship types from a team to its parent team."""

_EMPTY_LOAD: Mapping[str, int] = MappingProxyType({})
_EMPTY_GROUPS: Mapping[str, str] = MappingProxyType({})


def _norm(skill: str) -> str:
    return skill.strip().casefold()


@dataclass(frozen=True)
class Hop:
    """One relationship on a routing path, as stored: ``source -[type]-> target``."""

    source: str
    type: str
    target: str

    def __str__(self) -> str:
        return f"{self.source} -{self.type}-> {self.target}"


@dataclass(frozen=True)
class RoutingGraph:
    """The part of the graph routing reads, indexed by CI id. Build it with :meth:`build`.

    Every adjacency tuple is sorted, so traversals are deterministic. Only relationships
    between known CIs and of registered types are indexed.
    """

    cis: Mapping[str, CIData] = field(default_factory=dict)
    support: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """CI -> its non-retired support teams (``SUPPORTED_BY``)."""
    dependencies: Mapping[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    """CI -> ``(target, type)`` along :data:`DEPENDENCY_TYPES` (targets that are not teams or
    people)."""
    location_parents: Mapping[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    """CI -> ``(location, type)`` it lies in (:data:`LOCATION_TYPES`, location-category
    targets)."""
    located_teams: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Location -> the non-retired teams ``LOCATED_IN`` it."""
    members: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Team -> every person ``MEMBER_OF`` it (retired ones included)."""
    teams_of: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Person -> the teams it is a member of."""
    team_parents: Mapping[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    """Team -> ``(parent team, type)`` (:data:`TEAM_PARENT_TYPES`)."""
    managers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Person -> the people it reports to."""
    skills: Mapping[str, frozenset[str]] = field(default_factory=dict)
    """Person -> its normalised skills (trimmed, case-folded)."""

    @classmethod
    def build(
        cls,
        cis: Iterable[CIData],
        relationships: Iterable[Relationship],
        registry: Registry = DEFAULT_REGISTRY,
    ) -> RoutingGraph:
        """Index ``cis`` and ``relationships``: one pass over each, linear in their size.

        ``registry`` tells which kinds are locations (category ``location``) and which
        relationship types exist; relationships to unknown CIs or of unknown types are ignored.
        """
        by_id: dict[str, CIData] = {c.id: c for c in cis}
        location_kinds = {name for name, spec in registry.kinds.items() if spec.category == "location"}

        def kind(ci_id: str) -> str:
            return by_id[ci_id].kind

        def live_team(ci_id: str) -> bool:
            c = by_id[ci_id]
            return c.kind == TEAM_KIND and c.status is not Status.RETIRED

        support: dict[str, list[str]] = {}
        deps: dict[str, list[tuple[str, str]]] = {}
        loc_parents: dict[str, list[tuple[str, str]]] = {}
        located: dict[str, list[str]] = {}
        members: dict[str, list[str]] = {}
        teams_of: dict[str, list[str]] = {}
        parents: dict[str, list[tuple[str, str]]] = {}
        managers: dict[str, list[str]] = {}
        for r in relationships:
            s, t, typ = r.source, r.target, r.type
            if s not in by_id or t not in by_id or typ not in registry.rel_types:
                continue
            sk, tk = kind(s), kind(t)
            if typ == "SUPPORTED_BY" and live_team(t):
                support.setdefault(s, []).append(t)
            if typ in DEPENDENCY_TYPES and tk not in (TEAM_KIND, PERSON_KIND):
                deps.setdefault(s, []).append((t, typ))
            if typ in LOCATION_TYPES and tk in location_kinds:
                loc_parents.setdefault(s, []).append((t, typ))
            if typ == "LOCATED_IN" and live_team(s) and tk in location_kinds:
                located.setdefault(t, []).append(s)
            if typ == "MEMBER_OF" and sk == PERSON_KIND and tk == TEAM_KIND:
                members.setdefault(t, []).append(s)
                teams_of.setdefault(s, []).append(t)
            if typ in TEAM_PARENT_TYPES and sk == TEAM_KIND and tk == TEAM_KIND:
                parents.setdefault(s, []).append((t, typ))
            if typ == "REPORTS_TO" and sk == PERSON_KIND and tk == PERSON_KIND:
                managers.setdefault(s, []).append(t)
        skills: dict[str, frozenset[str]] = {}
        for c in by_id.values():
            if c.kind == PERSON_KIND:
                raw = c.attributes.get("skills")
                values = raw if isinstance(raw, list) else []
                skills[c.id] = frozenset(_norm(v) for v in values if isinstance(v, str))
        return cls(
            cis=by_id,
            support=_frozen(support),
            dependencies=_frozen(deps),
            location_parents=_frozen(loc_parents),
            located_teams=_frozen(located),
            members=_frozen(members),
            teams_of=_frozen(teams_of),
            team_parents=_frozen(parents),
            managers=_frozen(managers),
            skills=skills,
        )

    def criticality(self, ci_id: str) -> int:
        """The criticality of a CI (5, below every real one, for an unknown id)."""
        c = self.cis.get(ci_id)
        return c.criticality if c is not None else 5

    def is_facilities_team(self, team_id: str) -> bool:
        """Whether a team's ``department`` attribute is ``facilities`` (case-insensitive)."""
        c = self.cis.get(team_id)
        if c is None or c.kind != TEAM_KIND:
            return False
        dept = c.attributes.get("department")
        return isinstance(dept, str) and _norm(dept) == FACILITIES_DEPARTMENT

    def candidates(
        self, team_id: str, required_skills: Iterable[str] = (), open_load: Mapping[str, int] = _EMPTY_LOAD
    ) -> tuple[str, ...]:
        """The non-retired members of ``team_id`` having every required skill, least open load
        first, then by id (empty for an unknown team)."""
        need = frozenset(_norm(s) for s in required_skills)
        found = [
            p
            for p in self.members.get(team_id, ())
            if self.cis[p].status is not Status.RETIRED and need <= self.skills.get(p, frozenset())
        ]
        return tuple(sorted(found, key=lambda p: (open_load.get(p, 0), p)))

    def parent_team(self, team_id: str) -> str | None:
        """The team directly above ``team_id`` (module docstring, *Escalation*), or None."""
        direct = self.team_parents.get(team_id)
        if direct:
            return min(t for t, _ in direct)
        own = set(self.members.get(team_id, ()))
        above = {
            team
            for person in own
            for manager in self.managers.get(person, ())
            if manager not in own
            for team in self.teams_of.get(manager, ())
            if team != team_id
        }
        return min(above) if above else None

    def escalation(self, team_id: str) -> tuple[str, ...]:
        """The teams above ``team_id``, nearest first; stops at the top or on a cycle."""
        chain: list[str] = []
        seen = {team_id}
        parent = self.parent_team(team_id)
        while parent is not None and parent not in seen:
            chain.append(parent)
            seen.add(parent)
            parent = self.parent_team(parent)
        return tuple(chain)


_Item = TypeVar("_Item", str, tuple[str, str])


def _frozen(index: Mapping[str, list[_Item]]) -> dict[str, tuple[_Item, ...]]:
    """Every adjacency list deduplicated, sorted and frozen."""
    return {k: tuple(sorted(set(v))) for k, v in index.items()}


@dataclass(frozen=True)
class RoutingRequest:
    """What routing knows about a ticket.

    ``affected_cis`` may be empty; ``location`` is the id of a room, floor, building or site;
    ``required_skills`` must all be held by the assignee.
    """

    ticket_id: str
    affected_cis: tuple[str, ...] = ()
    location: str | None = None
    category: str | None = None
    required_skills: frozenset[str] = frozenset()


@dataclass(frozen=True)
class RoutingDecision:
    """Where a ticket goes, which rule decided it and why.

    ``path`` lists the CI ids that led to the group, in walk order (affected CI ... supported
    CI, then the group; or location ... enclosing location, then the group); ``hops`` are the
    relationships between them as stored (so a ``Team -LOCATED_IN-> Location`` hop points
    backwards). ``path`` ends at the location when an override chose the group (no relationship
    links them), and is empty for ``category`` and ``unrouted``. ``candidates`` are the eligible
    members, best first; ``assignee`` is the first of them or None. ``escalation`` lists the
    teams above the group, nearest first. ``unknown_cis`` are requested ids not in the graph
    (affected CIs, and the location), which routing skipped.
    """

    ticket_id: str
    group: str | None
    assignee: str | None
    rule: Rule
    reason: str
    path: tuple[str, ...] = ()
    hops: tuple[Hop, ...] = ()
    escalation: tuple[str, ...] = ()
    candidates: tuple[str, ...] = ()
    unknown_cis: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, JsonValue]:
        """A JSON-ready form (hops as ``{source, type, target}`` objects)."""
        return {
            "ticket_id": self.ticket_id,
            "group": self.group,
            "assignee": self.assignee,
            "rule": self.rule,
            "reason": self.reason,
            "path": list(self.path),
            "hops": [{"source": h.source, "type": h.type, "target": h.target} for h in self.hops],
            "escalation": list(self.escalation),
            "candidates": list(self.candidates),
            "unknown_cis": list(self.unknown_cis),
        }


@dataclass(frozen=True)
class _Found:
    """A group found by one of the rules, before choosing the assignee."""

    rule: Rule
    group: str
    why: str
    path: tuple[str, ...]
    hops: tuple[Hop, ...]


def route(
    graph: RoutingGraph,
    request: RoutingRequest,
    *,
    open_load: Mapping[str, int] = _EMPTY_LOAD,
    category_groups: Mapping[str, str] = _EMPTY_GROUPS,
    facilities_team_of: Mapping[str, str] | None = None,
) -> RoutingDecision:
    """Route ``request`` on ``graph`` (rules, assignee and escalation: module docstring).

    ``open_load`` maps a person id to its open tickets; ``category_groups`` a ticket category to
    a team id; ``facilities_team_of`` a location id to the team responsible for it, overriding
    the graph at that level of the location walk. Groups named by ``category_groups`` or the
    override need not be in the graph (then they have no candidates and no escalation). Never
    raises for unknown ids: they are skipped and listed in ``unknown_cis``.
    """
    skills = frozenset(_norm(s) for s in request.required_skills)
    affected = sorted(set(request.affected_cis))
    known = [c for c in affected if c in graph.cis]
    unknown = [c for c in affected if c not in graph.cis]
    if request.location is not None and request.location not in graph.cis:
        unknown.append(request.location)
    found = (
        _by_affected_support(graph, known, skills)
        or _by_dependency_support(graph, known, skills)
        or _by_location(graph, request.location, skills, facilities_team_of or {})
        or _by_category(request.category, category_groups)
    )
    if found is None:
        return RoutingDecision(
            ticket_id=request.ticket_id,
            group=None,
            assignee=None,
            rule="unrouted",
            reason=_unrouted_reason(request, known),
            unknown_cis=tuple(unknown),
        )
    candidates = graph.candidates(found.group, skills, open_load)
    assignee = candidates[0] if candidates else None
    return RoutingDecision(
        ticket_id=request.ticket_id,
        group=found.group,
        assignee=assignee,
        rule=found.rule,
        reason=f"{found.why}; {_assignee_reason(graph, found.group, skills, candidates, open_load)}",
        path=found.path,
        hops=found.hops,
        escalation=graph.escalation(found.group),
        candidates=candidates,
        unknown_cis=tuple(unknown),
    )


def _best_team(graph: RoutingGraph, teams: Iterable[str], skills: frozenset[str]) -> str:
    """A team with a member having ``skills`` first, then the smallest id."""
    return min(teams, key=lambda t: (not graph.candidates(t, skills), t))


def _by_affected_support(graph: RoutingGraph, affected: list[str], skills: frozenset[str]) -> _Found | None:
    supported = [c for c in affected if c in graph.support]
    if not supported:
        return None
    ci_id = min(supported, key=lambda c: (graph.criticality(c), c))
    team = _best_team(graph, graph.support[ci_id], skills)
    ci = graph.cis[ci_id]
    why = f"{ci_id} ({ci.kind}, criticality {ci.criticality}) is supported by {team}"
    if len(supported) > 1:
        why += f" (the most critical of {len(supported)} affected CIs with a support group)"
    return _Found("affected_ci_support", team, why, (ci_id, team), (Hop(ci_id, "SUPPORTED_BY", team),))


def _by_dependency_support(graph: RoutingGraph, affected: list[str], skills: frozenset[str]) -> _Found | None:
    if not affected:
        return None
    # level-synchronous breadth-first search; sources and neighbours in a fixed order so the
    # recorded parent (hence the path) of every CI is deterministic
    sources = sorted(affected, key=lambda c: (graph.criticality(c), c))
    parent: dict[str, tuple[str, str] | None] = dict.fromkeys(sources)
    level = list(parent)
    while level:
        nxt: list[str] = []
        for node in level:
            for target, typ in graph.dependencies.get(node, ()):
                if target not in parent:
                    parent[target] = (node, typ)
                    nxt.append(target)
        hits = [c for c in nxt if c in graph.support]
        if hits:
            ci_id = min(hits, key=lambda c: (graph.criticality(c), c))
            team = _best_team(graph, graph.support[ci_id], skills)
            hops: list[Hop] = [Hop(ci_id, "SUPPORTED_BY", team)]
            path = [team, ci_id]
            step = parent[ci_id]
            while step is not None:
                source, typ = step
                hops.append(Hop(source, typ, path[-1]))
                path.append(source)
                step = parent[source]
            path.reverse()
            hops.reverse()
            n = len(hops) - 1
            why = (
                f"no affected CI has a support group; the nearest supported CI it depends on or"
                f" belongs to is {ci_id} ({n} hop{'s' if n != 1 else ''}: "
                f"{' '.join(_chain(hops[:-1]))}), supported by {team}"
            )
            return _Found("dependency_support", team, why, tuple(path), tuple(hops))
        level = nxt
    return None


def _chain(hops: Iterable[Hop]) -> list[str]:
    """``a -T-> b -U-> c`` as words, for hops that run forwards."""
    words: list[str] = []
    for i, h in enumerate(hops):
        if i == 0:
            words.append(h.source)
        words.append(f"-{h.type}-> {h.target}")
    return words


def _by_location(
    graph: RoutingGraph, location: str | None, skills: frozenset[str], override: Mapping[str, str]
) -> _Found | None:
    if location is None:
        return None
    parent: dict[str, tuple[str, str] | None] = {location: None}
    level = [location]
    while level:
        for loc in level:  # sorted: the first location of the nearest level that has a team wins
            found = _facilities_at(graph, loc, skills, override)
            if found is not None:
                how, team, hop = found
                path = [loc]
                hops: list[Hop] = []
                step = parent[loc]
                while step is not None:
                    source, typ = step
                    hops.append(Hop(source, typ, path[-1]))
                    path.append(source)
                    step = parent[source]
                path.reverse()
                hops.reverse()
                where = location if loc == location else f"{location} lies within {loc}, which"
                why = f"no affected CI leads to a support group; location {where} {how}"
                if hop is not None:
                    return _Found("location", team, why, (*path, team), (*hops, hop))
                return _Found("location", team, why, tuple(path), tuple(hops))
        nxt: list[str] = []
        for loc in level:
            for up, typ in graph.location_parents.get(loc, ()):
                if up not in parent:
                    parent[up] = (loc, typ)
                    nxt.append(up)
        level = sorted(nxt)
    return None


def _facilities_at(
    graph: RoutingGraph, loc: str, skills: frozenset[str], override: Mapping[str, str]
) -> tuple[str, str, Hop | None] | None:
    """``(explanation, team, hop linking loc and team)`` for the team responsible for ``loc``."""
    if loc in override:
        team = override[loc]
        return f"is assigned to {team} by the facilities override", team, None
    if loc in graph.support:
        team = _best_team(graph, graph.support[loc], skills)
        return f"is supported by {team}", team, Hop(loc, "SUPPORTED_BY", team)
    teams = [t for t in graph.located_teams.get(loc, ()) if graph.is_facilities_team(t)]
    if not teams:
        return None
    team = min(teams, key=lambda t: (not graph.candidates(t, skills), -len(graph.escalation(t)), t))
    return f"houses the facilities team {team}", team, Hop(team, "LOCATED_IN", loc)


def _by_category(category: str | None, category_groups: Mapping[str, str]) -> _Found | None:
    if category is None or category not in category_groups:
        return None
    team = category_groups[category]
    why = f"nothing in the graph leads to a group; category {category!r} is handled by {team}"
    return _Found("category", team, why, (), ())


def _assignee_reason(
    graph: RoutingGraph,
    team: str,
    skills: frozenset[str],
    candidates: tuple[str, ...],
    open_load: Mapping[str, int],
) -> str:
    wanted = f" with skills {', '.join(sorted(skills))}" if skills else ""
    if not candidates:
        if not any(graph.cis[p].status is not Status.RETIRED for p in graph.members.get(team, ())):
            return f"{team} has no members, so no assignee"
        return f"no member of {team} has{wanted.removeprefix(' with')}, so no assignee"
    best = candidates[0]
    load = open_load.get(best, 0)
    return (
        f"assigned to {best}, the member{wanted} {'and' if skills else 'with'} the least open load ({load}"
        f" open ticket{'s' if load != 1 else ''}; {len(candidates)} candidate"
        f"{'s' if len(candidates) != 1 else ''})"
    )


def _unrouted_reason(request: RoutingRequest, known: list[str]) -> str:
    tried = []
    tried.append(f"affected CIs {', '.join(known)} lead to no support group" if known else "no affected CI")
    tried.append(f"location {request.location} has no facilities team" if request.location else "no location")
    tried.append(
        f"category {request.category!r} maps to no group" if request.category is not None else "no category"
    )
    return "unrouted: " + "; ".join(tried)
