"""The analysis snapshot: a compact, integer-indexed form of the graph for failure propagation.

Built once from CIs and relationships (and the registry's impact semantics), then queried many
times by pure functions. Every propagating relationship becomes one *flow edge* from its
provider to its consumer (the end a failure flows to), with a code:

- ``HARD``: a failure of the provider takes the consumer down;
- ``SOFT``: it only degrades the consumer (``optional`` relationships, and types whose
  ``effect`` is ``degraded`` such as ``PART_OF``), even when it names a redundancy group: such a
  member still counts in the group's size but its loss never counts towards the quorum;
- ``GROUP + g``: the provider is a member of redundancy group ``g`` of the consumer; the consumer
  goes down once ``lost_threshold[g]`` members are down, and is degraded before that.

Adjacency is stored as tuples per node (``consumers[p]``, ``providers[c]``): iterating small
tuples is the fastest traversal form pure Python has, and the hot loops in ``blast_radius``
use nothing else.

>>> from cmdbgraph.schema import CIData, Relationship
>>> g = ImpactGraph.build(
...     [CIData(id=i, kind="Service") for i in ("web", "db")],
...     [Relationship(source="web", target="db", type="DEPENDS_ON")],
... )
>>> g.consumers[g.index["db"]], g.consumer_codes[g.index["db"]]
((0,), (0,))
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from cmdbgraph.schema import DEFAULT_REGISTRY, CIData, Registry, Relationship, Status
from cmdbgraph.schema.redundancy import collect_groups

HARD = 0
SOFT = 1
GROUP = 2

NOTIFY_TYPES = frozenset({"OWNED_BY", "SUPPORTED_BY"})
"""Relationship types whose targets are told about an impacted CI."""


@dataclass(frozen=True)
class GroupInfo:
    """A redundancy group in the snapshot."""

    consumer: int
    name: str
    size: int
    required: int

    @property
    def lost_threshold(self) -> int:
        """How many members must be down for the consumer to go down."""
        return max(1, self.size - self.required + 1)


@dataclass(frozen=True)
class FlowArrays:
    """The failure-flow edges in CSR form (numpy), for vectorised traversal.

    ``ptr[p]:ptr[p+1]`` indexes the edges out of provider ``p``; ``dst`` holds their consumers,
    ``code`` their edge codes, ``rtype`` an index into ``type_names``. ``threshold[g]`` is the
    number of lost members that takes group ``g``'s consumer down.
    """

    ptr: npt.NDArray[np.int64]
    dst: npt.NDArray[np.int32]
    code: npt.NDArray[np.int32]
    rtype: npt.NDArray[np.int16]
    type_names: tuple[str, ...]
    threshold: npt.NDArray[np.int32]
    maintenance: npt.NDArray[np.bool_]

    @classmethod
    def build(cls, g: ImpactGraph) -> FlowArrays:
        counts = np.fromiter((len(c) for c in g.consumers), dtype=np.int64, count=len(g.consumers))
        ptr = np.zeros(len(counts) + 1, dtype=np.int64)
        np.cumsum(counts, out=ptr[1:])
        names = tuple(sorted({t for ts in g.consumer_types for t in ts}))
        type_id = {t: i for i, t in enumerate(names)}
        m = int(ptr[-1])
        return cls(
            ptr=ptr,
            dst=np.fromiter((c for cs in g.consumers for c in cs), dtype=np.int32, count=m),
            code=np.fromiter((c for cs in g.consumer_codes for c in cs), dtype=np.int32, count=m),
            rtype=np.fromiter((type_id[t] for ts in g.consumer_types for t in ts), dtype=np.int16, count=m),
            type_names=names,
            threshold=np.array(g.thresholds, dtype=np.int32),
            maintenance=np.array([s is Status.MAINTENANCE for s in g.status], dtype=np.bool_),
        )


@dataclass
class ImpactGraph:
    """Integer-indexed failure-flow graph plus the attributes analysis needs."""

    ids: list[str] = field(default_factory=list)
    index: dict[str, int] = field(default_factory=dict)
    kinds: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    criticality: list[int] = field(default_factory=list)
    status: list[Status] = field(default_factory=list)
    # failure flow: provider -> consumers (and back), with edge codes and relationship types
    consumers: list[tuple[int, ...]] = field(default_factory=list)
    consumer_codes: list[tuple[int, ...]] = field(default_factory=list)
    consumer_types: list[tuple[str, ...]] = field(default_factory=list)
    providers: list[tuple[int, ...]] = field(default_factory=list)
    provider_codes: list[tuple[int, ...]] = field(default_factory=list)
    provider_types: list[tuple[str, ...]] = field(default_factory=list)
    groups: list[GroupInfo] = field(default_factory=list)
    thresholds: list[int] = field(default_factory=list)
    """``groups[g].lost_threshold`` for every group, precomputed for the hot loops."""
    # non-propagating links used by summaries: CI -> [(type, target)]
    links: dict[int, list[tuple[str, int]]] = field(default_factory=dict)
    degree: list[int] = field(default_factory=list)
    flow: FlowArrays | None = None

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def build(
        cls,
        cis: Iterable[CIData],
        relationships: Iterable[Relationship],
        registry: Registry = DEFAULT_REGISTRY,
    ) -> ImpactGraph:
        """The snapshot of ``cis`` and ``relationships`` (relationships to unknown CIs and of
        unknown types are ignored)."""
        g = cls()
        for ci in cis:
            g.index[ci.id] = len(g.ids)
            g.ids.append(ci.id)
            g.kinds.append(ci.kind)
            g.names.append(ci.name)
            g.criticality.append(ci.criticality)
            g.status.append(ci.status)
        n = len(g.ids)
        g.degree = [0] * n
        rels = list(relationships)
        group_ids: dict[tuple[str, str], int] = {}
        for (consumer_id, name), group in sorted(collect_groups(rels, registry).items()):
            if consumer_id in g.index:
                group_ids[(consumer_id, name)] = len(g.groups)
                g.groups.append(GroupInfo(g.index[consumer_id], name, len(group.providers), group.required))
        cons: list[list[tuple[int, int, str]]] = [[] for _ in range(n)]
        provs: list[list[tuple[int, int, str]]] = [[] for _ in range(n)]
        seen_group_member: set[tuple[int, int]] = set()
        for rel in rels:
            s, t = g.index.get(rel.source), g.index.get(rel.target)
            spec = registry.rel_types.get(rel.type)
            if s is None or t is None or spec is None:
                continue
            g.degree[s] += 1
            g.degree[t] += 1
            if not spec.propagates:
                g.links.setdefault(s, []).append((rel.type, t))
                continue
            provider, consumer = (t, s) if spec.flows == "to_source" else (s, t)
            if rel.optional or spec.effect == "degraded":
                code = SOFT  # never takes its consumer down, even as a group member
            elif rel.redundancy_group is not None:
                gid = group_ids[(g.ids[consumer], rel.redundancy_group)]
                if (gid, provider) in seen_group_member:
                    continue  # one provider counts once in its group
                seen_group_member.add((gid, provider))
                code = GROUP + gid
            else:
                code = HARD
            cons[provider].append((consumer, code, rel.type))
            provs[consumer].append((provider, code, rel.type))
        g.consumers, g.consumer_codes, g.consumer_types = _columns(cons)
        g.providers, g.provider_codes, g.provider_types = _columns(provs)
        g.thresholds = [grp.lost_threshold for grp in g.groups]
        g.flow = FlowArrays.build(g)
        return g

    def path_ids(self, path: Iterable[int]) -> tuple[str, ...]:
        """Ids of a path of indices."""
        ids = self.ids
        return tuple(ids[i] for i in path)


def _columns(
    adjacency: list[list[tuple[int, int, str]]],
) -> tuple[list[tuple[int, ...]], list[tuple[int, ...]], list[tuple[str, ...]]]:
    """Per node: its neighbours, edge codes and relationship types as parallel sorted tuples."""
    nodes: list[tuple[int, ...]] = []
    codes: list[tuple[int, ...]] = []
    types: list[tuple[str, ...]] = []
    for edges in adjacency:
        edges.sort()
        nodes.append(tuple(e[0] for e in edges))
        codes.append(tuple(e[1] for e in edges))
        types.append(tuple(e[2] for e in edges))
    return nodes, codes, types
