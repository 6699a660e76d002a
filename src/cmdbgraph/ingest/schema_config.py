"""Reading the user schema config file (kinds and relationship types) into a Registry."""

from __future__ import annotations

from pathlib import Path

import yaml

from cmdbgraph.schema import DEFAULT_REGISTRY, InvalidInput, Registry


def load_registry(path: Path | None) -> Registry:
    """Built-ins plus the kinds of ``path`` (YAML or JSON); the built-ins alone for ``None``.

    Raises :class:`InvalidInput` (code ``INVALID_SCHEMA_CONFIG``) naming the bad entry.
    """
    if path is None:
        return DEFAULT_REGISTRY
    try:
        with path.open("rb") as fh:
            doc = yaml.load(fh, Loader=yaml.CSafeLoader)
    except OSError as exc:
        raise InvalidInput.one(
            "INVALID_SCHEMA_CONFIG", f"cannot read: {exc.strerror}", where=str(path)
        ) from None
    except yaml.YAMLError as exc:
        raise InvalidInput.one(
            "INVALID_SCHEMA_CONFIG", f"malformed YAML/JSON: {exc}", where=str(path)
        ) from None
    if not isinstance(doc, dict):
        raise InvalidInput.one(
            "INVALID_SCHEMA_CONFIG",
            "expected a mapping with 'kinds' and 'relationship_types'",
            where=str(path),
        )
    return Registry.from_config(doc, where=str(path))
