"""Backstage entity references, parsed the way Backstage parses them, and the fields that hold them.

A reference names another entity as ``[<kind>:][<namespace>/]<name>`` (string form) or as a
mapping ``{kind, namespace, name}`` (compound form). Which parts may be left out, and what they
default to, depends on the field. The rules below follow Backstage's own documentation and code:

- *Entity References* (https://backstage.io/docs/features/software-catalog/references): the two
  forms; "All strings are case insensitive"; a namespace left out refers "to the same namespace as
  the originating entity".
- ``parseEntityRef`` / ``parseRefString`` in ``@backstage/catalog-model``
  (``packages/catalog-model/src/entity/ref.ts``): the first ``:`` ends the kind unless a ``/``
  comes before it (then there is no kind and the colon belongs to the name); the first ``/`` ends
  the namespace; everything after is the name (so it may hold further ``:`` or ``/``); an empty
  part is an error ("was not on the form [<kind>:][<namespace>/]<name>"); a missing kind takes the
  field's default kind and, when the field has none, the reference is an error ("had missing or
  empty kind"); a missing namespace takes the default namespace. ``stringifyEntityRef`` writes the
  canonical ``kind:namespace/name`` in lower case, and entities compare case-insensitively
  (``compareEntityToRef``).
- *Descriptor Format of Catalog Entities*
  (https://backstage.io/docs/features/software-catalog/descriptor-format), one table per field:
  ``spec.owner`` takes ``Group`` (default) or ``User``; ``spec.system`` ``System``;
  ``spec.subcomponentOf`` ``Component``; ``spec.providesApis`` / ``spec.consumesApis`` ``API``;
  ``spec.dependsOn`` / ``spec.dependencyOf`` ``Component`` or ``Resource`` with **no** default
  kind; ``spec.domain`` and ``spec.subdomainOf`` ``Domain``; Group ``spec.parent`` /
  ``spec.children`` ``Group``; Group ``spec.members`` ``User``; User ``spec.memberOf`` ``Group``.
  The default namespace is, for every field, "Same as this entity, typically ``default``" (an
  entity without ``metadata.namespace`` is in ``default``). ``BuiltinKindsEntityProcessor``
  (``plugins/catalog-backend``) emits the relations exactly with these contexts
  (``defaultNamespace: selfRef.namespace``; no ``defaultKind`` for ``dependsOn``).

Two deliberate deviations, both stricter or wider only where Backstage leaves the question open:
a reference whose kind is not one the field documents is refused (``REF_KIND_MISMATCH``: an owner
must be a Group or User, a system a System, ...), except ``dependsOn`` / ``dependencyOf``, which
accept any kind that becomes a CI (a dependency on an API or a System is meaningful to impact
analysis). Entity kinds are matched case-insensitively too (Backstage's processors compare them
exactly).

>>> parse_ref("user:guest", default_kind="Group", default_namespace="default").key
'user:default/guest'
>>> parse_ref("team-a", default_kind="Group", default_namespace="development").key
'group:development/team-a'
>>> parse_ref("Group:Default/Team-A", default_kind="Group", default_namespace="x").key
'group:default/team-a'
>>> parse_ref("a/b:c", default_kind="Component", default_namespace="default")
EntityRef(kind='Component', namespace='a', name='b:c')
>>> try:
...     parse_ref("artists-db", default_kind=None, default_namespace="default")
... except RefError as exc:
...     print(exc.code)
REF_KIND_REQUIRED
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

DEFAULT_NAMESPACE: Final = "default"
"""The namespace of an entity without ``metadata.namespace`` (Backstage's ``DEFAULT_NAMESPACE``)."""

BACKSTAGE_KINDS: Final[Mapping[str, str]] = {
    k.lower(): k
    for k in (
        "Component",
        "API",
        "Resource",
        "System",
        "Domain",
        "Group",
        "User",
        "Location",
        "Template",
        "AiResource",
    )
}
"""The entity kinds this importer knows, by lower-case name -> Backstage's spelling. The first
seven describe things a CMDB holds; ``Location`` (a pointer to more catalog files), ``Template``
(a scaffolder template) and ``AiResource`` (skills and rules for AI coding tools, from
``@backstage/plugin-catalog-backend-module-ai-model``) are known but are not configuration items."""

NON_CI_KINDS: Final = frozenset({"location", "template", "airesource"})
"""Known Backstage kinds that do not become CIs (see :data:`BACKSTAGE_KINDS`)."""


class RefError(ValueError):
    """A reference that cannot be parsed; ``code`` is the problem code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class EntityRef:
    """A complete reference: kind, namespace and name as written (or defaulted)."""

    kind: str
    namespace: str
    name: str

    @property
    def key(self) -> str:
        """The canonical form ``kind:namespace/name`` in lower case (``stringifyEntityRef``)."""
        return f"{self.kind}:{self.namespace}/{self.name}".lower()

    @property
    def display_kind(self) -> str:
        """The kind in Backstage's spelling when it is a known kind (``api`` -> ``API``)."""
        return BACKSTAGE_KINDS.get(self.kind.lower(), self.kind)


def _split(text: str) -> tuple[str | None, str | None, str]:
    """``parseRefString``: (kind, namespace, name), ``None`` for a part left out."""
    colon = text.find(":")
    slash = text.find("/")
    if slash != -1 and slash < colon:
        colon = -1
    kind = None if colon == -1 else text[:colon]
    namespace = None if slash == -1 else text[colon + 1 : slash]
    name = text[max(colon + 1, slash + 1) :]
    if kind == "" or namespace == "" or name == "":
        raise RefError("BAD_REF", f"{text!r} is not of the form [<kind>:][<namespace>/]<name>")
    return kind, namespace, name


def _compound(value: Mapping[object, object]) -> tuple[str | None, str | None, str]:
    parts: dict[str, str | None] = {}
    for part in ("kind", "namespace", "name"):
        raw = value.get(part)
        if raw is not None and (not isinstance(raw, str) or not raw):
            raise RefError("BAD_REF", f"the compound reference's {part} must be a non-empty string")
        parts[part] = raw
    extra = sorted(str(k) for k in value if k not in ("kind", "namespace", "name"))
    if extra:
        raise RefError("BAD_REF", f"a compound reference has only kind, namespace and name (not {extra})")
    name = parts["name"]
    if name is None:
        raise RefError("BAD_REF", "a compound reference needs a name")
    return parts["kind"], parts["namespace"], name


def parse_ref(value: object, *, default_kind: str | None, default_namespace: str) -> EntityRef:
    """Parse a string or compound reference with the field's defaults (``parseEntityRef``).

    Raises :class:`RefError` with code ``BAD_REF`` (not a reference, or an empty part) or
    ``REF_KIND_REQUIRED`` (no kind written and the field has no default kind).
    """
    if isinstance(value, str):
        kind, namespace, name = _split(value)
    elif isinstance(value, Mapping):
        kind, namespace, name = _compound(value)
    else:
        what = "list" if isinstance(value, list) else type(value).__name__
        raise RefError("BAD_REF", f"an entity reference must be a string, not {what}")
    kind = kind if kind is not None else default_kind
    if kind is None:
        raise RefError(
            "REF_KIND_REQUIRED",
            f"{value!r} names no kind, and this field has no default kind (write e.g. 'resource:{name}')",
        )
    return EntityRef(kind, namespace if namespace is not None else default_namespace, name)


@dataclass(frozen=True, slots=True)
class RefField:
    """A ``spec`` field that holds references, and the relationship each reference becomes.

    ``allowed`` are the lower-case kinds the field may name (``None``: any kind that becomes a
    CI). ``reverse`` turns the edge around: ``False`` is ``this -[rel]-> target``, ``True`` is
    ``target -[rel]-> this``.
    """

    name: str
    default_kind: str | None
    allowed: frozenset[str] | None
    rel: str
    reverse: bool = False


_OWNER = RefField("owner", "Group", frozenset({"group", "user"}), "OWNED_BY")
_SYSTEM = RefField("system", "System", frozenset({"system"}), "PART_OF")
_DEPENDS_ON = RefField("dependsOn", None, None, "DEPENDS_ON")
_DEPENDENCY_OF = RefField("dependencyOf", None, None, "DEPENDS_ON", reverse=True)

REF_FIELDS: Final[Mapping[str, tuple[RefField, ...]]] = {
    "component": (
        _OWNER,
        _SYSTEM,
        RefField("subcomponentOf", "Component", frozenset({"component"}), "PART_OF"),
        # the API is served by the component: a failed component takes the API (and so the
        # API's consumers) down, which is `api -[DEPENDS_ON]-> component`.
        RefField("providesApis", "API", frozenset({"api"}), "DEPENDS_ON", reverse=True),
        RefField("consumesApis", "API", frozenset({"api"}), "DEPENDS_ON"),
        _DEPENDS_ON,
        _DEPENDENCY_OF,
    ),
    "api": (_OWNER, _SYSTEM),
    "resource": (_OWNER, _SYSTEM, _DEPENDS_ON, _DEPENDENCY_OF),
    "system": (_OWNER, RefField("domain", "Domain", frozenset({"domain"}), "PART_OF")),
    "domain": (_OWNER, RefField("subdomainOf", "Domain", frozenset({"domain"}), "PART_OF")),
    "group": (
        RefField("parent", "Group", frozenset({"group"}), "REPORTS_TO"),
        RefField("children", "Group", frozenset({"group"}), "REPORTS_TO", reverse=True),
        RefField("members", "User", frozenset({"user"}), "MEMBER_OF", reverse=True),
    ),
    "user": (RefField("memberOf", "Group", frozenset({"group"}), "MEMBER_OF"),),
}
"""The reference fields of each CI-bearing kind (lower-case kind -> fields), as documented in
Backstage's descriptor format; relationship directions follow ``schema.relationships``."""
