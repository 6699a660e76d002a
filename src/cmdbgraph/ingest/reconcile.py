"""Reconciliation: what one import run of one source means for the stored graph (pure).

:func:`reconcile` takes the stored graph, one :class:`~cmdbgraph.ingest.sources.SourceGraph`
and the rules, and returns a :class:`~cmdbgraph.ingest.sync_report.SyncPlan`: the one
:class:`~cmdbgraph.graphdb.Batch` to apply and a
:class:`~cmdbgraph.ingest.sync_report.SyncReport` of what it means. Nothing here reads or
writes a store. :func:`validate` first refuses what the store could not hold. Claims are kept
as :mod:`cmdbgraph.ingest.claims` describes; identification and each field's value follow
:mod:`cmdbgraph.ingest.precedence`.

Matching: a source's own earlier claim (same source, same key) always identifies its CI.
Otherwise identification (:class:`~cmdbgraph.ingest.precedence.IdentificationRules`) finds it.
Several matches pick the live CI with the smallest id and say so in the notes. Distinct keys of
one run never share a CI (the source says they differ). No match creates a CI with the claim's
``suggested_id`` (``-2``, ``-3`` ... appended when taken).

Sync: claims this source made before and did not make now are marked ``stale_since`` and
deleted once ``grace`` has passed since then (at once with a zero grace). A CI whose last claim
is deleted is retired if an import created it; otherwise the imported values are removed and
it stays. A relationship whose last claim goes is deleted if an import created it, otherwise
it loses its claims. A retired CI that a source reports again comes back (``operational``).
Other sources' claims and manual writes are never modified.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pydantic import JsonValue

from cmdbgraph.graphdb.store import Batch, GraphContents, RelKey
from cmdbgraph.ingest.claims import (
    CLAIM_KIND,
    CLAIMS_ATTRIBUTE,
    CLAIMS_REL,
    IMPORTED_ATTRIBUTE,
    MANUAL,
    Claim,
    claim_id,
    evidence_json,
    rel_subject,
)
from cmdbgraph.ingest.precedence import IdentificationRules, Identities, Precedence, Voice, decide
from cmdbgraph.ingest.sources import Evidence, SourceCI, SourceGraph
from cmdbgraph.ingest.sync_report import (
    CIAdded,
    FieldChange,
    Match,
    RelationshipChange,
    Retirement,
    RetirementAction,
    SyncPlan,
    SyncReport,
)
from cmdbgraph.schema import CI, CIData, InvalidInput, Problem, Registry, Relationship, Status
from cmdbgraph.schema.kinds import ATTRIBUTE_NAME, check_attributes

SOURCE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")


# -------------------------------------------------------------------------------- validation
def _where(sci: SourceCI | None, evidence: Sequence[Evidence], fallback: str) -> str:
    if evidence:
        return evidence[0].where
    return fallback if sci is None else f"{fallback}: {sci.key}"


def check_source_name(source: str) -> list[Problem]:
    """The problem with ``source`` as a source name (it becomes part of claim ids), if any."""
    if SOURCE_NAME.match(source) and source != MANUAL:
        return []
    message = f"source name {source!r} must be letters, digits, '.', '_' or '-' (and not 'manual')"
    return [Problem("INVALID_SOURCE_NAME", message, field="source")]


def validate(graph: SourceGraph, source: str, registry: Registry) -> None:
    """Refuse (``InvalidInput``, every problem at once) what the store could not hold."""
    problems = check_source_name(source)
    for sci in graph.cis:
        where = _where(sci, sci.evidence, graph.format)
        spec = registry.kinds.get(sci.kind)
        if spec is None or sci.kind == CLAIM_KIND:
            reason = "is reserved for claims" if spec is not None else "is not a known kind"
            problems.append(Problem("UNKNOWN_KIND", f"{sci.key}: kind {sci.kind!r} {reason}", where, "kind"))
        if not isinstance(sci.identity.get("name"), str) or not str(sci.identity["name"]).strip():
            problems.append(
                Problem("IDENTITY_NAME_MISSING", f"{sci.key}: no identity name", where, "identity")
            )
        bad_names = [k for k in sci.attributes if not ATTRIBUTE_NAME.match(k)]
        problems.extend(
            Problem(
                "INVALID_ATTRIBUTE_NAME", f"{sci.key}: {k!r} is not an identifier", where, f"attributes.{k}"
            )
            for k in bad_names
        )
        if spec is not None and not bad_names:
            problems.extend(
                Problem(p.code, f"{sci.key}: {p.message}", where, p.field)
                for p in check_attributes(spec, sci.attributes)
                if p.code != "ATTRIBUTE_REQUIRED"  # another source may supply it: checked merged
            )
    for srel in graph.relationships:
        where = _where(None, srel.evidence, graph.format)
        label = f"{srel.source_key} -[{srel.type}]-> {srel.target_key}"
        if srel.type not in registry.rel_types or srel.type == CLAIMS_REL:
            problems.append(Problem("UNKNOWN_REL_TYPE", f"{label}: unknown relationship type", where, "type"))
        problems.extend(
            Problem("INVALID_ATTRIBUTE_NAME", f"{label}: {k!r} is reserved or not an identifier", where, k)
            for k in srel.attributes
            if not ATTRIBUTE_NAME.match(k) or k in (CLAIMS_ATTRIBUTE, IMPORTED_ATTRIBUTE)
        )
    if problems:
        raise InvalidInput(problems)


# --------------------------------------------------------------------------------- reconcile
def reconcile(
    state: GraphContents,
    graph: SourceGraph,
    *,
    source: str,
    registry: Registry,
    now: datetime,
    grace: timedelta,
    rules: IdentificationRules | None = None,
    precedence: Precedence | None = None,
) -> SyncPlan:
    """The plan of one sync of ``source`` with ``graph`` against ``state``.

    ``state`` must hold at least every ``SourceClaim`` with its ``CLAIMS`` link, every CI of the
    kinds in ``graph`` and of the CIs the claims name, and every relationship among them (the
    whole ``store.contents()`` does). ``now`` must be timezone-aware. Raises ``InvalidInput``
    (every problem, located by evidence) when the graph or the merged CIs are not valid.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    validate(graph, source, registry)
    return _Run(state, graph, source, registry, now.astimezone(UTC), grace, rules, precedence).plan()


