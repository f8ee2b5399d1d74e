"""The workflow core's registrations and what is drawn from them."""

import re
from pathlib import Path

from workflow.diagrams import all_diagrams
from workflow.machines import machines

README = Path(__file__).resolve().parent.parent / "README.md"


def test_the_readme_shows_the_state_machines_as_the_code_declares_them():
    text = README.read_text(encoding="utf-8")
    shown = re.search(r"<!-- state diagrams: begin[^>]*-->\n(.*?)<!-- state diagrams: end -->", text, re.S)
    assert shown, "README.md has no generated state diagrams"
    assert shown.group(1) == all_diagrams(), "run `python manage.py state_diagrams` and paste it into README"


def test_every_state_machine_runs_through_the_core():
    labels = {machine.model._meta.label for machine in machines()}
    assert labels == {
        "tickets.Ticket",
        "tickets.RiskReview",
        "vendor.ProgramRequest",
        "solutions.KnownSolution",
        "capa.CapaProposal",
        "instructions.WorkInstructionRevision",
    }
