"""``cmdbgraph kb`` and ``cmdbgraph ticket link``: knowledge and problems through the real CLI."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from cmdbgraph.impact.deflection import deflection
from cmdbgraph.ingest.demo import enterprise_records
from cmdbgraph.schema import CIData, Relationship
from cmdbgraph.tickets.knowledge_service import knowledge_events
from tests.cli.clirun import CliResult, Job, ok, run_cli, run_jobs

AS_OF = "2026-11-02T00:00:00+00:00"  # a day after the demo epoch: every demo view is judged


def cli(tmp_path: Path, *args: str, code: int = 0) -> CliResult:
    result = run_cli(args, cwd=tmp_path)
    assert result.returncode == code, result.describe()
    return result


def test_articles_feedback_deflection_and_problems_on_the_demo(tmp_path: Path) -> None:
    cli(tmp_path, "demo", "--size", "100")
    cis, _ = enterprise_records(100)
    person = next(c.id for c in cis if c.kind == "Person")
    incident = next(c.id for c in cis if c.kind == "Incident")

    report: dict[str, Any] = cli(tmp_path, "kb", "deflection", "--as-of", AS_OF, "--json").json()
    # the store holds the enterprise and the catalog requests the demo ordered (opened by people
    # too): judge the views against everything it exported, through the pure function
    exported = cli(tmp_path, "export").json()
    stored_cis = [CIData.model_validate(c) for c in exported["cis"]]
    stored_rels = [Relationship.model_validate(r) for r in exported["relationships"]]
    assert len(stored_cis) > len(cis)
    events = knowledge_events(stored_cis, stored_rels)
    expected = deflection(events, as_of=datetime.fromisoformat(AS_OF)).as_dict()
    assert report == {"as_of": AS_OF, **expected}
    assert 0 < report["deflected"] < report["total_views"]  # some views were followed by a ticket
    assert report["pending"] == 0

    created = cli(
        tmp_path,
        "kb", "create", "--title", "Payroll <b>stuck</b>", "--body", "Restart the batch.",
        "--category", "performance", "--documents", "bs-payroll-01", "--json",
    ).json()  # fmt: skip
    article = created["id"]
    assert article.startswith("KB-")
    assert (created["documents"], created["views"]) == (["bs-payroll-01"], 0)
    viewed = cli(tmp_path, "kb", "view", article, "--person", person, "--json").json()
    assert [v["person"] for v in viewed["recent_views"]] == [person]
    rated = cli(
        tmp_path, "kb", "feedback", article, "--helpful", "--csat", "5", "--ticket", incident, "--json"
    ).json()
    assert (rated["helpful"], rated["uses"], rated["resolutions"], rated["resolved"]) == (1, 1, 1, [incident])
    refused = cli(tmp_path, "kb", "feedback", article, "--not-helpful", "--csat", "9", code=2)
    assert "BAD_CSAT" in refused.flat_stderr
    cli(tmp_path, "kb", "view", "bs-payroll-01", "--person", person, code=3)

    problem = cli(
        tmp_path, "ticket", "open", "--type", "problem", "--title", "Payroll batch saturates", "--json"
    ).json()["id"]
    linked = cli(tmp_path, "ticket", "link", problem, incident, "--json").json()
    assert linked == {"problem": problem, "linked": [incident], "incidents": [incident]}
    wrong = cli(tmp_path, "ticket", "link", incident, problem, code=2)
    assert "WRONG_KIND" in wrong.flat_stderr

    shown_article, shown_problem, shown_incident, human = (
        ok(r)
        for r in run_jobs(
            [
                Job(["kb", "show", article, "--json"], tmp_path),
                Job(["ticket", "show", problem, "--json"], tmp_path),
                Job(["ticket", "show", incident, "--json"], tmp_path),
                Job(["kb", "show", article], tmp_path),
            ]
        )
    )
    score = shown_article.json()["score"]
    assert score["article_id"] == article
    assert [c["name"] for c in score["components"]] == ["success", "recency", "csat"]
    assert shown_problem.json()["incidents"] == [incident]
    assert shown_incident.json()["caused_by"] == [problem]
    assert "Payroll <b>stuck</b>" in human.stdout
