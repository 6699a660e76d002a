"""End to end over HTTP against a real uvicorn: ``cmdbgraph demo``, ``cmdbgraph token create``,
``cmdbgraph serve``; the GraphQL answers equal the CLI's ``--json`` ones; 8 concurrent clients
mixing reads and writes lose nothing; the server logs every request and stops gracefully."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cli.clirun import ok, run_cli
from tests.graphql.live import Live, access_lines, create_token, live_server

DEPTH = 8
IMPACT = """query($ids: [ID!]!, $depth: Int) { impact(ciIds: $ids, maxDepth: $depth) {
  failed total
  impacted { ci { id kind name } severity depth path }
  summary { businessServices { id name } notify { id name } }
} }"""
ROOT_CAUSE = """query($symptoms: [ID!]!) { rootCause(symptoms: $symptoms) {
  candidates { ci { id kind name } score explains path }
} }"""


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cwd = tmp_path_factory.mktemp("live")
    ok(run_cli(["demo", "--size", "400"], cwd=cwd))
    return cwd


@pytest.fixture(scope="module")
def live(demo_dir: Path) -> Iterator[Live]:
    tokens = {"admin": create_token(demo_dir, "e2e-admin", "admin")}
    tokens["analyst"] = create_token(demo_dir, "e2e-analyst", "analyst")
    with live_server(demo_dir, tokens=tokens) as server:
        yield server
    lines = access_lines(demo_dir)
    assert lines, "the server wrote no access log"
    assert all(set(line) >= {"method", "path", "status", "ms", "token"} for line in lines)
    log_text = "".join(p.read_text() for p in demo_dir.glob("serve-*.log"))
    assert tokens["admin"] not in log_text


def _failing_cis(live: Live) -> list[str]:
    found = live.gql('{ cis(kind: "Database", first: 4) { edges { node { id } } } }')
    ids = [e["node"]["id"] for e in found["data"]["cis"]["edges"]]
    assert len(ids) == 4
    return ids


def test_impact_over_http_equals_the_cli(live: Live) -> None:
    for ci_id in _failing_cis(live):
        cli = ok(run_cli(["impact", ci_id, "--depth", str(DEPTH), "--json"], cwd=live.cwd)).json()
        api = live.gql(IMPACT, {"ids": [ci_id], "depth": DEPTH}, token="analyst")["data"]["impact"]
        assert api["failed"] == cli["failed"]
        assert [
            (i["ci"]["id"], i["ci"]["kind"], i["ci"]["name"], i["severity"], i["depth"], i["path"])
            for i in api["impacted"]
        ] == [(i["id"], i["kind"], i["name"], i["severity"], i["depth"], i["path"]) for i in cli["impacted"]]
        assert api["total"] == len(cli["impacted"])
        summary = cli["summary"]
        assert [(s["id"], s["name"]) for s in api["summary"]["businessServices"]] == [
            (s["id"], s["name"]) for s in summary["business_services"]
        ]
        assert [(c["id"], c["name"]) for c in api["summary"]["notify"]] == [
            (c["id"], c["name"]) for c in summary["notify"]
        ]


def test_root_cause_over_http_equals_the_cli(live: Live) -> None:
    ci_id = _failing_cis(live)[0]
    impacted = live.gql(IMPACT, {"ids": [ci_id], "depth": DEPTH})["data"]["impact"]["impacted"]
    symptoms = [i["ci"]["id"] for i in impacted[:4]]
    assert symptoms, f"{ci_id} impacts nothing; pick a graph where it does"
    cli = ok(run_cli(["root-cause", *symptoms, "--json"], cwd=live.cwd)).json()
    api = live.gql(ROOT_CAUSE, {"symptoms": symptoms}, token="analyst")["data"]["rootCause"]
    assert [
        (c["ci"]["id"], c["ci"]["kind"], c["ci"]["name"], c["score"], c["explains"], c["path"])
        for c in api["candidates"]
    ] == [(c["id"], c["kind"], c["name"], c["score"], c["explains"], c["path"]) for c in cli["candidates"]]
    assert api["candidates"], "no candidates at all would make this comparison empty"


CLIENTS = 8
ROUNDS = 12
WRITE = """mutation($cis: [CIInput!], $rels: [RelationshipInput!]) {
  applyBatch(upsertCis: $cis, upsertRelationships: $rels) { createdCis createdRelationships }
}"""


def test_eight_clients_mixing_reads_and_writes_lose_nothing(tmp_path: Path) -> None:
    ok(run_cli(["demo", "--size", "100"], cwd=tmp_path))
    tokens = {"admin": create_token(tmp_path, "load-admin", "admin")}
    before = ok(run_cli(["stats", "--json"], cwd=tmp_path)).json()
    acknowledged: list[str] = []
    failures: list[Any] = []
    lock = threading.Lock()

    with live_server(tmp_path, tokens=tokens) as live:
        anchor = _anchor(live)

        def client(n: int) -> None:
            import httpx2 as httpx

            headers = {"Authorization": f"Bearer {tokens['admin']}"}
            with httpx.Client(base_url=live.url, timeout=60.0, trust_env=False, headers=headers) as http:
                for r in range(ROUNDS):
                    ci_id = f"load-{n}-{r}"
                    if r % 2 == 0:
                        body = {
                            "query": WRITE,
                            "variables": {
                                "cis": [{"id": ci_id, "kind": "Service", "attributes": {"n": n, "r": r}}],
                                "rels": [{"source": ci_id, "target": anchor, "type": "DEPENDS_ON"}],
                            },
                        }
                    elif r % 4 == 1:
                        body = {"query": IMPACT, "variables": {"ids": [anchor], "depth": 4}}
                    else:
                        body = {"query": '{ cis(text: "load-", first: 100) { totalCount } }'}
                    response = http.post("/graphql", json=body)
                    doc = response.json() if response.status_code == 200 else None
                    with lock:
                        if doc is None or "errors" in doc:
                            failures.append((n, r, response.status_code, response.text[:300]))
                        elif r % 2 == 0:
                            acknowledged.append(ci_id)

        threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert not any(t.is_alive() for t in threads)
        seen = live.gql('{ cis(text: "load-", first: 500) { totalCount edges { node { id } } } }')

    assert failures == []
    assert len(acknowledged) == CLIENTS * ROUNDS // 2
    assert sorted(e["node"]["id"] for e in seen["data"]["cis"]["edges"]) == sorted(acknowledged)
    after = ok(run_cli(["stats", "--json"], cwd=tmp_path)).json()
    assert after["cis"] == before["cis"] + len(acknowledged)
    assert after["relationships"] == before["relationships"] + len(acknowledged)
    for ci_id in acknowledged[:5]:
        shown = ok(run_cli(["show", ci_id, "--json"], cwd=tmp_path)).json()
        assert (shown["kind"], shown["provenance"]["source"]) == ("Service", "token:load-admin")


def _anchor(live: Live) -> str:
    found = live.gql('{ cis(kind: "Database", first: 1) { edges { node { id } } } }')
    anchor = found["data"]["cis"]["edges"][0]["node"]["id"]
    assert isinstance(anchor, str)
    return anchor
