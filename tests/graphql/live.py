"""A real ``cmdbgraph serve`` (uvicorn) in a subprocess on 127.0.0.1, for end-to-end tests."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2 as httpx

from tests.cli.clirun import cli_env, ok, run_cli

START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 20.0


def free_port() -> int:
    """A port that was free on 127.0.0.1 a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Live:
    """A running server: its URL, a client, and a token per name created for it."""

    url: str
    cwd: Path
    process: subprocess.Popen[bytes]
    client: httpx.Client
    tokens: dict[str, str] = field(default_factory=dict)

    def gql(self, query: str, variables: dict[str, Any] | None = None, *, token: str = "admin") -> Any:
        response = self.client.post(
            "/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {self.tokens[token]}"},
        )
        assert response.status_code == 200, response.text
        return response.json()


def create_token(cwd: Path, name: str, role: str, *extra: str) -> str:
    """A token made with the real CLI (``token create --json``)."""
    doc = ok(run_cli(["token", "create", "--role", role, "--name", name, "--json", *extra], cwd=cwd)).json()
    secret = doc["token"]
    assert isinstance(secret, str)
    return secret


@contextmanager
def live_server(cwd: Path, *, tokens: dict[str, str] | None = None) -> Iterator[Live]:
    """Start ``cmdbgraph serve`` in ``cwd`` (its store and token file), wait until ``/healthz``
    answers, and on exit stop it with SIGTERM and check it shut down cleanly (exit 0)."""
    port = free_port()
    log = (cwd / f"serve-{port}.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "cmdbgraph.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=cwd,
        env=cli_env(),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    client = httpx.Client(base_url=url, timeout=60.0, trust_env=False)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            assert process.poll() is None, (cwd / f"serve-{port}.log").read_text()
            try:
                if client.get("/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.1)
        yield Live(url=url, cwd=cwd, process=process, client=client, tokens=dict(tokens or {}))
    finally:
        client.close()
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log.close()
    # uvicorn re-raises SIGTERM once it has shut down gracefully, so -SIGTERM is a clean exit
    text = (cwd / f"serve-{port}.log").read_text()
    assert process.returncode in (0, -signal.SIGTERM), text[-3000:]
    assert "Application shutdown complete" in text, text[-3000:]


def access_lines(cwd: Path) -> list[dict[str, Any]]:
    """The structured access-log lines every server in ``cwd`` wrote."""
    lines = []
    for path in cwd.glob("serve-*.log"):
        for line in path.read_text().splitlines():
            if "cmdbgraph.access" in line:
                lines.append(json.loads(line[line.index("{") :]))
    return lines