class _Run:
    def __init__(
        self,
        state: GraphContents,
        graph: SourceGraph,
        source: str,
        registry: Registry,
        now: datetime,
        grace: timedelta,
        rules: IdentificationRules | None,
        precedence: Precedence | None,
    ) -> None:
        self.graph, self.source, self.registry = graph, source, registry
        self.now, self.now_s, self.grace = now, now.isoformat(), grace
        self.rules = rules or IdentificationRules()
        self.precedence = precedence or Precedence()
        self.cis: dict[str, CI] = {c.id: c for c in state.cis}
        self.rels: dict[RelKey, Relationship] = {r.key: r for r in state.relationships}
        targets = {r.source: r.target for r in state.relationships if r.type == CLAIMS_REL}
        self.claims: dict[str, Claim] = {
            c.id: Claim.from_ci(c, targets.get(c.id) if targets.get(c.id) in self.cis else None)
            for c in state.cis
            if c.kind == CLAIM_KIND
        }
        self.claims_of: dict[str, list[Claim]] = defaultdict(list)
        for claim in self.claims.values():
            if claim.target is not None:
                self.claims_of[claim.target].append(claim)
        self.out: dict[str, list[Any]] = defaultdict(list)
        self.counts: dict[str, int] = {}
        self.created: dict[str, str] = {}
        """Kind of every CI this run creates, by id."""
        self.problems: list[Problem] = []
        self.batch: dict[str, list[Any]] = defaultdict(list)

    # -- matching -----------------------------------------------------------------------------
    def _identities(self) -> Identities:
        ids = Identities(self.rules)
        spaces = {self.rules.group(s.kind) for s in self.graph.cis}
        for ci in self.cis.values():
            if ci.kind != CLAIM_KIND and self.rules.group(ci.kind) in spaces:
                ids.add_ci(ci)
                for claim in self.claims_of.get(ci.id, ()):
                    ids.add_identity(ci.id, ci.kind, claim.identity)
        return ids

    def match(self) -> dict[str, str]:
        """The CI each claim of the run describes (by key); new CIs go to ``self.created``.

        Own earlier claims first, then identity; distinct keys of the run never share a CI."""
        ids, targets, taken = self._identities(), dict[str, str](), set(self.cis)
        rules: dict[str, str] = {}
        used: set[str] = set()
        for sci in self.graph.cis:
            own = self.claims.get(claim_id(self.source, sci.key))
            target = own.target if own is not None else None
            same_space = target is not None and self.rules.group(self.cis[target].kind) == self.rules.group(
                sci.kind
            )
            if target is not None and same_space and target not in used:
                targets[sci.key], rules[sci.key] = target, "own_claim"
                used.add(target)
        for sci in self.graph.cis:
            if sci.key in targets:
                continue
            if (found := ids.find(sci.kind, sci.identity, used)) is not None:
                ordered = sorted(found[1], key=lambda i: (self._retired(i), i))
                target, rule = ordered[0], "identity:" + "+".join(found[0])
                if len(ordered) > 1:
                    self.out["notes"].append(f"{sci.key}: {rule} matches {ordered}; chose {target}")
                if self.cis[target].kind != sci.kind:
                    self.out["notes"].append(
                        f"{sci.key}: claims kind {sci.kind}; {target} stays a {self.cis[target].kind}"
                    )
            else:
                target, rule, n = sci.suggested_id, "new", 1
                while target in taken:
                    n += 1
                    target = f"{sci.suggested_id}-{n}"
                taken.add(target)
                self.created[target] = sci.kind
            targets[sci.key], rules[sci.key] = target, rule
            used.add(target)
        self.out["matched"] = [Match(key=k, ci_id=targets[k], rule=rules[k]) for k in self.graph.by_key()]
        return targets

    def _retired(self, ci_id: str) -> bool:
        ci = self.cis.get(ci_id)
        return ci is not None and ci.status == Status.RETIRED

    # -- claims -------------------------------------------------------------------------------
    def _expires(self, since: str) -> datetime:
        try:
            return datetime.fromisoformat(since) + self.grace
        except ValueError:  # a hand-edited claim: its grace starts now
            return self.now + self.grace

    def claims_now(self, targets: Mapping[str, str]) -> tuple[dict[str, Claim], list[Claim]]:
        """This source's claims after the run (reported and stale ones) and the deleted ones."""
        own_old = {i: c for i, c in self.claims.items() if c.source == self.source}
        kept: dict[str, Claim] = {}
        deleted: list[Claim] = []
        for sci in self.graph.cis:
            cid, target = claim_id(self.source, sci.key), targets[sci.key]
            old = own_old.get(cid)
            origin = "import" if target in self.created or any(
                c.ci_origin == "import" for c in self.claims_of.get(target, ())
            ) else "existing"  # fmt: skip
            kept[cid] = Claim(
                id=cid, source=self.source, key=sci.key, kind=sci.kind, name=sci.name,
                identity=sci.identity, attributes=sci.attributes, evidence=tuple(evidence_json(sci.evidence)),
                first_seen=old.first_seen if old and old.first_seen else self.now_s, last_seen=self.now_s,
                ci_origin=origin, target=target,
            )  # fmt: skip
            if old is not None and old.target not in (None, target):
                self.batch["delete_relationships"].append((cid, CLAIMS_REL, old.target))
        for cid, old in sorted(own_old.items()):
            if cid in kept:
                continue
            since = old.stale_since or self.now_s
            if self._expires(since) <= self.now:
                deleted.append(old)
                self._retire("claim_deleted", cid, old.target)
            else:
                kept[cid] = replace(old, stale_since=since)
                if old.stale_since is None:
                    self._retire("claim_stale", cid, old.target, since)
        new = sum(1 for c in kept if c not in own_old)
        stale = sum(1 for c in kept.values() if c.stale_since)
        self.counts = {"reported": len(self.graph.cis), "new": new, "stale": stale, "deleted": len(deleted)}
        return kept, deleted

    def _retire(
        self, action: RetirementAction, subject: str, ci_id: str | None, since: str | None = None
    ) -> None:
        expires = self._expires(since).isoformat() if since else None
        self.out["retirements"].append(
            Retirement(action=action, subject=subject, ci_id=ci_id, stale_since=since, expires=expires)
        )

    # -- CIs ----------------------------------------------------------------------------------
    def merge_cis(self, kept: Mapping[str, Claim], sci_of: Mapping[str, SourceCI]) -> None:
        kept_of: dict[str, list[Claim]] = defaultdict(list)
        for claim in kept.values():
            if claim.target is not None:
                kept_of[claim.target].append(claim)
        lost = {c.target for c in self.claims.values() if c.source == self.source and c.target}
        for ci_id in sorted(kept_of.keys() | lost):
            old = self.claims_of.get(ci_id, [])
            new = [c for c in old if c.source != self.source] + kept_of.get(ci_id, [])
            current = self.cis.get(ci_id)
            reported = [c for c in new if c.source == self.source and not c.stale_since]
            if not new:
                assert current is not None  # only stored CIs can lose their last claim
                if any(c.ci_origin == "import" for c in old):
                    if current.status != Status.RETIRED:
                        self.batch["retire_cis"].append(ci_id)
                        self._retire("ci_retired", ci_id, ci_id)
                    continue
                self._retire("ci_released", ci_id, ci_id)
            kind = current.kind if current is not None else self.created[ci_id]
            fields: dict[str, JsonValue] = {}
            if current is not None:
                fields = {
                    "name": current.name,
                    **{f"attributes.{k}": v for k, v in current.attributes.items()},
                }
            voices = [_voice(c) for c in old], [_voice(c) for c in new]
            decision = decide(ci_id, kind, fields, *voices, self.precedence, track=current is not None)
            attributes = {} if current is None else dict(current.attributes)
            for name in decision.removed:
                if name.startswith("attributes."):
                    attributes.pop(name.removeprefix("attributes."), None)
            attributes.update(
                {k.removeprefix("attributes."): v for k, v in decision.values.items() if k != "name"}
            )
            status = current.status if current is not None else Status.OPERATIONAL
            changes = [c for c in decision.changes if c.field != "name" or not c.removed]
            if status == Status.RETIRED and reported:
                status = Status.OPERATIONAL
                changes.append(
                    FieldChange(
                        subject=ci_id, field="status", old="retired", new="operational", winner=self.source
                    )
                )
            ci_name = decision.values.get("name", current.name if current else ci_id)
            data = CIData(
                id=ci_id, kind=kind, name=str(ci_name), status=status, attributes=attributes,
                criticality=current.criticality if current else 3,
            )  # fmt: skip
            if current is None or not current.same_content(data):
                self.batch["upsert_cis"].append(data)
            if current is not None:
                self.out["changed"].extend(changes)
            self.out["conflicts"].extend(decision.conflicts)
            for p in self.registry.check_ci(data):
                mine = [sci_of[c.key] for c in reported if c.key in sci_of]
                where = _where(mine[0], mine[0].evidence, self.graph.format) if mine else ci_id
                self.problems.append(Problem(p.code, f"{ci_id} (merged): {p.message}", where, p.field))

    # -- relationships ------------------------------------------------------------------------
    def merge_relationships(self, targets: Mapping[str, str]) -> None:
        reported: dict[RelKey, dict[str, JsonValue]] = {}
        for srel in self.graph.relationships:
            s, t = targets[srel.source_key], targets[srel.target_key]
            if s == t:
                self.out["notes"].append(f"{srel.key}: both ends are {s}; relationship skipped")
                continue
            key = (s, srel.type, t)
            entry = reported.get(key)
            if entry is None:
                old = self._entry(self.rels.get(key), self.source)
                first = old.get("first_seen") if old else None
                entry = reported[key] = {
                    "evidence": [],
                    "first_seen": first or self.now_s,
                    "last_seen": self.now_s,
                }
            assert isinstance(entry["evidence"], list)
            entry["evidence"] += evidence_json(srel.evidence)
            if srel.optional:
                entry["optional"] = True
            if srel.attributes:
                merged = entry.get("attributes")
                entry["attributes"] = {**(merged if isinstance(merged, dict) else {}), **srel.attributes}
        mine = {k for k, r in self.rels.items() if self._entry(r, self.source) is not None}
        for key in sorted(mine | set(reported)):
            current = self.rels.get(key)
            entry = reported.get(key) or self._stale_entry(key, self._entry(current, self.source) or {})
            self._merge_relationship(key, current, entry)

    @staticmethod
    def _entry(rel: Relationship | None, source: str) -> dict[str, JsonValue] | None:
        claims = rel.attributes.get(CLAIMS_ATTRIBUTE) if rel is not None else None
        entry = claims.get(source) if isinstance(claims, dict) else None
        return entry if isinstance(entry, dict) else None

    def _stale_entry(self, key: RelKey, old: dict[str, JsonValue]) -> dict[str, JsonValue] | None:
        since = old.get("stale_since")
        since = since if isinstance(since, str) else self.now_s
        if self._expires(since) <= self.now:
            self._retire("relationship_claim_deleted", rel_subject(key), None)
            return None
        if "stale_since" not in old:
            self._retire("relationship_claim_stale", rel_subject(key), None, since)
        return {**old, "stale_since": since}

    def _merge_relationship(
        self, key: RelKey, current: Relationship | None, entry: dict[str, JsonValue] | None
    ) -> None:
        old_claims = current.attributes.get(CLAIMS_ATTRIBUTE) if current is not None else None
        old_claims = old_claims if isinstance(old_claims, dict) else {}
        claims = {s: e for s, e in old_claims.items() if s != self.source and isinstance(e, dict)}
        if entry is not None:
            claims[self.source] = entry
        subject = rel_subject(key)
        if not claims:
            assert current is not None
            if current.attributes.get(IMPORTED_ATTRIBUTE) is True:
                self.batch["delete_relationships"].append(key)
                self._retire("relationship_deleted", subject, None)
                self.out["relationships"].append(
                    RelationshipChange(source=key[0], type=key[1], target=key[2], action="removed")
                )
                return
            self._retire("relationship_released", subject, None)
        manual = (
            {}
            if current is None
            else {
                k: v for k, v in current.attributes.items() if k not in (CLAIMS_ATTRIBUTE, IMPORTED_ATTRIBUTE)
            }
        )
        fields: dict[str, JsonValue] = {f"attributes.{k}": v for k, v in manual.items()}
        if current is not None and current.optional:
            fields["optional"] = True
        old_voices = [_rel_voice(s, e) for s, e in old_claims.items() if isinstance(e, dict)]
        new_voices = [_rel_voice(s, e) for s, e in claims.items()]
        defaults: dict[str, JsonValue] = {"optional": False}
        decision = decide(
            subject, key[1], fields, old_voices, new_voices, self.precedence, defaults, bool(current)
        )
        attributes = {k: v for k, v in manual.items() if f"attributes.{k}" not in decision.removed}
        attributes.update(
            {k.removeprefix("attributes."): v for k, v in decision.values.items() if k != "optional"}
        )
        if claims:
            attributes[CLAIMS_ATTRIBUTE] = dict(claims)
            if current is None or current.attributes.get(IMPORTED_ATTRIBUTE) is True:
                attributes[IMPORTED_ATTRIBUTE] = True
        rel = Relationship(
            source=key[0], target=key[2], type=key[1], optional=decision.values.get("optional") is True,
            redundancy_group=current.redundancy_group if current else None,
            min_up=current.min_up if current else None, attributes=attributes,
        )  # fmt: skip
        if current is None or not current.same_content(rel):
            self.batch["upsert_relationships"].append(rel)
        action: Literal["added", "claimed", "changed"] | None = None
        if current is None:
            action = "added"
        elif entry is not None and self.source not in old_claims:
            action = "claimed"
        elif decision.changes:
            action = "changed"
        if action is not None:
            self.out["relationships"].append(
                RelationshipChange(source=key[0], type=key[1], target=key[2], action=action)
            )
        if current is not None:
            self.out["changed"].extend(decision.changes)
        self.out["conflicts"].extend(decision.conflicts)

    # -- the plan -----------------------------------------------------------------------------
    def plan(self) -> SyncPlan:
        targets = self.match()
        kept, deleted = self.claims_now(targets)
        self.merge_cis(kept, self.graph.by_key())
        self.merge_relationships(targets)
        if self.problems:
            raise InvalidInput(self.problems)
        for claim in kept.values():
            stored = self.cis.get(claim.id)
            data = claim.to_ci()
            if stored is None or not stored.same_content(data):
                self.batch["upsert_cis"].append(data)
            link = (claim.id, CLAIMS_REL, claim.target or "")
            if claim.target is not None and link not in self.rels:
                self.batch["upsert_relationships"].append(
                    Relationship(source=claim.id, target=claim.target, type=CLAIMS_REL)
                )
        keys = _group_keys(targets)
        names = {c.id: c.name for c in self.batch["upsert_cis"] if c.id in self.created}
        out = self.out
        report = SyncReport(
            source=self.source,
            format=self.graph.format,
            at=self.now_s,
            added=[CIAdded(ci_id=i, kind=k, name=names[i], keys=keys[i]) for i, k in self.created.items()],
            matched=out["matched"],
            changed=out["changed"],
            conflicts=out["conflicts"],
            retirements=out["retirements"],
            relationships=out["relationships"],
            claims=self.counts,
            notes=[*out["notes"], *(f"importer: {n}" for n in self.graph.notes)],
        )
        batch = Batch(
            upsert_cis=self.batch["upsert_cis"],
            upsert_relationships=self.batch["upsert_relationships"],
            delete_relationships=list(dict.fromkeys(self.batch["delete_relationships"])),
            retire_cis=self.batch["retire_cis"],
            delete_cis=[c.id for c in deleted],
        )
        return SyncPlan(batch=batch, report=report)


def _voice(claim: Claim) -> Voice:
    return Voice(claim.source, claim.key, claim.first_seen, claim.fields())


def _rel_voice(source: str, entry: Mapping[str, JsonValue]) -> Voice:
    attributes = entry.get("attributes")
    values: dict[str, JsonValue] = {"optional": entry.get("optional") is True}
    if isinstance(attributes, dict):
        values.update({f"attributes.{k}": v for k, v in attributes.items()})
    first = entry.get("first_seen")
    return Voice(source, "", first if isinstance(first, str) else "", values)


def _group_keys(targets: Mapping[str, str]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = defaultdict(list)
    for key, ci_id in targets.items():
        grouped[ci_id].append(key)
    return grouped
