"""The demo's work instruction (`manage.py seed_demo`): the company's text "Telefon-Support" as
revision 1, drafted and signed by the demo process manager and approved by the demo QMB, through the
services with their passwords (R21) — so every demo ticket is logged under a revision in force."""

from pathlib import Path

from instructions import services
from instructions.models import WorkInstructionRevision

SEED = Path(__file__).resolve().parent / "seed" / "arbeitsanweisung-telefon-support.md"
# The seed document's "Änderungshistorie" (its only entry, by G. Lommer).
FIRST_EDITION = (
    "Erste Ausgabe für die MCS MediCall-Solutions GmbH – anlässlich der geplanten Zertifizierung nach "
    "DIN EN ISO 9001:2000 und ISO 13485:2003 (Vorlage: G. Lommer)"
)


def seed_work_instruction(*, author, author_password, approver, approver_password) -> WorkInstructionRevision:
    """Revision 1 from the seed text, signed by `author` (a process manager) and approved by
    `approver` (the QMB); returns it, in force."""
    text = SEED.read_text(encoding="utf-8")
    draft = services.revision_create(by=author, data={"text": text, "change_summary": FIRST_EDITION})
    services.revision_sign(
        revision_id=draft.pk, by=author, data={"password": author_password, "meaning": "authored"}
    )
    return services.revision_sign(
        revision_id=draft.pk, by=approver, data={"password": approver_password, "meaning": "approved"}
    )
