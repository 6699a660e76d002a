"""Bad input is rejected whole, with a stable code naming the file, the record and the field.

The corpus lives in ``tests/data/bad_input``: every file has exactly one defect, described in
:data:`EXPECTED`. Each file is checked twice:

- in process: :func:`read_graph_files` (record-level rules) or, for graph rules, the store's
  validation through :func:`load_records` reports exactly that one problem;
- end to end: ``cmdbgraph --store DB import FILE`` against a store that already holds data exits
  2, prints nothing on stdout, names the file, record, field and code on stderr, and leaves the
  store as it was: its files byte-for-byte, and the CLI's export, ``stats --json`` and
  ``last_seq``.

Store-level defects sit after valid new records (the dangling endpoint in the last of 1201
records), so a write that happened before validation finished would show in the export.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pytest

from cmdbgraph.graphdb import EmbeddedStore
from cmdbgraph.ingest.graphfile import GraphFileContent, read_graph_files
from cmdbgraph.ingest.loader import load_records
from cmdbgraph.schema import InvalidInput, Problem
from tests.cli.clirun import (
    BAD_INPUT,
    BASE_GRAPH,
    CliResult,
    StoreSnapshot,
    copy_store,
    ok,
    run_cli,
    snapshot,
    store_files,
)

Stage = Literal["file", "store"]


@dataclass(frozen=True)
class Expected:
    """The one problem a corpus file must produce.

    ``where`` is the record after the file label (``cis[3] (id 'x')``), empty for a problem
    with the file as a whole; ``message`` is a fragment of the message (its start, for a
    file-level problem). ``stage`` says who finds it: the file reader or the store.
    """

    code: str
    where: str
    field: str
    message: str
    stage: Stage


EXPECTED: dict[str, Expected] = {
    "wrong_criticality.json": Expected(
        "INVALID_FIELD", "cis[3] (id 'n-svc-3')", "criticality", "valid integer", "file"
    ),
    "attributes_not_mapping.yaml": Expected(
        "INVALID_FIELD", "cis[2] (id 'n-db-2')", "attributes", "valid dictionary", "file"
    ),
    "host_cpu_count_string.json": Expected(
        "ATTRIBUTE_TYPE",
        "cis[4] (id 'n-host-4')",
        "attributes.cpu_count",
        "expected integer, got 'eight'",
        "store",
    ),
    "unknown_kind.yaml": Expected(
        "UNKNOWN_KIND", "cis[1] (id 'n-ship')", "kind", "unknown kind 'Spaceship'", "store"
    ),
    "dangling_endpoint_last_record.json": Expected(
        "DANGLING_ENDPOINT", "relationships[800]", "target", "target 'n-ghost' is not a CI", "store"
    ),
    "duplicate_id_conflicting_kinds.json": Expected(
        "CONFLICTING_DUPLICATE",
        "cis[5] (id 'n-dup')",
        "id",
        "id 'n-dup' appears again with different content (first at cis[1])",
        "store",
    ),
    "malformed.json": Expected("MALFORMED_FILE", "", "", "malformed JSON", "file"),
    "malformed.yaml": Expected("MALFORMED_FILE", "", "", "malformed YAML", "file"),
    "unknown_relationship_type.json": Expected(
        "UNKNOWN_REL_TYPE", "relationships[7]", "type", "unknown relationship type 'POWERED_BY'", "store"
    ),
    "min_up_exceeds_group.yaml": Expected(
        "MIN_UP_EXCEEDS_GROUP",
        "relationships[1] (redundancy group 'replicas' of 'n-app')",
        "min_up",
        "min_up 3 is larger than the group (2 provider(s))",
        "store",
    ),
    "min_up_without_group.json": Expected(
        "MIN_UP_WITHOUT_GROUP", "relationships[2]", "min_up", "min_up needs a redundancy_group", "file"
    ),
    "self_loop.yaml": Expected(
        "SELF_LOOP", "relationships[1]", "target", "a CI cannot relate to itself ('n-svc-1')", "file"
    ),
    "unknown_top_level_key.json": Expected(
        "INVALID_FILE", "", "", "unknown top-level key 'services'", "file"
    ),
    "top_level_list.yaml": Expected("INVALID_FILE", "", "", "the top level must be a mapping", "file"),
    "top_level_list.json": Expected("INVALID_FILE", "", "", "the top level must be a mapping", "file"),
    "cis_not_a_list.json": Expected("INVALID_FILE", "", "", "'cis' must be a list", "file"),
    "cis_empty_mapping.yaml": Expected("INVALID_FILE", "", "", "'cis' must be a list", "file"),
    "relationships_not_a_list.yaml": Expected(
        "INVALID_FILE", "", "", "'relationships' must be a list", "file"
    ),
    "unknown_ci_field.yaml": Expected(
        "UNKNOWN_FIELD", "cis[2] (id 'n-svc-2')", "colour", "unknown field", "file"
    ),
    "record_not_mapping.json": Expected("INVALID_RECORD", "cis[1]", "", "a record must be a mapping", "file"),
    "missing_kind.yaml": Expected("MISSING_FIELD", "cis[2] (id 'n-svc-2')", "kind", "required", "file"),
}

CORPUS = sorted(EXPECTED)


def _expected_where(label: str, expected: Expected) -> str:
    return f"{label}: {expected.where}" if expected.where else label


def _assert_the_problem(problems: tuple[Problem, ...], label: str, expected: Expected) -> None:
    assert len(problems) == 1, [str(p) for p in problems]
    (problem,) = problems
    assert problem.code == expected.code, str(problem)
    assert problem.where == _expected_where(label, expected), str(problem)
    assert problem.field == expected.field, str(problem)
    if expected.where:
        assert expected.message in problem.message, str(problem)
    else:
        assert problem.message.startswith(expected.message), str(problem)


# ------------------------------------------------------------------------------------ corpus


def test_every_corpus_file_has_an_expectation() -> None:
    on_disk = {p.name for p in BAD_INPUT.iterdir() if p.suffix in (".json", ".yaml")}
    assert on_disk == set(EXPECTED)


def test_corpus_covers_every_defect_class() -> None:
    codes = {e.code for e in EXPECTED.values()}
    assert codes >= {
        "INVALID_FIELD",
        "ATTRIBUTE_TYPE",
        "UNKNOWN_KIND",
        "DANGLING_ENDPOINT",
        "CONFLICTING_DUPLICATE",
        "MALFORMED_FILE",
        "UNKNOWN_REL_TYPE",
        "MIN_UP_EXCEEDS_GROUP",
        "INVALID_FILE",
        "UNKNOWN_FIELD",
    }


def test_the_dangling_endpoint_is_the_last_of_many_records() -> None:
    content = read_graph_files([BAD_INPUT / "dangling_endpoint_last_record.json"])
    assert len(content.cis) == 400
    assert len(content.relationships) == 801
    assert content.relationships[-1].target == "n-ghost"
    assert "n-ghost" not in {c.id for c in content.cis}


# ----------------------------------------------------------------------------- in process


@pytest.fixture
def base_store(tmp_path: Path) -> Iterator[EmbeddedStore]:
    """An embedded store holding the base graph."""
    store = EmbeddedStore(tmp_path / "base.db")
    try:
        base = read_graph_files([BASE_GRAPH])
        load_records(store, base.cis, base.relationships, actor="test")
        yield store
    finally:
        store.close()


@pytest.mark.parametrize("name", CORPUS)
def test_reader_and_store_report_the_one_problem(name: str, base_store: EmbeddedStore) -> None:
    path = BAD_INPUT / name
    expected = EXPECTED[name]
    if expected.stage == "file":
        with pytest.raises(InvalidInput) as caught:
            read_graph_files([path])
        _assert_the_problem(caught.value.problems, str(path), expected)
        return

    content = read_graph_files([path])
    before_seq = base_store.last_seq()
    before_counts = base_store.counts()
    for batch_size in (None, 50):
        with pytest.raises(InvalidInput) as caught:
            load_records(
                base_store,
                content.cis,
                content.relationships,
                actor="test",
                batch_size=batch_size,
                origin=content.origin,
            )
        _assert_the_problem(caught.value.problems, str(path), expected)
        assert base_store.last_seq() == before_seq
        assert base_store.counts() == before_counts


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("self_loop.yaml", "a CI cannot relate to itself ('n-svc-1')"),
        ("min_up_without_group.json", "min_up needs a redundancy_group"),
    ],
)
def test_record_level_errors_are_plain_and_do_not_echo_the_record(name: str, message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        read_graph_files([BAD_INPUT / name])
    (problem,) = caught.value.problems
    assert problem.message == message


def test_invalid_input_message_lists_code_record_and_field() -> None:
    path = BAD_INPUT / "wrong_criticality.json"
    with pytest.raises(InvalidInput) as caught:
        read_graph_files([path])
    text = str(caught.value)
    assert text.startswith("1 problem(s) in the input:\n  - ")
    assert f"{path}: cis[3] (id 'n-svc-3'), field 'criticality': " in text
    assert text.endswith("(got 'high') [INVALID_FIELD]")
    assert caught.value.code == "BAD_INPUT"
    assert caught.value.exit_code == 2


def test_problems_of_several_files_are_all_reported_with_their_file(tmp_path: Path) -> None:
    first = BAD_INPUT / "wrong_criticality.json"
    second = BAD_INPUT / "unknown_ci_field.yaml"
    with pytest.raises(InvalidInput) as caught:
        read_graph_files([first, second])
    assert [(p.where.split(": ")[0], p.code) for p in caught.value.problems] == [
        (str(first), "INVALID_FIELD"),
        (str(second), "UNKNOWN_FIELD"),
    ]


def test_record_problems_of_one_file_are_all_reported(tmp_path: Path) -> None:
    path = tmp_path / "two.json"
    path.write_text(
        '{"cis": [{"id": "a", "kind": "Service", "criticality": 9},'
        ' {"id": "b", "kind": "Service", "status": "on fire"}],'
        ' "relationships": [{"source": "a", "target": "b"}]}'
    )
    with pytest.raises(InvalidInput) as caught:
        read_graph_files([path])
    got = [(p.where, p.field, p.code) for p in caught.value.problems]
    assert got == [
        (f"{path}: cis[0] (id 'a')", "criticality", "INVALID_FIELD"),
        (f"{path}: cis[1] (id 'b')", "status", "INVALID_FIELD"),
        (f"{path}: relationships[0]", "type", "MISSING_FIELD"),
    ]


def test_yaml_sections_without_a_value_are_empty(tmp_path: Path) -> None:
    path = tmp_path / "empty_sections.yaml"
    path.write_text("cis:\nrelationships:\n")
    content = read_graph_files([path])
    assert content == GraphFileContent()


def test_a_missing_file_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "nope.json"
    with pytest.raises(InvalidInput) as caught:
        read_graph_files([path])
    (problem,) = caught.value.problems
    assert (problem.code, problem.where) == ("UNREADABLE_FILE", str(path))
    assert "No such file" in problem.message


# ------------------------------------------------------------------------------- the CLI


@dataclass(frozen=True)
class Template:
    """A store that already holds the base graph, and what the CLI reports about it."""

    store: Path
    before: StoreSnapshot


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    work = tmp_path_factory.mktemp("template")
    store = work / "store.db"
    ok(run_cli(["--store", store, "import", BASE_GRAPH], cwd=work))
    before = snapshot(store, cwd=work)
    assert before.stats["cis"] == 9
    assert before.stats["relationships"] == 9
    assert before.last_seq == 18
    return Template(store, before)


@dataclass(frozen=True)
class Scenario:
    """One rejected CLI import: the corpus file, the extra arguments, an optional good file
    imported in the same command (before the bad one)."""

    name: str
    extra: tuple[str, ...] = ()
    with_good_file: bool = False


@dataclass(frozen=True)
class Outcome:
    """What a scenario did: the label passed, the CLI result, whether the store's files were
    byte-identical after it, and the CLI's export and stats of the store after its chain."""

    label: str
    result: CliResult
    files_unchanged: bool
    after: StoreSnapshot


