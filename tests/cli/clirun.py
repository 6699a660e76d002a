"""Running the real CLI in subprocesses: ``python -m cmdbgraph.cli ...`` against real files.

Shared by the CLI tests and the bad-input tests. Every run gets a controlled environment: no
inherited ``CMDBGRAPH_*`` variables, a fixed audit actor, and no terminal-size or colour
overrides, so rich renders exactly as it does for a user piping the output (80 columns, no
ANSI codes).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data"
GOOD = DATA / "good"
BAD_INPUT = DATA / "bad_input"
BASE_GRAPH = GOOD / "base.json"

ACTOR = "pytest-actor"
TIMEOUT_S = 120
_DROPPED_ENV = ("COLUMNS", "LINES", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "PYTHONWARNINGS")


def cli_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a CLI run: the current one without ``CMDBGRAPH_*`` and rich overrides."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CMDBGRAPH_") and k not in _DROPPED_ENV}
    env["CMDBGRAPH_ACTOR"] = ACTOR
    env["NO_COLOR"] = "1"
    env.update(extra or {})
    return env


@dataclass(frozen=True)
class CliResult:
    """The outcome of one CLI run."""

    args: tuple[str, ...]
    returncode: int
    stdout_bytes: bytes
    stderr: str

    @property
    def stdout(self) -> str:
        return self.stdout_bytes.decode()

    @property
    def flat_stderr(self) -> str:
        """stderr with every run of white space (including rich's line wrapping) as one space."""
        return " ".join(self.stderr.split())

    def json(self) -> Any:
        """The whole of stdout parsed as exactly one JSON document."""
        return json.loads(self.stdout)

    def describe(self) -> str:
        return (
            f"cmdbgraph {' '.join(self.args)} -> exit {self.returncode}\n"
            f"--- stdout ---\n{self.stdout[:3000]}\n--- stderr ---\n{self.stderr[:3000]}"
        )


def _command(args: Sequence[str | Path]) -> list[str]:
    return [sys.executable, "-m", "cmdbgraph.cli", *(str(a) for a in args)]


def run_cli(args: Sequence[str | Path], *, cwd: Path, env: Mapping[str, str] | None = None) -> CliResult:
    """Run ``cmdbgraph ARGS`` in ``cwd`` and wait for it."""
    proc = subprocess.run(
        _command(args), cwd=cwd, env=cli_env(env), capture_output=True, timeout=TIMEOUT_S, check=False
    )
    return CliResult(tuple(str(a) for a in args), proc.returncode, proc.stdout, proc.stderr.decode())


@dataclass(frozen=True)
class Job:
    """One CLI run of a batch: its arguments, working directory and extra environment."""

    args: Sequence[str | Path]
    cwd: Path
    env: Mapping[str, str] | None = None


def run_jobs(jobs: Sequence[Job]) -> list[CliResult]:
    """Run independent CLI commands a few at a time (the machine has several cores and each
    run is mostly interpreter start-up); results in the order given."""
    workers = max(2, min(4, os.cpu_count() or 2))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda job: run_cli(job.args, cwd=job.cwd, env=job.env), jobs))


def ok(result: CliResult) -> CliResult:
    """``result``, asserting it exited 0."""
    assert result.returncode == 0, result.describe()
    return result


@dataclass(frozen=True)
class StoreSnapshot:
    """What a store holds, as the CLI reports it: the canonical export and ``stats --json``."""

    export: bytes
    stats: dict[str, Any]

    @property
    def last_seq(self) -> int:
        value = self.stats["last_seq"]
        assert isinstance(value, int)
        return value


def snapshots(stores: Sequence[str | Path], *, cwd: Path) -> list[StoreSnapshot]:
    """Export and ``stats --json`` of each store (run concurrently; they only read)."""
    jobs: list[Job] = []
    for store in stores:
        jobs += [Job(["--store", store, "export"], cwd), Job(["--store", store, "stats", "--json"], cwd)]
    results = [ok(r) for r in run_jobs(jobs)]
    snaps = []
    for exported, stats in zip(results[::2], results[1::2], strict=True):
        doc = stats.json()
        assert isinstance(doc, dict)
        snaps.append(StoreSnapshot(exported.stdout_bytes, doc))
    return snaps


def snapshot(store: str | Path, *, cwd: Path) -> StoreSnapshot:
    """Export and ``stats --json`` of ``store``."""
    return snapshots([store], cwd=cwd)[0]


def store_files(store: Path) -> dict[str, bytes]:
    """The bytes of the SQLite store file and any ``-wal``/``-shm`` files next to it."""
    return {p.name: p.read_bytes() for p in sorted(store.parent.glob(store.name + "*"))}


def copy_store(source: Path, target: Path) -> Path:
    """Copy the SQLite store ``source`` (with any ``-wal``/``-shm`` files) to ``target``."""
    for path in source.parent.glob(source.name + "*"):
        shutil.copy2(path, target.parent / (target.name + path.name[len(source.name) :]))
    return target
