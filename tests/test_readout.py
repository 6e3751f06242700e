"""The stakeholder readout, the recommendations, the ROI baseline and the discovery
write-ups: structure, the picture seam, and hostile text in Markdown and HTML."""

from __future__ import annotations

import asyncio
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, ClassVar

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from assistant import readout, recommendations
from assistant.app import Assistant
from assistant.definitions import Catalog, dialogs_dir, load_catalog
from assistant.document import render_readout
from assistant.events import Fields, Image
from assistant.findings import Respondent
from assistant.render import md_escape
from assistant.report import Reports
from assistant.roi import tool_key, toolchain_baseline
from assistant.settings import Settings
from assistant.summaries import Summaries
from assistant.vsm_picture import draw_value_stream_map
from assistant.writeups import write_ups
from storage import repositories as repo
from tests.browser import requires_chromium, screenshot_html
from tests.chat import Chat
from tests.findings_seed import DANA, HOSTILE, SAM, seed_finished, step
from tests.test_interview_flow import set_up_engagement

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64  # what a picture module hands over
TOOLCHAIN = {
    "inventory": [
        {"name": "Jenkins 2.426", "purpose": "CI builds", "hosting": "self_managed",
         "versions_behind": 3},
        {"name": "GitLab", "purpose": "source control and CI pipelines", "hosting": "saas"},
        {"name": HOSTILE, "purpose": HOSTILE, "hosting": "self_managed"},
    ],
    "toil_hours": {"low": 30, "typical": None, "high": 50},
    "upgrades_per_year": 12,
    "upgrade_time": 20160,
    "steps": [step("Read the release notes", 60, 0, 100)],
}  # fmt: skip


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def findings(catalog: Catalog) -> readout.EngagementFindings:
    people = {
        "idea_to_production": [
            Respondent("dana", DANA),
            Respondent(HOSTILE, SAM),
            Respondent("kim", {"steps": [step("Deploy", 10, 0, rework=f"Back 1 in 5 {HOSTILE}")]}),
        ],
        "toolchain": [Respondent("lee", TOOLCHAIN), Respondent("kim", {"toil_hours": 40})],
    }
    return readout.compute(catalog, f"Acme {HOSTILE}", HOSTILE, people)


def document(catalog: Catalog, fmt: str, **kwargs: Any) -> str:
    found = findings(catalog)
    roadmap = recommendations.for_engagement(Summaries(catalog.templates_dir), found)
    return render_readout(catalog.templates_dir, found, fmt, roadmap=roadmap, **kwargs)  # type: ignore[arg-type]


SECTIONS = [
    "1. Qualification and commitment",
    "2. The value stream, as documented",
    "3. Baseline metrics and DORA band",
    "4. Manual touchpoints, handoffs and bottlenecks",
    "5. Improvement roadmap",
    "6. Return on investment baseline",
    "7. RAID and open actions",
]


def test_the_markdown_readout_is_structured_by_the_benefits_and_escapes_user_text(
    catalog: Catalog,
) -> None:
    md = document(catalog, "md")
    for section in SECTIONS:
        assert f"## {section}" in md
    assert "None recorded." in md  # no RAID log on this engagement
    # Nothing a participant typed is read as markup: no tag, no link, no emphasis, no
    # heading, and a pipe does not open a table column.
    assert "<script>" not in md and "<!channel>" not in md
    assert "[x](http://evil)" not in md and "*bold*" not in md
    assert "\\<\\!channel\\>" in md and "\\[x\\]\\(http://evil\\)" in md
    assert not re.search(r"^#+ .*\\# h", md, re.M) or "\\# h" in md
    step_rows = [line for line in md.splitlines() if re.match(r"^\| \d+ \|", line)]
    assert step_rows
    for row in step_rows:
        assert len(re.findall(r"(?<!\\)\|", row)) == 9  # 8 columns, whatever was typed
    # The figures the SA presents.
    assert md_escape("Lead time (Σ hands-on + wait)") in md
    assert "State of DevOps 2024 table" in md and "| elite (19%) |" in md
    assert "CI/CD: GitLab, Jenkins" in md or "CI/CD: Jenkins, GitLab" in md
    assert re.search(r"^Lead time per person: Participant \d: \d", md, re.M)


class Tags(HTMLParser):
    VOID: ClassVar[set[str]] = {"meta", "br", "img", "hr", "link", "input"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.seen: list[str] = []
        self.problems: list[str] = []
        self.text: list[str] = []
        self.attrs: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.seen.append(tag)
        self.attrs.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1:]}")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_the_html_readout_parses_and_escapes_user_text(catalog: Catalog) -> None:
    page = document(catalog, "html")
    parser = Tags()
    parser.feed(page)
    parser.close()
    assert parser.problems == [] and parser.stack == []
    assert "script" not in parser.seen and "a" not in parser.seen
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    text = "".join(parser.text)
    assert HOSTILE in text  # shown as typed
    for section in SECTIONS:
        assert section in text