SCENARIOS: dict[str, Scenario] = {
    **{f"plain-{name}": Scenario(name) for name in CORPUS},
    # batched imports validate the whole input (as a dry run) before the first batch
    "batched-dangling": Scenario("dangling_endpoint_last_record.json", ("--batch-size", "10", "--json")),
    "batched-min-up": Scenario("min_up_exceeds_group.yaml", ("--batch-size", "10", "--json")),
    "dry-run-unknown-kind": Scenario("unknown_kind.yaml", ("--dry-run", "--json")),
    "json-malformed": Scenario("malformed.yaml", ("--json",)),
    # every file is validated before anything is written: the good first file is not imported
    "good-file-then-bad": Scenario("unknown_relationship_type.json", with_good_file=True),
}


CHAINS = 2
"""Scenarios run in this many independent chains at once, each on its own copy of the store."""


def _run_chain(store: Path, work: Path, sids: list[str]) -> dict[str, Outcome]:
    """Run ``sids`` one after the other against ``store``, then snapshot it."""
    runs: dict[str, tuple[str, CliResult, bool]] = {}
    for sid in sids:
        scenario = SCENARIOS[sid]
        label = f"bad_input/{scenario.name}"
        files = ["good.json", label] if scenario.with_good_file else [label]
        before = store_files(store)
        result = run_cli(["--store", store, "import", *files, *scenario.extra], cwd=work)
        runs[sid] = (label, result, store_files(store) == before)
    after = snapshot(store, cwd=work)
    return {sid: Outcome(label, result, same, after) for sid, (label, result, same) in runs.items()}


