"""Compose variable interpolation and the env file that supplies the variables (pure).

The contract :mod:`cmdbgraph.ingest.importers.compose` relies on:

**Interpolation** (:func:`interpolate`, compose's rules, applied by the importer to values,
never to keys). A variable name is ``[A-Za-z_][A-Za-z0-9_]*``. Supported forms:

- ``$VAR`` and ``${VAR}``: the value; an unset variable becomes empty and is listed in
  :attr:`Interpolated.unset`.
- ``${VAR:-default}`` (unset *or empty*) and ``${VAR-default}`` (unset only): the default.
- ``${VAR:?message}`` / ``${VAR?message}``: an error in :attr:`Interpolated.required` (the
  message, or "required variable is not set"), the value becoming empty.
- ``${VAR:+replacement}`` (set and non-empty) / ``${VAR+replacement}`` (set): the replacement,
  else empty.
- nesting: a default, message or replacement may itself hold any of these forms; the variables
  it leaves unset, or requires, count only when the argument is used.
- ``$$``: a literal ``$``; a ``$`` followed by neither a name nor ``{`` is kept as it is.

Anything else inside ``${...}`` (``${A/b/c}``, ``${}``, an unclosed ``${``) is a syntax error
in :attr:`Interpolated.invalid`. :func:`interpolate_reporting` turns the three lists into
``UNSET_VARIABLE`` / ``BAD_INTERPOLATION`` problems and notes.

**The env file** (:func:`parse_env_file`, compose's dotenv rules). It is the only source of
variables: the process environment is never read, so an import is reproducible (which file is
read is :func:`~cmdbgraph.ingest.importers.compose.read_compose`'s choice: the ``env_file``
given, else ``.env`` beside the first compose file, else a file named ``env`` there). Lines are
``NAME=value`` (``export`` allowed; blank lines and ``#`` lines skipped; anything else is
``BAD_ENV_FILE``). A variable is looked up among the lines *above* it only: a value may use the
variables defined before it, and a later line redefining a name wins. Single-quoted values are
literal; double-quoted values take backslash escapes (``\\n`` is a newline) and are then
interpolated; a quote must close on its line (else ``BAD_ENV_FILE``); an unquoted value ends at
a ``#`` preceded by whitespace. Each :class:`Variable` keeps its evidence (file, name, line,
``NAME=value`` with credentials masked).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from cmdbgraph.ingest.importers.addresses import evidence_detail
from cmdbgraph.ingest.sources import Evidence
from cmdbgraph.schema import Problem

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ENV_LINE = re.compile(r"^\s*(?:export\s+)?(?P<key>[A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(?P<value>.*)$")
_OPERATORS = (":-", ":?", ":+", "-", "?", "+")


@dataclass(frozen=True)
class TextFile:
    """A file's name (as evidence shows it) and its text."""

    name: str
    text: str


# ---------------------------------------------------------------------- interpolation
@dataclass
class Interpolated:
    """The result of :func:`interpolate`: the text, and what went wrong on the way."""

    text: str
    unset: list[str] = field(default_factory=list)
    """Variables used without a value or a default (they became empty)."""
    required: list[str] = field(default_factory=list)
    """``${VAR:?message}`` failures."""
    invalid: list[str] = field(default_factory=list)
    """Syntax errors."""


def interpolate(text: str, variables: Mapping[str, str]) -> Interpolated:
    """Compose variable interpolation of one value (see the module doc).

    >>> interpolate("http://${HOST}:${PORT:-80}/$$x", {"HOST": "cart"}).text
    'http://cart:80/$x'
    >>> interpolate("${A:-${B:?need B}}", {"A": "a"}).required, interpolate("${B:?need B}", {}).required
    ([], ['B: need B'])
    """
    result = Interpolated("")
    result.text, _ = _scan(text, 0, variables, result, nested=False)
    return result


def _scan(
    text: str, i: int, variables: Mapping[str, str], out: Interpolated, nested: bool
) -> tuple[str, int]:
    parts: list[str] = []
    while i < len(text):
        char = text[i]
        if nested and char == "}":
            return "".join(parts), i
        if char != "$":
            parts.append(char)
            i += 1
        elif text.startswith("$$", i):
            parts.append("$")
            i += 2
        elif text.startswith("${", i):
            value, i = _braced(text, i + 2, variables, out)
            parts.append(value)
        elif name := _NAME.match(text, i + 1):
            parts.append(_lookup(name[0], variables, out))
            i = name.end()
        else:
            parts.append("$")
            i += 1
    if nested:
        out.invalid.append(f"'{text}': a '${{' has no closing '}}'")
    return "".join(parts), i