def test_a_picture_given_is_embedded_in_both_formats_and_the_summary(
    catalog: Catalog,
) -> None:
    pictures = {"idea_to_production": PNG}
    page = document(catalog, "html", pictures=pictures)
    parser = Tags()
    parser.feed(page)
    images = [a for tag, a in parser.attrs if tag == "img"]
    assert len(images) == 1 and str(images[0]["src"]).startswith("data:image/png;base64,iVBOR")
    assert "Code review" in str(images[0]["alt"])
    md = document(catalog, "md", pictures=pictures)
    assert "](data:image/png;base64,iVBORw0KGgoAAAAA" in md
    assert "<img" not in document(catalog, "html")  # none given, none shown
    image = Image(title="Idea to Production", alt_text="Code review → Deploy", png=PNG)
    [message, *_rest] = readout.summary_messages(
        findings(catalog), pictures={"idea_to_production": image}
    )
    kinds = [type(b) for b in message.blocks]
    assert Image in kinds and kinds.index(Image) == kinds.index(Fields) + 1


@requires_chromium
def test_the_html_readout_renders_in_headless_chromium(catalog: Catalog, tmp_path: Path) -> None:
    found = findings(catalog)
    maps = {key: draw_value_stream_map(m) for key, m in Reports.maps(found).items()}
    shot = screenshot_html(document(catalog, "html", pictures=maps), tmp_path, height=2400)
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 20_000  # a page with content


@pytest.mark.parametrize("kind", ["wait", "quality", "approval", "handoff", "rework"])
def test_each_recommendation_names_its_bottleneck_and_the_metric_it_moves(
    catalog: Catalog, kind: str
) -> None:
    found = findings(catalog)
    summaries = Summaries(catalog.templates_dir)
    made = [r for w in found.workflows for r in recommendations.for_workflow(summaries, w)]
    mine = [r for r in made if r.kind == kind]
    assert mine, kind
    for r in mine:
        text = " ".join(s.text for b in r.blocks for item in getattr(b, "items", ()) for s in item)
        assert r.steps and all(step in text for step in r.steps)
        assert any(m in text for m in ("lead time", "flow efficiency", "rolled %C/A"))


def test_the_roadmap_makes_one_recommendation_per_kind_naming_every_step(
    catalog: Catalog,
) -> None:
    """Three long waits are one recommendation naming the three steps with their waits
    (the longest first), not the same paragraph three times; a single step keeps the
    singular wording."""
    long_waits = [
        step("Plan", 60, 2 * 1440),
        step("Build", 60, 10 * 1440),
        step("Test", 60, 5 * 1440, rework="Back 1 in 4"),
        step("Release", 60, 3 * 1440),
    ]
    found = readout.compute(
        catalog, "Acme", "Acme", {"idea_to_production": [Respondent("dana", {"steps": long_waits})]}
    )
    made = recommendations.for_engagement(Summaries(catalog.templates_dir), found)
    waits = [r for r in made if r.kind == "wait"]
    assert [r.steps for r in waits] == [("Build", "Test", "Release")]
    text = md_escape_free(waits[0].blocks)
    assert text.startswith(
        "Shorten the waits before Build, Test and Release (Build waits 1 week 3 days; "
        "Test waits 5 days; Release waits 3 days). Make the work visible"
    )
    assert text.count("Make the work visible") == 1
    [rework] = [r for r in made if r.kind == "rework"]
    assert md_escape_free(rework.blocks).startswith("Find the loop back from Test earlier.")

    page = render_readout(catalog.templates_dir, found, "md", roadmap=made)
    roadmap = page.split("## 5. Improvement roadmap")[1].split("## 6.")[0]
    assert roadmap.count("### Idea to Production") == 1  # which workflow, said once
    assert roadmap.count("Shorten the wait") == 1


def md_escape_free(blocks: Any) -> str:
    """A recommendation's words, as a reader sees them (no markup)."""
    return "".join(s.text for b in blocks for item in getattr(b, "items", ()) for s in item)


def test_recommendations_come_from_templates_the_team_can_edit(
    catalog: Catalog, tmp_path: Path
) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(dialogs_dir() / "templates", templates)
    (templates / "recommendations" / "wait.md.j2").write_text(
        "- *Run a queue review for {{ names }}*. Moves *lead time* ({{ metrics.lead }}).\n"
    )
    (templates / "recommendations" / "rework.md.j2").unlink()  # no template: none made
    made = recommendations.for_engagement(Summaries(templates), findings(catalog))
    kinds = {r.kind for r in made}
    assert "rework" not in kinds and "toil" in kinds
    [waits] = [r for r in made if r.kind == "wait"]
    assert "Code review" in waits.steps
    assert f"Run a queue review for {recommendations.names(list(waits.steps))}" in str(waits.blocks)