@pytest.fixture(scope="module")
def outcomes(template: Template, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Outcome]:
    """Every scenario, in a few chains that each run their scenarios one after the other
    against their own copy of the template store.

    The corpus is copied to ``bad_input/`` in the working directory and passed by that short
    relative path, so the expected text does not depend on where the repository is checked out
    (``test_long_file_path_is_printed_whole`` checks an absolute, long path). After each
    run the store's files must be byte-identical to before it; after all of a chain's runs the
    CLI's export and stats of its store must equal the template's.
    """
    work = tmp_path_factory.mktemp("scenarios")
    (work / "bad_input").mkdir()
    for name in CORPUS:
        (work / "bad_input" / name).write_bytes((BAD_INPUT / name).read_bytes())
    (work / "good.json").write_text('{"cis": [{"id": "n-new", "kind": "Service"}], "relationships": []}')
    sids = list(SCENARIOS)
    chains = [(copy_store(template.store, work / f"store-{i}.db"), sids[i::CHAINS]) for i in range(CHAINS)]
    with ThreadPoolExecutor(max_workers=CHAINS) as pool:
        done = pool.map(lambda chain: _run_chain(chain[0], work, chain[1]), chains)
        return {sid: outcome for chain in done for sid, outcome in chain.items()}


def _assert_reported(stderr: str, label: str, expected: Expected) -> None:
    """``stderr`` (white space normalised) carries the problem line, code and all."""
    assert "error [BAD_INPUT]: 1 problem(s) in the input:" in stderr, stderr
    if expected.where:
        head = f"- {label}: {expected.where}"
        head += f", field '{expected.field}': " if expected.field else ": "
        assert head in stderr, stderr
        assert expected.message in stderr, stderr
    else:
        assert f"- {label}: {expected.message}" in stderr, stderr
    assert f"[{expected.code}]" in stderr, stderr


