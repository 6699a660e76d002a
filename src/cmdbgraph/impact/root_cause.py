"""Root cause: which single failure best explains a set of symptoms.

Scoring
-------
A candidate ``c`` is scored by the log-likelihood ratio of what is observed under "``c``
failed" against "nothing failed", with the blast radius of ``c`` as its prediction:

- every symptom that ``c`` explains (a symptom in ``c``'s blast radius, or ``c`` itself)
  adds ``log(ALERT / NOISE)``: impacted CIs alert with probability ``ALERT`` (0.5: monitoring
  never covers everything, so an impacted data set or API that is silent is weak evidence),
  healthy ones raise a false alarm with probability ``NOISE`` (0.01);
- every CI that ``c`` predicts impacted but that is not a symptom (``c`` itself included when it
  is not alerting) adds ``log((1 - ALERT) / (1 - NOISE))`` (a missed alert is possible, but each
  one costs);
- every CI known to be healthy that ``c`` predicts impacted adds ``log(HEALTHY_MISS)``,
  a strong penalty;
- symptoms that ``c`` does not explain count the same under both hypotheses and add nothing;
- the ``evidence`` hook adds log-odds of its own per candidate (recent changes on it, its
  recorded status, past incidents: later issues plug in here).

So a deep common provider that explains every symptom beats a symptom that explains only itself
and its consumers, and among providers that explain everything the most specific one (fewest
unobserved predictions) wins. Ties are broken by fewer unobserved predictions, then by id.

A CI's blast radius here is everything its failure reaches (degraded included): redundancy
decides *how badly* a consumer suffers, not whether it notices, so an alert on a CI behind a
redundancy group is still explained by one of its members.

Search: candidates are the symptoms and everything they depend on (breadth-first from each
symptom against the failure flow, which also yields the explanation paths). The symptoms and
their direct providers are evaluated first (their scores set a floor cheaply), the rest in
order of an upper bound (explained symptoms, minus itself and its direct silent consumers as
unobserved predictions),
each with a breadth-first walk of its blast radius that stops as soon as it could no longer
reach the current top ``limit``; the search stops when no remaining bound can.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from cmdbgraph.impact.blast_radius import UNLIMITED, resolve
from cmdbgraph.impact.graph import ImpactGraph
from cmdbgraph.schema import InvalidInput

ALERT = 0.5
NOISE = 0.01
HEALTHY_MISS = 0.001
EXPLAINED = math.log(ALERT / NOISE)
UNOBSERVED = math.log((1 - ALERT) / (1 - NOISE))
CONTRADICTED = math.log(HEALTHY_MISS)

Evidence = Callable[[str], float]
"""Extra log-odds for a candidate id (0 for none)."""


@dataclass(frozen=True)
class Candidate:
    """A possible root cause, its score and what it explains."""

    id: str
    kind: str
    name: str
    score: float
    explains: tuple[str, ...]
    paths: dict[str, tuple[str, ...]] = field(repr=False)
    unobserved: int
    contradicts: tuple[str, ...]
    evidence: float

    @property
    def path(self) -> tuple[str, ...]:
        """The explanation path to the farthest explained symptom."""
        return max(self.paths.values(), key=lambda p: (len(p), p)) if self.paths else (self.id,)


def _upstream_of(g: ImpactGraph, symptom: int, max_depth: int) -> dict[int, int]:
    """Every CI whose failure reaches ``symptom`` -> the next CI on its path towards it."""
    nxt: dict[int, int] = {symptom: -1}
    depth = {symptom: 0}
    queue = deque([symptom])
    while queue:
        node = queue.popleft()
        if depth[node] >= max_depth:
            continue
        for p in g.providers[node]:
            if p not in nxt:
                nxt[p] = node
                depth[p] = depth[node] + 1
                queue.append(p)
    return nxt


def _path(g: ImpactGraph, towards: dict[int, int], start: int) -> tuple[str, ...]:
    path = [start]
    node = start
    while (node := towards[node]) != -1:
        path.append(node)
    return g.path_ids(path)


def _reach_cost(
    g: ImpactGraph, c: int, symptoms: set[int], healthy: set[int], max_depth: int, affordable: float
) -> tuple[int, list[int]] | None:
    """Breadth-first over ``c``'s blast radius (every CI its failure reaches, degraded
    included): the number of unobserved predictions (``c`` itself included when silent) and
    the known-healthy CIs it contradicts; ``None`` as soon as more than ``affordable``."""
    consumers = g.consumers
    unobserved = 0 if c in symptoms else 1
    contradicts = [c] if c in healthy else []
    seen = {c}
    frontier = [c]
    depth = 0
    while frontier and depth < max_depth:
        depth += 1
        nxt = []
        for p in frontier:
            for q in consumers[p]:
                if q in seen:
                    continue
                seen.add(q)
                nxt.append(q)
                if q not in symptoms:
                    unobserved += 1
                    if unobserved > affordable:
                        return None
                if q in healthy:
                    contradicts.append(q)
        frontier = nxt
    return unobserved, contradicts


def root_cause(
    g: ImpactGraph,
    symptoms: Iterable[str],
    healthy: Iterable[str] = (),
    *,
    max_depth: int | None = None,
    limit: int = 10,
    evidence: Evidence | None = None,
) -> list[Candidate]:
    """The ``limit`` best candidates for the root cause of ``symptoms``, best first.

    ``healthy`` are CIs known to work. Raises ``CINotFound`` for unknown ids, ``InvalidInput``
    (``SYMPTOMS_REQUIRED``) for an empty symptom list.
    """
    s_nodes = resolve(g, symptoms)
    if not s_nodes:
        raise InvalidInput.one("SYMPTOMS_REQUIRED", "root cause needs at least one symptom", field="symptoms")
    h_nodes = set(resolve(g, healthy))
    depth_limit = UNLIMITED if max_depth is None else max_depth
    symptom_set = set(s_nodes)
    towards: dict[int, dict[int, int]] = {s: _upstream_of(g, s, depth_limit) for s in s_nodes}
    explained_mask: dict[int, int] = {}
    for bit, s in enumerate(s_nodes):
        for c in towards[s]:
            explained_mask[c] = explained_mask.get(c, 0) | (1 << bit)
    hook = evidence or (lambda _ci: 0.0)
    extra = {c: hook(g.ids[c]) for c in explained_mask}

    def bound(c: int) -> float:
        # unobserved at least: itself when silent, and its direct consumers that are silent
        silent = (c not in symptom_set) + len({q for q in g.consumers[c] if q not in symptom_set})
        return explained_mask[c].bit_count() * EXPLAINED + silent * UNOBSERVED + extra[c]

    best: list[tuple[float, int, tuple[int, ...], Candidate]] = []  # min-heap of the top `limit`

    def floor() -> float:
        return best[0][0] if len(best) >= limit else -math.inf

    def evaluate(c: int) -> None:
        explained = [s for bit, s in enumerate(s_nodes) if explained_mask[c] >> bit & 1]
        base = len(explained) * EXPLAINED + extra[c]
        low = floor()
        affordable = math.inf if low == -math.inf else (base - low) / -UNOBSERVED
        cost = _reach_cost(g, c, symptom_set, h_nodes, depth_limit, affordable)
        if cost is None:
            return
        unobserved, contradicts = cost
        score = base + unobserved * UNOBSERVED + len(contradicts) * CONTRADICTED
        cand = Candidate(
            id=g.ids[c],
            kind=g.kinds[c],
            name=g.names[c],
            score=round(score, 6),
            explains=tuple(sorted(g.ids[s] for s in explained)),
            paths={g.ids[s]: _path(g, towards[s], c) for s in explained},
            unobserved=unobserved,
            contradicts=tuple(sorted(g.ids[n] for n in contradicts)),
            evidence=extra[c],
        )
        entry = (cand.score, -unobserved, _neg_key(cand.id), cand)
        if len(best) < limit:
            heapq.heappush(best, entry)
        elif entry[:3] > best[0][:3]:
            heapq.heapreplace(best, entry)

    # the symptoms and their direct providers first: their blast radii are usually small and
    # their scores set a floor that stops the walks of deep, unspecific candidates early
    seeds = sorted(symptom_set | {p for s in symptom_set for p in g.providers[s]}, key=lambda c: g.ids[c])
    for c in seeds:
        evaluate(c)
    seeded = set(seeds)
    rest = sorted(
        ((bound(c), c) for c in explained_mask if c not in seeded), key=lambda t: (-t[0], g.ids[t[1]])
    )
    for ub, c in rest:
        if ub < floor():
            break
        evaluate(c)
    ranked = sorted(best, key=lambda e: (-e[0], -e[1], e[3].id))
    return [e[3] for e in ranked]


def _neg_key(ci_id: str) -> tuple[int, ...]:
    """A key that sorts ids in reverse, so the heap keeps the smaller id on equal scores.

    The terminator makes an id outrank its own extensions ("ab" sorts before "abc", so its
    key must be the larger): reversing characters alone would order a prefix the wrong way.
    """
    return (*(-ord(ch) for ch in ci_id), 1)