def test_the_roi_baseline_from_the_toolchain_interviews() -> None:
    baseline = toolchain_baseline([TOOLCHAIN, {"toil_hours": 60, "inventory": [
        {"name": "jenkins", "purpose": "builds", "hosting": "self_managed"}]}])  # fmt: skip
    assert baseline.toil_hours is not None
    assert (baseline.toil_hours.low, baseline.toil_hours.typical, baseline.toil_hours.high) == (
        30,
        50,  # the median of 40 (the range's middle) and 60
        60,
    )
    jenkins = next(t for t in baseline.tools if t.name == "Jenkins")
    assert jenkins.mentions == 2 and jenkins.self_managed  # "Jenkins 2.426" is "jenkins"
    assert tool_key("Jenkins 2.426") == tool_key("jenkins")
    assert ("CI/CD", ("Jenkins", "GitLab")) in baseline.consolidation


def test_write_ups_have_the_four_sections_and_escape_user_text(catalog: Catalog) -> None:
    made = write_ups(catalog.templates_dir, findings(catalog))
    assert [w.filename for w in made][:2] == [
        "01-map-your-idea-to-production-workflow-code-review.md",
        "02-map-your-idea-to-production-workflow-deploy.md",
    ]
    for w in made:
        assert re.fullmatch(r"[a-z0-9-]+\.md", w.filename)
        headings = re.findall(r"^## (.+)$", w.content, re.M)
        assert headings == ["Overview", "Open Questions", "Tasks", "Acceptance Criteria"]
        assert "<script>" not in w.content and "<!channel>" not in w.content
    review = made[0].content
    assert "- [ ] Measure the queue before Code review" in review
    assert "The wait before Code review is at most" in review
    assert "Wait: dana: 3 days · " in review and "— which is typical?" in review


def test_vsa_export_writes_the_readout_and_the_write_ups(
    settings: Settings, database_url: str, tmp_path: Path
) -> None:
    async def set_up() -> None:
        assistant = await Assistant.start(settings)
        try:
            await set_up_engagement(Chat(assistant, "sa"))

            def write(session: Session) -> None:
                engagement = repo.find_engagement(session, "console:local", "Acme VSA")
                assert engagement is not None
                seed_finished(session, engagement, "idea_to_production", ("dana", "dana"), DANA)
                seed_finished(session, engagement, "idea_to_production", ("sam", "sam"), SAM)

            await assistant.db.run(write)
        finally:
            await assistant.close()

    asyncio.run(set_up())
    from assistant.cli import app

    out = tmp_path / "writeups"
    result = CliRunner().invoke(
        app,
        ["export", "Acme VSA", "--format", "html", "--writeups", str(out)],
        env={"DATABASE_URL": database_url},
    )
    assert result.exit_code == 0, result.output
    assert "<h1>Acme VSA — stakeholder readout</h1>" in result.stdout
    # For the customer's stakeholders: people are numbered, never named.
    assert "Participant 1: 3 days · Participant 2: 2 weeks" in result.stdout
    assert not re.search(r"\b(dana|sam)\b", result.stdout), re.findall(
        r".{80}\b(?:dana|sam)\b.{40}", result.stdout
    )
    files = sorted(p.name for p in out.iterdir())
    assert files and files[0].startswith("01-map-your-idea-to-production-workflow-code-review")
    older = CliRunner().invoke(
        app, ["export", "Acme VSA", "--dora-year", "2023"], env={"DATABASE_URL": database_url}
    )
    assert older.exit_code == 0 and "State of DevOps 2023 table" in older.stdout
    missing = CliRunner().invoke(app, ["export", "Nope"], env={"DATABASE_URL": database_url})
    assert missing.exit_code == 1 and "No engagement called 'Nope'" in missing.output


def test_applicable_answers_as_the_engine_keeps_them(catalog: Catalog) -> None:
    from assistant import engine
    from assistant.engine import StoredAnswer
    from tests.findings_seed import flatten

    dialog = catalog.get("idea_to_production")
    flat = flatten(DANA)
    # An approver left from before the approval was changed to "no" drops out; an
    # item past the last "another?" that was answered "no" too.
    flat["steps[0].approver"] = "stale"
    flat["steps[1]._more"] = False
    flat["steps[2].name"] = "orphan"
    stored = {path: (value, False) for path, value in flat.items()}
    full = {p: StoredAnswer(raw="", value=v, skipped=False) for p, v in flat.items()}
    assert readout.applicable(dialog, stored) == engine.applicable_answers(dialog, full)
    assert "steps[0].approver" not in readout.applicable(dialog, stored)
    assert "steps[2].name" not in readout.applicable(dialog, stored)