@pytest.mark.parametrize("sid", list(SCENARIOS))
def test_cli_import_rejects_bad_input_and_leaves_store_unchanged(
    sid: str, outcomes: dict[str, Outcome], template: Template
) -> None:
    outcome = outcomes[sid]
    result = outcome.result
    assert result.returncode == 2, result.describe()
    assert result.stdout == "", result.describe()
    assert "Traceback" not in result.stderr
    _assert_reported(result.flat_stderr, outcome.label, EXPECTED[SCENARIOS[sid].name])
    assert outcome.files_unchanged, f"the store's files changed during {sid}"
    assert outcome.after.export == template.before.export
    assert outcome.after.stats == template.before.stats
    assert outcome.after.last_seq == template.before.last_seq


def test_cli_missing_file_is_bad_input(tmp_path: Path) -> None:
    store = tmp_path / "fresh.db"
    result = run_cli(["--store", store, "import", "absent.json"], cwd=tmp_path)
    assert result.returncode == 2, result.describe()
    assert result.stdout == ""
    assert "- absent.json: cannot read: No such file or directory [UNREADABLE_FILE]" in result.flat_stderr
    assert not store.exists(), "a rejected file must not create the store"


def test_long_file_path_is_printed_whole(template: Template, tmp_path: Path) -> None:
    """Each problem stays on one line however long the path (stderr is not wrapped at 80 columns)."""
    folder = tmp_path / ("deeply-nested-import-folder-" + "x" * 60)
    folder.mkdir()
    path = folder / "wrong_criticality.json"
    path.write_bytes((BAD_INPUT / "wrong_criticality.json").read_bytes())
    store = copy_store(template.store, tmp_path / "store.db")
    result = run_cli(["--store", store, "import", path], cwd=tmp_path)
    assert result.returncode == 2, result.describe()
    problem_lines = [line for line in result.stderr.splitlines() if "[INVALID_FIELD]" in line]
    assert len(problem_lines) == 1, result.stderr
    assert f"{path}: cis[3] (id 'n-svc-3'), field 'criticality': " in problem_lines[0]
