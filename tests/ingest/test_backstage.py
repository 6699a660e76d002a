"""The Backstage importer against Backstage's own example catalog, and against broken catalogs.

The expected CIs and edges below were read off the files in ``backstage-examples/`` by hand
(``packages/catalog-model/examples`` of backstage/backstage; see the fixtures' SOURCES.md). Two
references in that catalog name entities that are not in it: ``petstore`` provides the API
``hello-world`` (its file was not copied) and ``playback-order`` is owned by ``guest``, which with
``spec.owner``'s default kind is the Group ``guest`` (only a User ``guest`` exists). They are
refused by default and left out, with notes, under ``dangling="note"``.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from cmdbgraph.ingest.importers.backstage import read_backstage
from cmdbgraph.ingest.importers.backstage_refs import REF_FIELDS, RefError, parse_ref
from cmdbgraph.ingest.sources import SourceGraph
from cmdbgraph.schema import InvalidInput
from tests.shared_fixtures import shared_fixture


@pytest.fixture(scope="module")
def catalog() -> Path:
    return shared_fixture("backstage-examples")


@pytest.fixture(scope="module")
def whole(catalog: Path) -> SourceGraph:
    return read_backstage([catalog], dangling="note")


def g(name: str) -> str:
    return f"group:default/{name}"


def u(name: str) -> str:
    return f"user:default/{name}"


def c(name: str) -> str:
    return f"component:default/{name}"


def a(name: str) -> str:
    return f"api:default/{name}"


def s(name: str) -> str:
    return f"system:default/{name}"


def d(name: str) -> str:
    return f"domain:default/{name}"


MEMBERS = {
    "team-a": ["breanna.davison", "janelle.dawe", "nigel.manning", "guest"],
    "team-b": ["amelia.park", "colette.brock", "jenny.doe", "jonathon.page", "justine.barrow"],
    "team-c": ["calum.leavy", "frank.tiernan", "peadar.macmahon", "sarah.gilroy", "tara.macgovern"],
    "team-d": ["eva.macdowell", "lucy.sheehan"],
}
GROUPS = ["acme-corp", "infrastructure", "backstage", "boxoffice", *(f"team-{x}" for x in "abcde")]
SERVICES = ["artist-lookup", "petstore", "playback-order", "podcast-api", "searcher", "shuffle-api"]
SERVICES += ["wayback-archive", "wayback-archive-ingestion", "wayback-archive-storage", "wayback-search"]

EXPECTED_CIS = {
    **{g(x): "Team" for x in GROUPS},
    **{u(x): "Person" for users in MEMBERS.values() for x in users},
    "user:development/guest": "Person",
    **{a(x): "API" for x in ("petstore", "spotify", "streetlights", "wayback-archive", "wayback-search")},
    **{c(x): "Service" for x in SERVICES},
    c("playback-sdk"): "Application",  # type: library
    c("queue-proxy"): "Application",  # type: website
    c("www-artist"): "Application",  # type: website
    **{s(x): "Application" for x in ("artist-engagement-portal", "audio-playback", "podcast")},
    **{d(x): "BusinessService" for x in ("artists", "audio", "playback")},
    "resource:default/artists-db": "Database",
}

EXPECTED_EDGES = {
    # the group hierarchy (spec.parent, and the parents' spec.children)
    (g("infrastructure"), "REPORTS_TO", g("acme-corp")),
    (g("backstage"), "REPORTS_TO", g("infrastructure")),
    (g("boxoffice"), "REPORTS_TO", g("infrastructure")),
    (g("team-a"), "REPORTS_TO", g("backstage")),
    (g("team-b"), "REPORTS_TO", g("backstage")),
    (g("team-c"), "REPORTS_TO", g("boxoffice")),
    (g("team-d"), "REPORTS_TO", g("boxoffice")),
    (g("team-e"), "REPORTS_TO", g("boxoffice")),
    # users' spec.memberOf
    *((u(x), "MEMBER_OF", g(team)) for team, users in MEMBERS.items() for x in users),
    ("user:development/guest", "MEMBER_OF", g("team-a")),
    # spec.owner (playback-order's `guest` is the missing Group guest)
    *((a(x), "OWNED_BY", g("team-c")) for x in ("petstore", "streetlights")),
    *((a(x), "OWNED_BY", g("team-a")) for x in ("spotify", "wayback-archive", "wayback-search")),
    *((c(x), "OWNED_BY", g("team-a")) for x in ("artist-lookup", "wayback-archive", "wayback-search")),
    *((c(x), "OWNED_BY", g("team-a")) for x in ("wayback-archive-storage", "www-artist")),
    *((c(x), "OWNED_BY", g("team-b")) for x in ("podcast-api", "queue-proxy")),
    *((c(x), "OWNED_BY", g("team-c")) for x in ("petstore", "playback-sdk")),
    (c("wayback-archive-ingestion"), "OWNED_BY", g("team-d")),
    *((c(x), "OWNED_BY", u("guest")) for x in ("searcher", "shuffle-api")),  # owner: user:guest
    ("resource:default/artists-db", "OWNED_BY", g("team-a")),
    (s("artist-engagement-portal"), "OWNED_BY", g("team-a")),
    (s("audio-playback"), "OWNED_BY", g("team-c")),
    (s("podcast"), "OWNED_BY", g("team-b")),
    (d("artists"), "OWNED_BY", g("team-a")),
    (d("audio"), "OWNED_BY", g("acme-corp")),
    (d("playback"), "OWNED_BY", u("frank.tiernan")),
    # spec.system, spec.subcomponentOf, spec.domain, spec.subdomainOf
    *((c(x), "PART_OF", s("artist-engagement-portal")) for x in ("artist-lookup", "www-artist")),
    ("resource:default/artists-db", "PART_OF", s("artist-engagement-portal")),
    *((c(x), "PART_OF", s("audio-playback")) for x in ("playback-sdk", "shuffle-api")),
    *((c(x), "PART_OF", s("podcast")) for x in ("podcast-api", "queue-proxy")),
    *(
        (c(x), "PART_OF", c("wayback-archive"))
        for x in ("wayback-archive-ingestion", "wayback-archive-storage")
    ),
    (s("artist-engagement-portal"), "PART_OF", d("artists")),
    (s("audio-playback"), "PART_OF", d("playback")),
    (s("podcast"), "PART_OF", d("playback")),
    (d("artists"), "PART_OF", d("audio")),
    # providesApis: the API depends on the component serving it; consumesApis
    (a("petstore"), "DEPENDS_ON", c("petstore")),
    (a("streetlights"), "DEPENDS_ON", c("petstore")),
    (a("wayback-archive"), "DEPENDS_ON", c("wayback-archive")),
    (a("wayback-search"), "DEPENDS_ON", c("wayback-search")),
    (c("wayback-search"), "DEPENDS_ON", a("wayback-archive")),
}


def edges(graph: SourceGraph) -> set[tuple[str, str, str]]:
    return {r.key for r in graph.relationships}


def problems(exc: pytest.ExceptionInfo[InvalidInput]) -> list[tuple[str, str, str]]:
    return [(p.code, p.where, p.field) for p in exc.value.problems]


# -- the example catalog ------------------------------------------------------------------------


def test_the_whole_catalog_refuses_exactly_its_two_dangling_references(catalog: Path) -> None:
    with pytest.raises(InvalidInput) as exc:
        read_backstage([catalog])
    assert problems(exc) == [
        ("DANGLING_REF", f"{catalog}/components/petstore-component.yaml:18", "spec.providesApis[2]"),
        ("DANGLING_REF", f"{catalog}/components/playback-order-component.yaml:12", "spec.owner"),
    ]
    hello, guest = (p.message for p in exc.value.problems)
    assert "api:default/hello-world" in hello
    assert "group:default/guest" in guest
    assert "'user:guest'" in guest  # the hint: a User of that name exists


def test_the_whole_catalog_gives_the_cis_a_person_reads_from_it(whole: SourceGraph) -> None:
    assert {ci.key: ci.kind for ci in whole.cis} == EXPECTED_CIS


def test_the_whole_catalog_gives_the_edges_a_person_reads_from_it(whole: SourceGraph) -> None:
    assert len(EXPECTED_EDGES) == 67
    assert edges(whole) == EXPECTED_EDGES


def test_what_is_left_out_is_noted(catalog: Path, whole: SourceGraph) -> None:
    notes = "\n".join(whole.notes)
    assert f"{catalog}/all.yaml:9 spec.targets[1]: Location target './all-apis.yaml' does not exist" in notes
    assert (
        f"{catalog}/components/petstore-component.yaml:18 spec.providesApis[2]: api:default/hello-world"
        in notes
    )
    assert "no OWNED_BY relationship" in notes
    assert sum("AiResource airesource:default/" in n for n in whole.notes) == 2
    assert sum(": Location location:default/" in n for n in whole.notes) == 8


def test_edges_carry_their_evidence(catalog: Path, whole: SourceGraph) -> None:
    rels = {r.key: r for r in whole.relationships}
    consumes = rels[(c("wayback-search"), "DEPENDS_ON", a("wayback-archive"))].evidence
    assert [(e.file, e.field, e.line, e.detail) for e in consumes] == [
        (f"{catalog}/components/wayback-search-component.yaml", "spec.consumesApis[0]", 13, "wayback-archive")
    ]
    # one relationship, claimed from both ends of the hierarchy
    parent = rels[(g("backstage"), "REPORTS_TO", g("infrastructure"))].evidence
    assert {(Path(e.file).name, e.field, e.line) for e in parent} == {
        ("backstage-group.yaml", "spec.parent", 12),
        ("infrastructure-group.yaml", "spec.children[0]", 9),
    }
    member = rels[("user:development/guest", "MEMBER_OF", g("team-a"))].evidence[0]
    assert (member.line, member.detail) == (73, "group:default/team-a")


def test_cis_carry_identity_attributes_and_evidence(catalog: Path, whole: SourceGraph) -> None:
    cis = whole.by_key()
    db = cis["resource:default/artists-db"]
    assert db.identity == {"name": "artists-db", "backstage_ref": "resource:default/artists-db"}
    assert db.attributes == {
        "backstage_ref": "resource:default/artists-db",
        "backstage_kind": "Resource",
        "backstage_type": "database",
        "description": "Stores artist details",
    }
    assert db.suggested_id == "resource-default-artists-db"
    assert [(e.file, e.line) for e in db.evidence] == [(f"{catalog}/resources/artists-db-resource.yaml", 4)]
    assert cis[a("petstore")].attributes["protocol"] == "http"
    assert cis[a("streetlights")].attributes["protocol"] == "async"
    assert str(cis[a("spotify")].attributes["definition_location"]).startswith(
        "https://github.com/APIs-guru/"
    )
    assert "definition" not in cis[a("petstore")].attributes
    sdk = cis[c("playback-sdk")].attributes
    assert (sdk["backstage_type"], sdk["lifecycle"]) == ("library", "experimental")
    assert cis[c("shuffle-api")].attributes["labels"] == {"goVersion": "go1.15.3", "category": "music"}
    assert cis[c("artist-lookup")].attributes["tags"] == ["java", "data"]
    links = cis[c("artist-lookup")].attributes["links"]
    assert isinstance(links, list)
    assert links[0] == {"url": "https://example.com/user", "title": "Examples Users"}
    assert len(links) == 7
    team = cis[g("acme-corp")].attributes
    assert (team["backstage_type"], team["display_name"], team["email"]) == (
        "organization",
        "ACME Corp",
        "info@example.com",
    )
    janelle = cis[u("janelle.dawe")]
    assert janelle.identity["email"] == "janelle-dawe@example.com"
    assert janelle.attributes["display_name"] == "Janelle Dawe"
    guests = (cis[u("guest")], cis["user:development/guest"])
    assert [x.suggested_id for x in guests] == ["user-default-guest", "user-development-guest"]


# -- Location files -----------------------------------------------------------------------------


def test_location_files_lead_to_the_same_graph_as_the_folder(catalog: Path, whole: SourceGraph) -> None:
    # all.yaml's ./all-apis.yaml is not in the fixture: the apis/ folder stands in for it
    given = [catalog / "all.yaml", catalog / "acme-corp.yaml", catalog / "apis"]
    via_locations = read_backstage(given, dangling="note")
    assert {ci.key: ci.kind for ci in via_locations.cis} == EXPECTED_CIS
    assert edges(via_locations) == edges(whole)
    with pytest.raises(InvalidInput) as exc:
        read_backstage(given)
    assert [code for code, _, _ in problems(exc)] == ["DANGLING_REF", "DANGLING_REF"]


def test_a_location_with_what_it_needs_imports_cleanly(catalog: Path) -> None:
    given = [
        catalog / "acme-corp.yaml",  # -> acme/org.yaml -> every group and user
        catalog / "all-systems.yaml",
        catalog / "all-domains.yaml",
        catalog / "all-resources.yaml",
        *(catalog / "components" / f"{x}-component.yaml" for x in ("wayback-archive", "wayback-search")),
        *(catalog / "components" / f"wayback-archive-{x}-component.yaml" for x in ("ingestion", "storage")),
        catalog / "apis" / "wayback-archive-api.yaml",
        catalog / "apis" / "wayback-search-api.yaml",
    ]
    graph = read_backstage(given)
    wayback = {e for e in edges(graph) if "wayback" in e[0] or "wayback" in e[2]}
    assert wayback == {e for e in EXPECTED_EDGES if "wayback" in e[0] or "wayback" in e[2]}
    assert len(graph.cis) == 9 + 17 + 3 + 3 + 1 + 4 + 2
    assert not any("does not exist" in n for n in graph.notes)


def test_a_location_alone_reads_its_targets(catalog: Path) -> None:
    graph = read_backstage([catalog / "all-components.yaml"], dangling="note")
    assert {ci.key for ci in graph.cis} == {k for k in EXPECTED_CIS if k.startswith("component:")}
    assert edges(graph) == {e for e in EXPECTED_EDGES if e[1] == "PART_OF" and e[2] == c("wayback-archive")}
    with pytest.raises(InvalidInput) as exc:
        read_backstage([catalog / "all-components.yaml"])
    assert {code for code, _, _ in problems(exc)} == {"DANGLING_REF"}
    unfollowed = read_backstage([catalog / "all-components.yaml"], follow_locations=False)
    assert unfollowed.cis == ()


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip())
    return path


ENTITY = """
apiVersion: backstage.io/v1alpha1
kind: {kind}
metadata:
  name: {name}
