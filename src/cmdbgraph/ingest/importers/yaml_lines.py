"""YAML documents that remember where every value was written (pure).

PyYAML's safe loader forgets positions, and importers must point at ``FILE:LINE``. This module
composes the node tree (``yaml.compose_all``, never an unsafe load) and turns it into plain
Python values whose containers keep their locations:

- :class:`YamlMap` is a ``dict`` with ``loc`` (where the mapping starts) and ``locs[key]``
  (where each *key* was written: the line a person looks at);
- :class:`YamlList` is a ``list`` with ``loc`` and ``locs[i]`` (where item ``i`` starts);
- scalars are ``str``, ``int``, ``float``, ``bool`` or ``None`` as the YAML 1.1 core schema
  resolves them (timestamps and binary stay the text that was written).

Merge keys (``<<: *anchor``) are applied as YAML specifies (explicit keys win, earlier merged
maps win over later ones). Local tags on values (docker compose's ``!reset`` and ``!override``)
are kept in ``YamlMap.tags[key]`` / ``YamlList.tags[i]``; the value under such a tag is read as
if untagged. Mapping keys are turned into strings.

Problems, all with code ``BAD_YAML`` and ``where = FILE:LINE``: syntax errors, duplicate keys,
keys that are not scalars, recursive aliases and alias expansion beyond
:data:`MAX_NODES` values (the "billion laughs" attack).

>>> docs, problems = load_yaml_documents("a: 1\\nb:\\n  - x\\n  - {c: true}\\n", "f.yaml")
>>> problems, docs[0].value, docs[0].value.locs["b"].where, docs[0].value["b"].locs[1].line
([], {'a': 1, 'b': ['x', {'c': True}]}, 'f.yaml:2', 4)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple, TypeAlias

import yaml
from pydantic import JsonValue
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from cmdbgraph.schema import Problem

MAX_NODES = 1_000_000
"""The most values one file may expand to (aliases included)."""

_CORE = "tag:yaml.org,2002:"
_CONSTRUCTED = {f"{_CORE}null", f"{_CORE}bool", f"{_CORE}int", f"{_CORE}float"}
_MERGE = f"{_CORE}merge"


class Loc(NamedTuple):
    """A file and a 1-based line."""

    file: str
    line: int

    @property
    def where(self) -> str:
        """``FILE:LINE``, the form problems and evidence use."""
        return f"{self.file}:{self.line}"


YamlScalar: TypeAlias = str | int | float | bool | None


class YamlMap(dict[str, "YamlValue"]):
    """A mapping that knows where it and each of its keys were written."""

    def __init__(self, loc: Loc) -> None:
        super().__init__()
        self.loc = loc
        self.locs: dict[str, Loc] = {}
        self.tags: dict[str, str] = {}

    def loc_of(self, key: str) -> Loc:
        """Where ``key`` was written (the mapping's own location when it was not)."""
        return self.locs.get(key, self.loc)

    def line_of(self, key: str) -> int:
        """The line of :meth:`loc_of`."""
        return self.loc_of(key).line

    def map(self, *keys: str) -> YamlMap | None:
        """The mapping at ``keys`` (nested), or None when absent or not a mapping."""
        found = self.dig(*keys)
        return found if isinstance(found, YamlMap) else None

    def seq(self, *keys: str) -> YamlList | None:
        """The sequence at ``keys`` (nested), or None when absent or not a sequence."""
        found = self.dig(*keys)
        return found if isinstance(found, YamlList) else None

    def text(self, *keys: str) -> str | None:
        """The string at ``keys`` (nested), or None when absent or not a string."""
        found = self.dig(*keys)
        return found if isinstance(found, str) else None

    def integer(self, *keys: str) -> int | None:
        """The integer at ``keys`` (nested), or None when absent or not an integer."""
        found = self.dig(*keys)
        return found if isinstance(found, int) and not isinstance(found, bool) else None

    def dig(self, *keys: str) -> YamlValue:
        """The value at ``keys`` (nested mappings), or None when any step is missing."""
        node: YamlValue = self
        for key in keys:
            if not isinstance(node, YamlMap):
                return None
            node = node.get(key)
        return node


class YamlList(list["YamlValue"]):
    """A sequence that knows where it and each of its items were written."""

    def __init__(self, loc: Loc) -> None:
        super().__init__()
        self.loc = loc
        self.locs: list[Loc] = []
        self.tags: dict[int, str] = {}

    def loc_of(self, index: int) -> Loc:
        """Where item ``index`` starts (the sequence's own location when out of range)."""
        return self.locs[index] if 0 <= index < len(self.locs) else self.loc

    def maps(self) -> list[tuple[int, YamlMap]]:
        """``(index, item)`` of the items that are mappings."""
        return [(i, item) for i, item in enumerate(self) if isinstance(item, YamlMap)]


YamlValue: TypeAlias = YamlMap | YamlList | YamlScalar


@dataclass(frozen=True)
class YamlDocument:
    """One document of a (possibly multi-document) YAML file."""

    file: str
    index: int
    loc: Loc
    value: YamlValue

    def loc_at(self, *path: str | int) -> Loc:
        """Where the value at ``path`` (mapping keys and item indices) was written: its key or
        item, or the nearest enclosing one that was written (the document's start at worst).

        >>> doc = load_yaml_documents("kind: X\\nspec:\\n  owner: t\\n  deps: [a, b]\\n", "f")[0][0]
        >>> doc.loc_at("spec", "deps", 1).where, doc.loc_at("spec", "system").line, doc.loc_at().line
        ('f:4', 2, 1)
        """
        loc, node = self.loc, self.value
        for part in path:
            if isinstance(node, YamlMap) and isinstance(part, str) and part in node.locs:
                loc, node = node.locs[part], node[part]
                continue
            if isinstance(node, YamlList) and isinstance(part, int) and 0 <= part < len(node.locs):
                loc, node = node.locs[part], node[part]
                continue
            break
        return loc


class _Converter:
    """Node tree -> located values; collects problems instead of raising."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []
        self.count = 0
        self._active: set[int] = set()
        self._scalars = SafeConstructor()

    def loc(self, node: Node) -> Loc:
        return Loc(self.file, node.start_mark.line + 1)

    def problem(self, node: Node, message: str) -> None:
        self.problems.append(Problem("BAD_YAML", message, where=self.loc(node).where))

    def value(self, node: Node) -> YamlValue:
        self.count += 1
        if self.count > MAX_NODES:
            if self.count == MAX_NODES + 1:
                self.problem(node, f"the document expands to more than {MAX_NODES} values (aliases)")
            return None
        if isinstance(node, ScalarNode):
            return self._scalar(node)
        if id(node) in self._active:
            self.problem(node, "a recursive alias refers to its own ancestor")
            return None
        self._active.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                return self._sequence(node)
            if isinstance(node, MappingNode):
                return self._mapping(node)
            return None  # pragma: no cover - PyYAML has no other node types
        finally:
            self._active.discard(id(node))

    def _scalar(self, node: ScalarNode) -> YamlScalar:
        if node.tag in _CONSTRUCTED:
            constructed: YamlScalar = self._scalars.construct_object(node)
            return constructed
        if node.tag.startswith("!") and node.value == "":
            return None
        return str(node.value)

    def _sequence(self, node: SequenceNode) -> YamlList:
        out = YamlList(self.loc(node))
        for item in node.value:
            if _local_tag(item):
                out.tags[len(out)] = item.tag
            out.append(self.value(item))
            out.locs.append(self.loc(item))
        return out

    def _mapping(self, node: MappingNode) -> YamlMap:
        out = YamlMap(self.loc(node))
        merged: list[Node] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                merged.extend(value_node.value if isinstance(value_node, SequenceNode) else [value_node])
                continue
            if not isinstance(key_node, ScalarNode):
                self.problem(key_node, "a mapping key must be a plain value, not a list or a mapping")
                continue
            key = str(self._scalar(key_node))
            if key in out:
                self.problem(key_node, f"duplicate key '{key}'")
                continue
            if _local_tag(value_node):
                out.tags[key] = value_node.tag
            out[key] = self.value(value_node)
            out.locs[key] = self.loc(key_node)
        for source in merged:
            self._merge_into(out, source)
        return out

    def _merge_into(self, out: YamlMap, source: Node) -> None:
        value = self.value(source)
        if not isinstance(value, YamlMap):
            self.problem(source, "a merge key ('<<') must name a mapping or a list of mappings")
            return
        for key, item in value.items():
            if key not in out:
                out[key] = item
                out.locs[key] = value.loc_of(key)
                if key in value.tags:
                    out.tags[key] = value.tags[key]


def _local_tag(node: Node) -> bool:
    return isinstance(node.tag, str) and node.tag.startswith("!")


def load_yaml_documents(text: str | bytes, file: str) -> tuple[list[YamlDocument], list[Problem]]:
    """Every non-empty document of ``text`` with its locations, and the problems found.

    ``file`` is the name used in locations; ``bytes`` are decoded as YAML specifies (UTF-8, or
    UTF-16 with a byte order mark; undecodable bytes are a problem). A syntax error ends the
    stream: the documents before it are returned together with the problem (callers refuse the
    input anyway).
    """
    convert = _Converter(file)
    documents: list[YamlDocument] = []
    try:
        for index, node in enumerate(yaml.compose_all(text, Loader=yaml.SafeLoader)):
            if node is None:
                continue
            documents.append(YamlDocument(file, index, convert.loc(node), convert.value(node)))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{file}:{mark.line + 1}" if mark is not None else file
        message = " ".join(str(p) for p in (exc.context, exc.problem) if p) or "not valid YAML"
        convert.problems.append(Problem("BAD_YAML", f"not valid YAML: {message}", where=where))
    except yaml.YAMLError as exc:
        message = " ".join(str(exc).split())  # one line: a reader error names the offset below
        convert.problems.append(Problem("BAD_YAML", f"not valid YAML: {message}", where=file))
    return documents, convert.problems


def map_strings(value: YamlValue, change: Callable[[str, Loc, str], str], path: str = "") -> YamlValue:
    """A copy of ``value`` with every string replaced by ``change(text, loc, field)``.

    Locations and tags are kept; mapping keys are not changed (docker compose interpolates values
    only). ``field`` is the string's path (``services.cart.image``).

    >>> doc = load_yaml_documents("a: [x, 1]\\n", "f")[0][0].value
    >>> map_strings(doc, lambda text, loc, at: f"{text}@{loc.line}:{at}")
    {'a': ['x@1:a[0]', 1]}
    """
    if isinstance(value, YamlMap):
        out = YamlMap(value.loc)
        out.locs, out.tags = dict(value.locs), dict(value.tags)
        for key, item in value.items():
            at = field_path(path, key)
            out[key] = (
                change(item, value.loc_of(key), at)
                if isinstance(item, str)
                else map_strings(item, change, at)
            )
        return out
    if isinstance(value, YamlList):
        seq = YamlList(value.loc)
        seq.locs, seq.tags = list(value.locs), dict(value.tags)
        for i, item in enumerate(value):
            at = field_path(path, i)
            seq.append(
                change(item, value.loc_of(i), at) if isinstance(item, str) else map_strings(item, change, at)
            )
        return seq
    return value


def to_json(value: YamlValue) -> JsonValue:
    """A plain JSON value (dicts and lists without locations)."""
    if isinstance(value, YamlMap):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, YamlList):
        return [to_json(v) for v in value]
    return value


def scalar_text(value: YamlValue) -> str | None:
    """A scalar as the text a program would see (``true``, ``8080``, ``""`` for null); None else.

    >>> scalar_text(True), scalar_text(8080), scalar_text(None), scalar_text(YamlList(Loc("f", 1)))
    ('true', '8080', '', None)
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return None


def field_path(*parts: str | int) -> str:
    """A record path such as ``spec.template.spec.containers[0].env[3]``.

    >>> field_path("spec", "containers", 0, "env", 3)
    'spec.containers[0].env[3]'
    """
    out = ""
    for part in parts:
        if part == "":
            continue
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out
