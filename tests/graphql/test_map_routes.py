"""The ``/map/...`` routes through the in-process app: authentication, permissions, redaction,
masking, argument checks and error codes (the graph of ``conftest.py``, plus two changes)."""

from __future__ import annotations

from typing import Any

import pytest

from cmdbgraph.access.roles import Role
from cmdbgraph.graphdb import Batch
from cmdbgraph.schema import CIData
from tests.factories import rel
from tests.graphql.conftest import Server
from tests.visual.pagedata import by_ci, card, map_data

CHANGES = Batch(
    upsert_cis=[
        CIData(
            id=f"CHG-{n}",
            kind="ChangeRequest",
            name=f"Patch host two ({n})",
            attributes={
                "title": f"Patch host two ({n})",
                "change_type": "normal",
                "state": "submitted",
                "window_start": "2026-12-01T22:00:00+00:00",
                "window_end": "2026-12-02T02:00:00+00:00",
            },
        )
        for n in (1, 2)
    ]
    + [
        CIData(
            id="CHG-SECRET",
            kind="ChangeRequest",
            attributes={
                "title": "secret",
                "change_type": "normal",
                "state": "submitted",
                "window_start": "2026-12-01T22:00:00+00:00",
                "window_end": "2026-12-02T02:00:00+00:00",
                "restricted": True,
            },
        )
    ],
    upsert_relationships=[
        rel("CHG-1", "host-2", "CHANGES"),
        rel("CHG-2", "host-2", "CHANGES"),
        rel("CHG-SECRET", "host-1", "CHANGES"),
    ],
)
MAPS = ["/map/ci/app-web", "/map/impact?ci=host-2", "/map/root-cause?symptom=svc-web", "/map/change/CHG-1"]


@pytest.fixture
def maps(server: Server) -> Server:
    server.store.apply(CHANGES, actor="fixture")
    return server


def get(server: Server, url: str, *, role: Role | None = Role.ANALYST, html: bool = False) -> Any:
    headers = {} if role is None else {"Authorization": f"Bearer {server.tokens[role]}"}
    if html:
        headers["Accept"] = "text/html"
    return server.client.get(url, headers=headers)


def page(server: Server, url: str, role: Role = Role.ANALYST) -> tuple[str, dict[str, Any]]:
    response = get(server, url, role=role)
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"].startswith("text/html")
    return response.text, map_data(response.text)


def error_code(response: Any) -> str:
    code: str = response.json()["errors"][0]["extensions"]["code"]
    return code


@pytest.mark.parametrize("url", MAPS)
def test_without_a_token_every_map_is_401(maps: Server, url: str) -> None:
    response = get(maps, url, role=None)
    assert response.status_code == 401
    assert error_code(response) == "UNAUTHENTICATED"


@pytest.mark.parametrize("url", MAPS)
def test_a_role_without_the_permission_gets_403(maps: Server, url: str) -> None:
    response = get(maps, url, role=Role.REQUESTER)
    assert response.status_code == 403
    assert error_code(response) == "FORBIDDEN"


@pytest.mark.parametrize("url", MAPS)
def test_every_role_with_the_permissions_gets_the_page(maps: Server, url: str) -> None:
    for role in (Role.ADMIN, Role.OWNER, Role.APPROVER, Role.OPERATOR, Role.ANALYST):
        _, data = page(maps, url, role)
        assert data["map"]["served"] is True
        assert data["nodes"]


def test_pages_are_sent_with_a_policy_and_never_cached(maps: Server) -> None:
    response = get(maps, "/map/ci/app-web")
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "script-src 'sha256-" in policy
    assert "unsafe-eval" not in policy
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"


def test_the_neighbourhood_draws_the_restricted_ci_as_an_anonymous_node(maps: Server) -> None:
    text, data = page(maps, "/map/ci/app-web?depth=1")
    nodes = by_ci(data)
    assert set(nodes) == {"app-web", "svc-web", "host-1", "team-a", "redacted-1"}
    stand_in = nodes["redacted-1"]
    assert stand_in["kind"] == "Redacted"
    assert stand_in["link"] is None
    assert stand_in["title"] == "redacted-1"
    assert card(stand_in) == {
        "id": "redacted-1",
        "kind": "Redacted",
        "note": "restricted CI: identity and content hidden",
        "hops from the centre": "1",
    }
    assert "db-secret" not in text
    assert "Secret DB" not in text
    assert nodes["host-1"]["link"] == "/map/ci/host-1"
    assert data["map"]["center"] == "app-web"
    # an admin has clearance and sees the CI itself
    _, admin = page(maps, "/map/ci/app-web?depth=1", Role.ADMIN)
    assert "db-secret" in by_ci(admin)
    assert "redacted-1" not in by_ci(admin)


def test_sensitive_attributes_are_masked_without_clearance(maps: Server) -> None:
    text, data = page(maps, "/map/ci/host-1?depth=1")
    assert card(by_ci(data)["host-1"])["ip_address"] == "(masked)"
    assert "10.0.0.1" not in text
    _, admin = page(maps, "/map/ci/host-1?depth=1", Role.ADMIN)
    assert card(by_ci(admin)["host-1"])["ip_address"] == "10.0.0.1"


