"""GraphML export: the graph as a GraphML document, written as it is read (streaming).

:func:`write_graphml` writes the ``<key>`` declarations first (the property set is fixed), then
one ``<node>`` per CI and one ``<edge>`` per relationship as the iterables yield them, so a
100k-CI store is exported without building a document or a networkx graph in memory. Tools
that read GraphML (networkx ``read_graphml``, Gephi, yEd, Cytoscape) see:

- the graph: ``edgedefault="directed"``;
- nodes: ``id`` = the CI id; data ``kind``, ``name``, ``status`` (string), ``criticality``
  (int), ``attributes`` (the CI's attributes as a JSON object, keys sorted);
- edges: ``id`` = ``e0``, ``e1``... (unique, so several relationships of different types between
  the same two CIs stay distinct edges: a reader keeps them as parallel edges keyed by id),
  ``source``/``target`` = CI ids; data ``type`` (string), ``optional`` (boolean), and when set
  ``redundancy_group`` (string), ``min_up`` (string: ``"2"`` or ``"50%"``) and ``attributes``
  (JSON text).

Text is XML-escaped (``&``, ``<``, ``>``, quotes in attribute values; ``\\r`` as ``&#13;`` so
that it survives parsing); characters XML 1.0 cannot hold at all (most control characters, lone
surrogates) are written as U+FFFD. Every node/edge property is one ``<key>`` declaration.
"""

from __future__ import annotations

import io
import json
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Final, TextIO
from xml.sax.saxutils import escape, quoteattr

from cmdbgraph.schema import CIData, Relationship

GRAPHML_NS: Final = "http://graphml.graphdrawing.org/xmlns"
_XSI: Final = "http://www.w3.org/2001/XMLSchema-instance"
_SCHEMA: Final = "http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd"

NODE_KEYS: Final = (
    ("n_kind", "kind", "string"),
    ("n_name", "name", "string"),
    ("n_criticality", "criticality", "int"),
    ("n_status", "status", "string"),
    ("n_attributes", "attributes", "string"),
)
"""(key id, attr.name, attr.type) of every node property."""

EDGE_KEYS: Final = (
    ("e_type", "type", "string"),
    ("e_optional", "optional", "boolean"),
    ("e_redundancy_group", "redundancy_group", "string"),
    ("e_min_up", "min_up", "string"),
    ("e_attributes", "attributes", "string"),
)
"""(key id, attr.name, attr.type) of every edge property."""

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ENTITIES: Final = {"\r": "&#13;"}
_ATTR_ENTITIES: Final = {"\r": "&#13;", "\n": "&#10;", "\t": "&#9;"}


def _text(value: str) -> str:
    """``value`` as XML character data."""
    return escape(_NOT_XML.sub("\ufffd", value), _ENTITIES)


def _attr(value: str) -> str:
    """``value`` as a quoted XML attribute value (white space kept exactly)."""
    return quoteattr(_NOT_XML.sub("\ufffd", value), _ATTR_ENTITIES)


def _json(value: object) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _data(key: str, value: str) -> str:
    return f'<data key="{key}">{_text(value)}</data>'


def node_element(ci: CIData) -> str:
    """One CI as a ``<node>`` element (one line).

    >>> node_element(CIData(id="db<1>", kind="Database", name="A & B"))  # doctest: +NORMALIZE_WHITESPACE
    '<node id="db&lt;1&gt;"><data key="n_kind">Database</data><data key="n_name">A &amp; B</data><data
    key="n_criticality">3</data><data key="n_status">operational</data><data
    key="n_attributes">{}</data></node>'
    """
    return (
        f"<node id={_attr(ci.id)}>"
        + _data("n_kind", ci.kind)
        + _data("n_name", ci.name)
        + _data("n_criticality", str(ci.criticality))
        + _data("n_status", ci.status.value)
        + _data("n_attributes", _json(ci.attributes))
        + "</node>"
    )


def edge_element(rel: Relationship, edge_id: str) -> str:
    """One relationship as an ``<edge>`` element (one line); unset optional fields are left out.

    >>> rel = Relationship(source="a", target="b", type="DEPENDS_ON")
    >>> edge_element(rel, "e0")  # doctest: +NORMALIZE_WHITESPACE
    '<edge id="e0" source="a" target="b"><data key="e_type">DEPENDS_ON</data><data
    key="e_optional">false</data></edge>'
    """
    parts = [
        f"<edge id={_attr(edge_id)} source={_attr(rel.source)} target={_attr(rel.target)}>",
        _data("e_type", rel.type),
        _data("e_optional", "true" if rel.optional else "false"),
    ]
    if rel.redundancy_group is not None:
        parts.append(_data("e_redundancy_group", rel.redundancy_group))
    if rel.min_up is not None:
        parts.append(_data("e_min_up", str(rel.min_up)))
    if rel.attributes:
        parts.append(_data("e_attributes", _json(rel.attributes)))
    parts.append("</edge>")
    return "".join(parts)


def write_graphml(cis: Iterable[CIData], relationships: Iterable[Relationship], out: TextIO) -> None:
    """Write ``cis`` and ``relationships`` to ``out`` as one GraphML document (UTF-8 declared).

    Streams: each CI and relationship is written as it is yielded and not kept. Relationships
    are expected to join CIs that are written (as a store's contents do); nothing checks it.
    """
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(f'<graphml xmlns="{GRAPHML_NS}" xmlns:xsi="{_XSI}" xsi:schemaLocation="{_SCHEMA}">\n')
    for for_, keys in (("node", NODE_KEYS), ("edge", EDGE_KEYS)):
        for key_id, name, attr_type in keys:
            out.write(f'  <key id="{key_id}" for="{for_}" attr.name="{name}" attr.type="{attr_type}"/>\n')
    out.write('  <graph id="cmdbgraph" edgedefault="directed">\n')
    for ci in cis:
        out.write(f"    {node_element(ci)}\n")
    for n, rel in enumerate(relationships):
        out.write(f"    {edge_element(rel, f'e{n}')}\n")
    out.write("  </graph>\n</graphml>\n")


def write_graphml_file(
    target: Path | IO[bytes], cis: Iterable[CIData], relationships: Iterable[Relationship]
) -> None:
    """:func:`write_graphml` in UTF-8 to a path (atomically, via a temporary file next to it) or to
    a binary stream (such as ``sys.stdout.buffer``, whatever the locale's encoding)."""
    if isinstance(target, Path):
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        try:
            with os.fdopen(fd, "wb") as fh:
                write_graphml_file(fh, cis, relationships)
            Path(tmp).replace(target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return
    text = io.TextIOWrapper(target, encoding="utf-8", newline="\n")
    try:
        write_graphml(cis, relationships, text)
        text.flush()
    finally:
        text.detach()