spec:
  {spec}
"""


def entity(kind: str, name: str, spec: str = "{}") -> str:
    return ENTITY.format(kind=kind, name=name, spec=spec)


def test_locations_are_followed_only_inside_the_given_folders(tmp_path: Path) -> None:
    write(tmp_path, "outside/team.yaml", entity("Group", "sre", "children: []"))
    write(tmp_path, "cat/teams/a.yaml", entity("Group", "a", "children: []"))
    write(tmp_path, "cat/teams/b.yml", entity("Group", "b", "children: []"))
    targets = "[../../outside/team.yaml, ../teams/*.y*ml, 'https://example.com/x.yaml']"
    write(tmp_path, "cat/sub/loc.yaml", entity("Location", "loc", f"targets: {targets}"))
    only_sub = read_backstage([tmp_path / "cat" / "sub"])
    assert only_sub.cis == ()
    notes = "\n".join(only_sub.notes)
    assert notes.count("is outside the given folders; not read") == 3  # sre, a and b
    assert "'https://example.com/x.yaml' is not a local path" in notes
    whole_cat = read_backstage([tmp_path / "cat"])
    assert {ci.key for ci in whole_cat.cis} == {"group:default/a", "group:default/b"}
    followed = read_backstage([tmp_path / "cat" / "sub" / "loc.yaml", tmp_path / "cat" / "teams" / "a.yaml"])
    assert {ci.key for ci in followed.cis} == {"group:default/a", "group:default/b"}  # b via the glob
    b = followed.by_key()["group:default/b"].evidence[0]
    assert b.file == str(tmp_path / "cat" / "teams" / "b.yml")  # the path normalised, no "sub/.."


# -- reference resolution -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ref", "default_kind", "namespace", "key"),
    [
        ("team-a", "Group", "default", "group:default/team-a"),
        ("user:guest", "Group", "default", "user:default/guest"),
        ("team-a", "Group", "development", "group:development/team-a"),  # the referrer's namespace
        ("group:default/team-a", "Group", "development", "group:default/team-a"),
        ("API:Petstore", "API", "default", "api:default/petstore"),
        ("COMPONENT:Default/WWW-Artist", None, "x", "component:default/www-artist"),
        ("resource:artists-db", None, "ops", "resource:ops/artists-db"),
        ("a/b:c", "Component", "default", "component:a/b:c"),  # a / before the : ends the namespace
        ("x:y:z", None, "default", "x:default/y:z"),
        ({"kind": "Group", "name": "team-a"}, "User", "ops", "group:ops/team-a"),
        ({"name": "jdoe"}, "User", "ops", "user:ops/jdoe"),
    ],
)
def test_references_resolve_as_backstage_resolves_them(
    ref: object, default_kind: str | None, namespace: str, key: str
) -> None:
    assert parse_ref(ref, default_kind=default_kind, default_namespace=namespace).key == key


@pytest.mark.parametrize(
    ("ref", "code"),
    [
        ("", "BAD_REF"),
        (":x", "BAD_REF"),
        ("x/", "BAD_REF"),
        ("kind:/name", "BAD_REF"),
        (42, "BAD_REF"),
        ({"kind": "Group"}, "BAD_REF"),
        ({"name": "x", "extra": 1}, "BAD_REF"),
        ("artists-db", "REF_KIND_REQUIRED"),
    ],
)
def test_bad_references_are_refused(ref: object, code: str) -> None:
    with pytest.raises(RefError) as exc:
        parse_ref(ref, default_kind=None, default_namespace="default")
    assert exc.value.code == code


def test_each_field_has_backstages_documented_default_kind() -> None:
    defaults = {(kind, f.name): f.default_kind for kind, fields in REF_FIELDS.items() for f in fields}
    assert defaults == {
        **{(k, "owner"): "Group" for k in ("component", "api", "resource", "system", "domain")},
        **{(k, "system"): "System" for k in ("component", "api", "resource")},
        ("component", "subcomponentOf"): "Component",
        ("component", "providesApis"): "API",
        ("component", "consumesApis"): "API",
        **{(k, f): None for k in ("component", "resource") for f in ("dependsOn", "dependencyOf")},
        ("system", "domain"): "Domain",
        ("domain", "subdomainOf"): "Domain",
        ("group", "parent"): "Group",
        ("group", "children"): "Group",
        ("group", "members"): "User",
        ("user", "memberOf"): "Group",
    }


def test_defaults_namespaces_and_case_resolve_across_files(tmp_path: Path) -> None:
    write(
        tmp_path,
        "ops.yaml",
        "\n---\n".join(
            [
                entity(
                    "component",
                    "Web",
                    "type: website\n  owner: sre\n  system: Shop\n"
                    "  consumesApis: [orders]\n  dependsOn: ['RESOURCE:default/Orders-DB']",
                ),
                entity("Group", "sre", "children: []\n  members: [ann]"),
                entity("User", "ann", "memberOf: [sre]"),
                entity("System", "shop", "owner: user:ann"),
                entity("API", "orders", "type: grpc\n  owner: sre"),
                entity(
                    "Component",
                    "orders",
                    "type: service\n  owner: sre\n  providesApis: [orders]\n  dependencyOf: [component:web]",
                ),
            ]
        ).replace("  name: ", "  namespace: ops\n  name: "),
    )
    write(tmp_path, "db.yaml", entity("Resource", "orders-db", "type: kafka-topic\n  owner: group:ops/sre"))
    graph = read_backstage([tmp_path])
    assert {ci.key: ci.kind for ci in graph.cis} == {
        "component:ops/web": "Application",
        "group:ops/sre": "Team",
        "user:ops/ann": "Person",
        "system:ops/shop": "Application",
        "api:ops/orders": "API",
        "component:ops/orders": "Service",
        "resource:default/orders-db": "Queue",
    }
    assert edges(graph) == {
        ("component:ops/web", "OWNED_BY", "group:ops/sre"),
        ("component:ops/web", "PART_OF", "system:ops/shop"),
        ("component:ops/web", "DEPENDS_ON", "api:ops/orders"),
        ("component:ops/web", "DEPENDS_ON", "resource:default/orders-db"),
        ("component:ops/web", "DEPENDS_ON", "component:ops/orders"),  # orders' dependencyOf
        ("user:ops/ann", "MEMBER_OF", "group:ops/sre"),  # memberOf and members: one edge
        ("system:ops/shop", "OWNED_BY", "user:ops/ann"),
        ("api:ops/orders", "OWNED_BY", "group:ops/sre"),
        ("api:ops/orders", "DEPENDS_ON", "component:ops/orders"),
        ("component:ops/orders", "OWNED_BY", "group:ops/sre"),
        ("resource:default/orders-db", "OWNED_BY", "group:ops/sre"),
    }
    member = next(r for r in graph.relationships if r.type == "MEMBER_OF")
    assert [e.field for e in member.evidence] == ["spec.members[0]", "spec.memberOf[0]"]
    assert graph.by_key()["api:ops/orders"].attributes["protocol"] == "grpc"


# -- malformed input ----------------------------------------------------------------------------


def test_malformed_catalogs_give_every_problem_located(tmp_path: Path) -> None:
    bad_yaml = write(
        tmp_path, "a-bad.yaml", "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: x\n"
    )
    unknown = write(tmp_path, "b-unknown.yaml", entity("Widget", "w"))
    nameless = write(tmp_path, "c-nameless.yaml", entity("Group", "n").replace("  name: n\n", "  title: N\n"))
    refs = write(
        tmp_path,
        "d-refs.yaml",
        entity(
            "Component",
            "web",
            "type: service\n  owner: component:web\n  dependsOn: [artists-db, resource:nope]",
        ),
    )
    dup = write(tmp_path, "e-dup.yaml", entity("Group", "g", "children: []") + "---\n" + entity("group", "G"))
    with pytest.raises(InvalidInput) as exc:
        read_backstage([tmp_path, tmp_path / "missing.yaml"])
    assert problems(exc) == [
        ("UNREADABLE_FILE", f"{tmp_path}/missing.yaml", ""),
        ("BAD_YAML", f"{bad_yaml}:4", ""),
        ("UNKNOWN_ENTITY_KIND", f"{unknown}:2", "kind"),
        ("MISSING_FIELD", f"{nameless}:3", "metadata.name"),
        ("DUPLICATE_ENTITY", f"{dup}:12", "metadata.name"),
        ("REF_KIND_MISMATCH", f"{refs}:7", "spec.owner"),
        ("REF_KIND_REQUIRED", f"{refs}:8", "spec.dependsOn[0]"),
    ]  # no DANGLING_REF while a file is unreadable: its targets may be in it


def test_a_dangling_reference_is_located(tmp_path: Path) -> None:
    path = write(tmp_path, "c.yaml", entity("Component", "web", "type: service\n  dependsOn: [resource:db]"))
    with pytest.raises(InvalidInput) as exc:
        read_backstage([path])
    assert problems(exc) == [("DANGLING_REF", f"{path}:7", "spec.dependsOn[0]")]
    assert "resource:default/db" in exc.value.problems[0].message
    graph = read_backstage([path], dangling="note")
    assert graph.relationships == ()
    assert any(f"{path}:7 spec.dependsOn[0]: resource:default/db" in n for n in graph.notes)


def test_a_self_reference_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "c.yaml", entity("Component", "web", "type: service\n  subcomponentOf: web"))
    with pytest.raises(InvalidInput) as exc:
        read_backstage([path])
    assert problems(exc) == [("SELF_REF", f"{path}:7", "spec.subcomponentOf")]


def test_documents_that_are_not_entities_are_skipped_with_a_note(tmp_path: Path) -> None:
    write(tmp_path, "petstore.oas.yaml", 'openapi: "3.0.0"\ninfo: {title: Petstore}\n')
    write(tmp_path, "deploy.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n")
    write(tmp_path, ".github/workflows/ci.yaml", "this: is not read\n")
    write(tmp_path, "skill.yaml", entity("AiResource", "lint", "type: rule\n  owner: sre"))
    write(
        tmp_path,
        "c.yaml",
        entity("Component", "web", "type: cli\n  owner: sre\n  dependsOn: [airesource:lint]"),
    )
    write(tmp_path, "r.yaml", entity("Resource", "ledger", "type: mainframe-file\n  owner: sre"))
    write(tmp_path, "g.yaml", entity("Group", "sre", "children: []"))
    graph = read_backstage([tmp_path])
    assert {ci.key: ci.kind for ci in graph.cis} == {
        "component:default/web": "Application",
        "resource:default/ledger": "Storage",
        "group:default/sre": "Team",
    }
    assert edges(graph) == {
        ("component:default/web", "OWNED_BY", "group:default/sre"),
        ("resource:default/ledger", "OWNED_BY", "group:default/sre"),
    }
    notes = "\n".join(graph.notes)
    for expected in (
        "deploy.yaml: 1 YAML document(s) that are not Backstage entities",
        "petstore.oas.yaml: 1 YAML document(s) that are not Backstage entities",
        "AiResource airesource:default/lint is context for AI coding tools",
        "spec.dependsOn[0]: airesource:default/lint is not a CI; no DEPENDS_ON relationship",
        "component type 'cli' is not a listed one; recorded as Application",
        "resource type 'mainframe-file' is not a listed one; recorded as Storage",
    ):
        assert expected in notes
    assert ".github" not in notes


def test_a_reference_without_namespace_stays_in_the_referrers_namespace(tmp_path: Path) -> None:
    # why the fixture's development/guest writes `group:default/team-a`
    write(tmp_path, "g.yaml", entity("Group", "team-a", "children: []"))
    user = entity("User", "guest", "memberOf: [team-a]").replace(
        "  name: ", "  namespace: development\n  name: "
    )
    path = write(tmp_path, "u.yaml", user)
    with pytest.raises(InvalidInput) as exc:
        read_backstage([tmp_path])
    assert problems(exc) == [("DANGLING_REF", f"{path}:7", "spec.memberOf[0]")]
    assert "group:development/team-a" in exc.value.problems[0].message