def test_a_restricted_centre_is_forbidden_and_an_unknown_one_not_found(maps: Server) -> None:
    assert get(maps, "/map/ci/db-secret").status_code == 403
    assert get(maps, "/map/ci/db-secret", role=Role.ADMIN).status_code == 200
    missing = get(maps, "/map/ci/no-such-ci")
    assert missing.status_code == 404
    assert error_code(missing) == "NOT_FOUND"
    assert get(maps, "/map/impact?ci=no-such-ci").status_code == 404
    assert get(maps, "/map/root-cause?symptom=no-such-ci").status_code == 404
    assert get(maps, "/map/change/no-such-change").status_code == 404
    assert get(maps, "/map/change/app-web").status_code == 404  # not a change
    assert get(maps, "/map/change/CHG-SECRET").status_code == 403


def test_the_blast_radius_redacts_paths_through_the_restricted_ci(maps: Server) -> None:
    text, data = page(maps, "/map/impact?ci=host-2")
    nodes = by_ci(data)
    assert set(nodes) == {"host-2", "redacted-1", "app-web", "svc-web"}
    assert nodes["host-2"]["role"] == "failed"
    assert {nodes[i]["role"] for i in ("redacted-1", "app-web", "svc-web")} == {"down"}
    assert card(nodes["svc-web"])["explanation"] == "host-2 → redacted-1 → app-web → svc-web"
    assert "db-secret" not in text
    assert "Secret DB" not in text
    assert data["stats"]["cis"] == 4
    assert data["stats"]["clusters"] == 0


def test_the_root_cause_map_ranks_candidates_and_marks_symptoms(maps: Server) -> None:
    text, data = page(maps, "/map/root-cause?symptom=svc-web&symptom=app-web&limit=3")
    nodes = by_ci(data)
    candidates = sorted((n for n in data["nodes"] if n["role"] == "candidate"), key=lambda n: n["label"])
    assert len(candidates) == 3
    assert all(n["label"].startswith("#") for n in candidates)
    assert {"svc-web", "app-web"} <= set(nodes)
    assert "db-secret" not in text


def test_the_change_map_shows_targets_impact_and_the_colliding_change(maps: Server) -> None:
    text, data = page(maps, "/map/change/CHG-1")
    nodes = by_ci(data)
    assert nodes["CHG-1"]["role"] == "change"
    assert nodes["host-2"]["role"] == "target"
    assert nodes["CHG-2"]["role"] == "collision"
    assert {"redacted-1", "app-web", "svc-web"} <= set(nodes)
    assert "db-secret" not in text
    types = {e["type"] for e in data["edges"]}
    assert {"CHANGES", "COLLIDES_WITH"} <= types


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("/map/ci/app-web?depth=99", "QUERY_TOO_COMPLEX"),
        ("/map/ci/app-web?depth=two", "BAD_USER_INPUT"),
        ("/map/ci/app-web?direction=sideways", "BAD_USER_INPUT"),
        ("/map/ci/app-web?group=colour", "BAD_USER_INPUT"),
        ("/map/ci/app-web?max_nodes=5", "BAD_USER_INPUT"),
        ("/map/impact", "BAD_USER_INPUT"),
        ("/map/impact?ci=host-2&depth=-1", "QUERY_TOO_COMPLEX"),
        ("/map/root-cause", "BAD_USER_INPUT"),
        ("/map/root-cause?symptom=svc-web&limit=0", "QUERY_TOO_COMPLEX"),
        ("/map/impact?" + "&".join(f"ci=x{i}" for i in range(201)), "QUERY_TOO_COMPLEX"),
    ],
)
def test_bad_arguments_are_400_with_a_code(maps: Server, url: str, code: str) -> None:
    response = get(maps, url)
    assert response.status_code == 400
    assert error_code(response) == code


def test_errors_for_browsers_are_small_escaped_pages(maps: Server) -> None:
    response = get(maps, "/map/ci/<script>alert(1)</script>", html=True)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "<script>" not in response.text
    assert "&lt;script&gt;" in response.text


def test_ids_with_slashes_and_url_syntax_are_reachable_and_linked(maps: Server) -> None:
    odd = "a/b ?#%x"
    maps.store.apply(
        Batch(
            upsert_cis=[CIData(id=odd, kind="Service")],
            upsert_relationships=[rel(odd, "app-web", "DEPENDS_ON")],
        ),
        actor="fixture",
    )
    _, data = page(maps, "/map/ci/app-web?depth=1")
    link = by_ci(data)[odd]["link"]
    assert link == "/map/ci/a%2Fb%20%3F%23%25x"
    _, centred = page(maps, link)
    assert centred["map"]["center"] == odd


def test_grouping_and_the_node_budget_apply_to_served_maps(maps: Server) -> None:
    _, data = page(maps, "/map/ci/app-web?depth=3&max_nodes=20&group=team")
    assert data["stats"]["group_by"] == "team"
    assert data["stats"]["max_nodes"] == 20