def _lookup(name: str, variables: Mapping[str, str], out: Interpolated) -> str:
    out.unset += [] if name in variables else [name]
    return variables.get(name, "")


def _braced(text: str, i: int, variables: Mapping[str, str], out: Interpolated) -> tuple[str, int]:
    name = _NAME.match(text, i)
    end = text.find("}", i)
    if name is None:
        out.invalid.append(f"'{text}': '${{' must be followed by a variable name")
        return "", len(text) if end < 0 else end + 1
    j = name.end()
    if text.startswith("}", j):
        return _lookup(name[0], variables, out), j + 1
    op = next((o for o in _OPERATORS if text.startswith(o, j)), None)
    if op is None:
        out.invalid.append(f"'{text}': unsupported expression after ${{{name[0]}")
        return "", len(text) if end < 0 else end + 1
    inner = Interpolated("")
    arg, k = _scan(text, j + len(op), variables, inner, nested=True)
    value = variables.get(name[0])
    present = value is not None and (value != "" or ":" not in op)
    used_arg = (op[-1] == "-" and not present) or (op[-1] == "+" and present)
    if used_arg or (op[-1] == "?" and not present):
        out.unset += inner.unset
        out.required += inner.required
    out.invalid += inner.invalid
    if op[-1] == "?" and not present:
        out.required.append(f"{name[0]}: {arg or 'required variable is not set'}")
    result = arg if used_arg else "" if op[-1] == "+" else value or ""
    return result, k + 1


# ---------------------------------------------------------------------- the env file
@dataclass(frozen=True)
class Variable:
    """A variable of the env file, and where it was defined."""

    value: str
    evidence: Evidence


def parse_env_file(env: TextFile, notes: list[str], problems: list[Problem]) -> dict[str, Variable]:
    """The variables of a ``.env`` file (compose's dotenv rules, see the module doc).

    >>> out = parse_env_file(TextFile(".env", "A=1 # x\\nB=${A}:2\\nC='${A}'\\n"), [], [])
    >>> [(k, v.value) for k, v in out.items()]
    [('A', '1'), ('B', '1:2'), ('C', '${A}')]
    """
    variables: dict[str, Variable] = {}
    for number, line in enumerate(env.text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match, where = _ENV_LINE.match(line), f"{env.name}:{number}"
        if match is None:
            problems.append(Problem("BAD_ENV_FILE", "expected NAME=value", where=where))
            continue
        key, raw = match["key"], match["value"].strip()
        if raw[:1] in ("'", '"'):
            close = _closing(raw)
            if close < 0:
                problems.append(Problem("BAD_ENV_FILE", "a quoted value must end on its line", where, key))
                continue
            if raw[0] == "'":
                variables[key] = Variable(raw[1:close], _env_evidence(env, key, number, raw[1:close]))
                continue
            raw = re.sub(r"\\(.)", lambda m: "\n" if m[1] == "n" else m[1], raw[1:close])
        else:
            raw = re.split(r"\s+#", raw, maxsplit=1)[0].strip()
        known = {k: v.value for k, v in variables.items()}
        value = interpolate_reporting(raw, known, where, key, notes, problems)
        variables[key] = Variable(value, _env_evidence(env, key, number, value))
    return variables


def _closing(raw: str) -> int:
    """The index of the quote closing ``raw[0]`` (-1 when it does not close)."""
    i = 1
    while i < len(raw):
        if raw[i] == "\\" and raw[0] == '"':
            i += 2
            continue
        if raw[i] == raw[0]:
            return i
        i += 1
    return -1


def _env_evidence(env: TextFile, key: str, line: int, value: str) -> Evidence:
    return Evidence(file=env.name, field=key, line=line, detail=evidence_detail(key, value))


def interpolate_reporting(
    text: str, variables: Mapping[str, str], where: str, at: str, notes: list[str], problems: list[Problem]
) -> str:
    """:func:`interpolate` ``text``, reporting what went wrong at ``where`` (field ``at``).

    ``${VAR:?msg}`` failures are ``UNSET_VARIABLE`` and syntax errors ``BAD_INTERPOLATION``
    problems; a variable used without a value or a default becomes empty, with a note.
    """
    result = interpolate(text, variables)
    problems.extend(Problem("UNSET_VARIABLE", m, where, at) for m in result.required)
    problems.extend(Problem("BAD_INTERPOLATION", m, where, at) for m in result.invalid)
    notes.extend(f"variable {n} is not set, so it became an empty string (at {where})" for n in result.unset)
    return result.text
