"""``cmdbgraph catalog`` through the real CLI, on the small demo: the demo's catalog and
requests, ordering an item with text answers, working its approvals, and refusals; and how
text answers are read (in process)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cmdbgraph.cli.catalog_commands import parse_answers
from cmdbgraph.schema import InvalidInput
from cmdbgraph.tickets.catalog_demo import DEMO_CATALOG
from tests.cli.clirun import CliResult, run_cli


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    work = tmp_path_factory.mktemp("catalog-cli")
    result = run_cli(["demo", "--size", "100", "--json"], cwd=work)
    assert result.returncode == 0, result.describe()
    assert "catalog" in result.stderr  # its progress bar
    return work, json.loads(result.stdout)


def cli(cwd: Path, *args: str, code: int = 0) -> CliResult:
    result = run_cli(args, cwd=cwd)
    assert result.returncode == code, result.describe()
    return result


def test_demo_catalog_then_order_and_work_a_request(demo: tuple[Path, dict[str, Any]]) -> None:
    work, doc = demo
    assert doc["catalog"] == {
        "items": [
            "hr-onboarding",
            "fac-maintenance",
            "fin-invoice-payment",
            "legal-contract-review",
            "it-software-request",
        ],
        "requests": [
            {"id": "REQ-CAT-00001", "state": "assigned"},
            {"id": "REQ-CAT-00002", "state": "resolved"},
            {"id": "REQ-CAT-00003", "state": "in_progress"},
            {"id": "REQ-CAT-00004", "state": "cancelled"},
            {"id": "REQ-CAT-00005", "state": "assigned"},
        ],
        "existing_requests": [],
    }
    hr = cli(work, "catalog", "list", "--department", "hr", "--json").json()
    assert [(i["id"], i["approvals"]) for i in hr["items"]] == [
        ("hr-onboarding", ["manager_approval", "hr_approval", "security_approval"])
    ]
    onboarding = cli(work, "catalog", "tasks", "REQ-CAT-00001", "--json").json()
    assert [t["state"] for t in onboarding["tasks"][:3]] == ["approved", "approved", "ready"]

    (work / "hire.json").write_text(json.dumps({"new_hire_name": "Alan Turing", "position": "Researcher"}))
    ordered = cli(
        work,
        "catalog", "request", "hr-onboarding", "--requester", "person-00001",
        "--answers", "hire.json",
        "--answer", "manager=person-00000", "--answer", "start_date=2026-12-01",
        "--answer", "remote=yes", "--answer", "permissions=email,vpn", "--answer", "permissions=crm",
        "--answer", "laptop=standard", "--json",
    ).json()  # fmt: skip
    request = ordered["request"]
    assert request["extra"]["form"] == {
        "new_hire_name": "Alan Turing",
        "position": "Researcher",
        "manager": "person-00000",
        "start_date": "2026-12-01",
        "remote": True,
        "permissions": ["email", "vpn", "crm"],
        "laptop": "standard",
    }
    assert (request["state"], request["requester"], request["group"]) == (
        "assigned",
        "person-00001",
        "team-hr",
    )
    by_key = {t["key"]: t for t in ordered["tasks"]}
    assert by_key["manager_approval"]["assignee"] == "person-00000"
    assert by_key["security_approval"]["state"] == "skipped"

    rid = request["id"]
    approved = cli(work, "catalog", "approve", f"{rid}-manager_approval", "--note", "ok", "--json").json()
    assert {t["key"]: t["state"] for t in approved["tasks"]}["hr_approval"] == "ready"
    rejected = cli(work, "catalog", "reject", f"{rid}-hr_approval", "--note", "No headcount", "--json").json()
    assert rejected["request"]["state"] == "cancelled"
    assert rejected["request"]["comments"][0]["text"].endswith("rejected: No headcount")
    shown = cli(work, "catalog", "tasks", rid)
    assert "hr_approval" in shown.stdout
    assert "rejected" in shown.stdout


def test_refusals_name_the_field_and_write_nothing(demo: tuple[Path, dict[str, Any]]) -> None:
    work, _ = demo
    before = cli(work, "stats", "--json").json()["last_seq"]
    bad = cli(
        work,
        "catalog", "request", "fin-invoice-payment", "--requester", "person-00002",
        "--answer", "supplier=Initech", "--answer", "invoice_number=INV-77",
        "--answer", "budget_code=FI-1000",
        "--answer", "amount=lots", "--answer", "currency=BTC", "--answer", "due_date=2026-12-01",
        code=2,
    )  # fmt: skip
    assert "field 'form.amount': expected a number, got 'lots' (string) [FIELD_TYPE]" in bad.flat_stderr
    assert "field 'form.currency'" in bad.flat_stderr
    assert "FIELD_CHOICE" in bad.flat_stderr
    moved = cli(work, "catalog", "complete", "REQ-CAT-00001-security_approval", code=2)
    assert "ILLEGAL_TASK_MOVE" in moved.flat_stderr
    assert "field 'task_type'" in moved.flat_stderr
    cli(work, "catalog", "show", "no-such-item", code=3)
    assert cli(work, "stats", "--json").json()["last_seq"] == before


# ----------------------------------------------------------------------------------- text answers
def test_text_answers_are_read_as_their_field_types() -> None:
    fac = DEMO_CATALOG["fac-maintenance"]
    assert parse_answers(fac, ["people_affected=25", "details=a = b", "zone=north"]) == {
        "people_affected": 25,
        "details": "a = b",
        "zone": "north",
    }
    assert parse_answers(fac, ["people_affected=3.0"]) == {"people_affected": 3}
    assert parse_answers(fac, ["people_affected=many"]) == {"people_affected": "many"}  # validation names it
    assert parse_answers(fac, ["colour=red"]) == {"colour": "red"}
    fin = DEMO_CATALOG["fin-invoice-payment"]
    assert parse_answers(fin, ["amount=12480.5"], {"amount": 1, "supplier": "Acme"}) == {
        "amount": 12480.5,
        "supplier": "Acme",
    }
    assert parse_answers(fin, ["amount=inf"]) == {"amount": "inf"}
    hr = DEMO_CATALOG["hr-onboarding"]
    assert parse_answers(hr, ["remote=No", "permissions=email, vpn", "permissions=crm"]) == {
        "remote": False,
        "permissions": ["email", "vpn", "crm"],
    }
    assert parse_answers(hr, ["remote=maybe"]) == {"remote": "maybe"}


def test_unreadable_answer_options_are_refused() -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_answers(DEMO_CATALOG["fac-maintenance"], ["zone", "zone=north", "details=x", "details=y", "=z"])
    assert [(p.code, p.field) for p in refused.value.problems] == [
        ("BAD_ANSWER", "--answer"),
        ("BAD_ANSWER", "--answer"),
        ("DUPLICATE_ANSWER", "form.details"),
    ]
