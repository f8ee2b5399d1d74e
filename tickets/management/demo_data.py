"""The demo data of `manage.py seed_demo`: users per role, Sanitätshaus customers, known solutions and
tickets in every state, each ticket as the steps a person takes (run through the services)."""

import datetime

from django.utils import timezone

from accounts import roles

# username, role, first name, last name
USERS = [
    ("support", roles.SUPPORT, "Julia", "Hartmann"),
    ("leitung", roles.MANAGEMENT, "Michael", "Schäfer"),
    ("qmb", roles.QMB, "Gabriele", "Krause"),
    ("prozess", roles.PROCESS_MANAGER, "Martin", "Sepp"),
    ("admin", roles.ADMIN, "Frank", "Brandt"),
]

CUSTOMERS = {
    "rheinblick": {
        "data": {
            "customer_number": "K-10101",
            "name": "Sanitätshaus Rheinblick GmbH",
            "street": "Kölner Straße 112",
            "postal_code": "40227",
            "city": "Düsseldorf",
            "phone": "0211 7817340",
            "alt_phone": "0211 7817349",
            "email": "info@sanitaetshaus-rheinblick.example.com",
            "notes": "SaniVision seit 2014, drei Arbeitsplätze, eGK-Lesegerät an der Kasse.",
        },
        "contacts": [
            {
                "name": "Sabine Hoffmann",
                "role": "Filialleitung",
                "phone": "0211 7817341",
                "email": "s.hoffmann@sanitaetshaus-rheinblick.example.com",
            },
            {
                "name": "Markus Becker",
                "role": "Orthopädietechnik",
                "phone": "0172 5518820",
                "email": "m.becker@sanitaetshaus-rheinblick.example.com",
            },
        ],
    },
    "domblick": {
        "data": {
            "customer_number": "K-10102",
            "name": "Orthopädie- und Sanitätshaus Domblick",
            "street": "Aachener Straße 233",
            "postal_code": "50931",
            "city": "Köln",
            "phone": "0221 4082210",
            "email": "kontakt@domblick-sanitaetshaus.example.com",
        },
        "contacts": [
            {
                "name": "Claudia Schmitz",
                "role": "Abrechnung",
                "phone": "0221 4082215",
                "email": "abrechnung@domblick-sanitaetshaus.example.com",
            },
            {
                "name": "Thomas Wagner",
                "role": "Inhaber",
                "phone": "0151 22897310",
                "email": "t.wagner@domblick-sanitaetshaus.example.com",
            },
        ],
    },
    "ruhrgesund": {
        "data": {
            "customer_number": "K-10103",
            "name": "Sanitätshaus Ruhrgesund e.K.",
            "street": "Rüttenscheider Straße 145",
            "postal_code": "45130",
            "city": "Essen",
            "phone": "0201 7499230",
            "email": "service@ruhrgesund.example.com",
        },
        "contacts": [
            {
                "name": "Petra Krüger",
                "role": "Rezeptannahme und Kasse",
                "phone": "0201 7499232",
                "email": "p.krueger@ruhrgesund.example.com",
            },
        ],
    },
    "niederrhein": {
        "data": {
            "customer_number": "K-10104",
            "name": "Reha-Technik Niederrhein GmbH",
            "street": "Friedrich-Wilhelm-Straße 48",
            "postal_code": "47051",
            "city": "Duisburg",
            "phone": "0203 2987450",
            "email": "info@rehatechnik-niederrhein.example.com",
        },
        "contacts": [
            {
                "name": "Jens Neumann",
                "role": "Lager und Logistik",
                "phone": "0203 2987457",
                "email": "lager@rehatechnik-niederrhein.example.com",
            },
            {
                "name": "Anja Schulte",
                "role": "Kostenvoranschläge",
                "phone": "0203 2987452",
                "email": "kv@rehatechnik-niederrhein.example.com",
            },
        ],
    },
    "bergisch": {
        "data": {
            "customer_number": "K-10105",
            "name": "Sanitätshaus Bergisch Vital",
            "street": "Friedrich-Ebert-Straße 77",
            "postal_code": "42103",
            "city": "Wuppertal",
            "phone": "0202 4599010",
            "email": "post@bergisch-vital.example.com",
        },
        "contacts": [
            {
                "name": "Monika Lange",
                "role": "Geschäftsführung",
                "phone": "0202 4599011",
                "email": "m.lange@bergisch-vital.example.com",
            },
        ],
    },
    "quirinus": {
        "data": {
            "customer_number": "K-10106",
            "name": "Sanitätshaus am Quirinus",
            "street": "Krefelder Straße 21",
            "postal_code": "41460",
            "city": "Neuss",
            "phone": "02131 6629840",
            "email": "info@sanihaus-quirinus.example.com",
        },
        "contacts": [
            {
                "name": "Stefan Fischer",
                "role": "IT-Beauftragter",
                "phone": "02131 6629848",
                "email": "edv@sanihaus-quirinus.example.com",
            },
        ],
    },
    "medicus": {
        "data": {
            "customer_number": "K-10107",
            "name": "Medicus Sanitätshaus Bonn",
            "street": "Poppelsdorfer Allee 60",
            "postal_code": "53115",
            "city": "Bonn",
            "phone": "0228 9654120",
            "email": "bonn@medicus-sanitaetshaus.example.com",
        },
        "contacts": [
            {
                "name": "Birgit Weber",
                "role": "Filialleitung",
                "phone": "0228 9654121",
                "email": "b.weber@medicus-sanitaetshaus.example.com",
            },
        ],
    },
}


def days(n: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=n)).isoformat()


# The knowledge base (issue 5): known problems and their solutions, made before the tickets so that
# calls can be solved with them ("known_solution": "@key" in fix_immediately). "program_request":
# "@key" links a known bug to the program request registered under that key by a ticket (an edit
# after the tickets); "retire" retires it with that reason.
KNOWN_SOLUTIONS = [
    {
        "key": "rezeptdruck",
        "by": "support",
        "data": {
            "title": "Rezept wird nicht gedruckt",
            "symptoms": (
                "Beim Druck eines Kassenrezepts (Muster 16) aus dem Auftrag passiert nichts. Der "
                "Druckauftrag bleibt in der Windows-Druckerwarteschlange stehen, andere Formulare "
                "werden gedruckt."
            ),
            "cause": (
                "Dem Formular Muster 16 ist noch der alte Rezeptdrucker zugeordnet (nach Austausch oder "
                "Umbenennung des Druckers), oder der Druckerspooler hängt."
            ),
            "solution": (
                "1. Druckerwarteschlange leeren und den Dienst „Druckwarteschlange“ neu starten. "
                "2. Extras > Einstellungen > Formulare > Muster 16: den aktuellen Rezeptdrucker und "
                "den Rezeptschacht auswählen. 3. Testdruck auf ein Blankoformular."
            ),
            "kind": "configuration",
            "category": "technical",
        },
    },
    {
        "key": "rezeptversatz",
        "by": "support",
        "data": {
            "title": "Kassenrezept wird versetzt bedruckt",
            "symptoms": (
                "Die Verordnung (Muster 16) wird um eine Zeile nach unten oder einige Millimeter nach "
                "rechts versetzt bedruckt; Positionen und Zuzahlung stehen im falschen Feld."
            ),
            "cause": "Falscher Papierschacht (Universalzufuhr statt Rezeptschacht) oder neuer Drucker.",
            "solution": (
                "Im Druckdialog den Rezeptschacht als Standard für Muster 16 hinterlegen. Danach unter "
                "Extras > Formulare > Justage den Versatz in Millimetern eintragen und auf einem "
                "Leerformular testen."
            ),
            "kind": "user_error",
            "category": "question",
        },
    },
    {
        "key": "treiber51",
        "by": "support",
        "data": {
            "title": "Rezeptdrucker: Treiber 5.1 druckt leere Seiten",
            "symptoms": "Nach dem Treiberupdate auf Version 5.1 kommt der Rezeptdruck als leere Seite.",
            "cause": "Fehler im Druckertreiber 5.1 des Herstellers.",
            "solution": "Treiber 5.0 aus dem Archiv des Herstellers installieren.",
            "kind": "workaround",
            "category": "technical",
            "affected_versions": "23.4",
        },
        "retire": (
            "Der Hersteller hat den Treiber 5.1.2 nachgeliefert; ersetzt durch „Rezept wird nicht gedruckt“."
        ),
    },
    {
        "key": "ekv_anhang",
        "by": "support",
        "data": {
            "title": "eKV-Versand bricht bei Fotos im Anhang ab",
            "symptoms": (
                "Der elektronische Kostenvoranschlag an die Krankenkasse wird mit „Übertragung "
                "fehlgeschlagen“ abgebrochen, sobald Fotos angehängt sind. Ohne Anhang geht der Versand."
            ),
            "cause": "Die Kassen nehmen höchstens 10 MB je Vorgang an; ein Smartphone-Foto hat oft 4 MB.",
            "solution": (
                "Extras > Einstellungen > Kostenvoranschlag: „Bilder vor dem Versand komprimieren“ "
                "aktivieren und den Kostenvoranschlag erneut senden."
            ),
            "kind": "configuration",
            "category": "technical",
            "affected_versions": "ab 23.1",
        },
    },
    {
        "key": "kv_zuordnung",
        "by": "support",
        "data": {
            "title": "Genehmigung der Krankenkasse wird keinem Kostenvoranschlag zugeordnet",
            "symptoms": (
                "Genehmigungen zu elektronischen Kostenvoranschlägen landen im Posteingang unter "
                "„nicht zugeordnet“, obwohl die KV-Nummer stimmt."
            ),
            "cause": (
                "Bekannter Fehler: Die Antwortdateien einiger Kassen enthalten die KV-Nummer mit "
                "führenden Nullen, SaniVision vergleicht ohne."
            ),
            "solution": (
                "Bis zur Korrektur: im Posteingang die Antwort markieren, „Zuordnen“ wählen und die "
                "KV-Nummer ohne führende Nullen suchen."
            ),
            "kind": "workaround",
            "category": "software",
            "affected_versions": "24.1–24.3",
        },
        "program_request": "@kv_zuordnung",
    },
    {
        "key": "charge",
        "by": "support",
        "data": {
            "title": "Chargennummer fehlt auf dem Lieferschein",
            "symptoms": (
                "Auf Lieferscheinen für Stoma- und Inkontinenzartikel fehlt die Chargennummer, obwohl "
                "sie beim Warenausgang erfasst wurde."
            ),
            "cause": "Fehler im Standardformular Lieferschein.",
            "solution": (
                "Behoben mit SaniVision 24.3.1. Bis zum Update: im Formulardesigner das Feld „Charge“ "
                "in die Positionszeile ziehen."
            ),
            "kind": "fixed_in_release",
            "category": "software",
            "affected_versions": "24.1–24.3",
            "fixed_in_version": "SaniVision 24.3.1",
        },
    },
    {
        "key": "etiketten",
        "by": "support",
        "data": {
            "title": "Etikettendrucker druckt nur leere Etiketten",
            "symptoms": (
                "Der Etikettendrucker schiebt bei Artikel- und Regaletiketten nur leere Etiketten heraus."
            ),
            "cause": "Nach einem Treiberupdate steht das Papierformat auf A4 statt auf der Etikettengröße.",
            "solution": (
                "Im Windows-Treiber das Papierformat auf die Etikettengröße (z. B. 57 x 32 mm) stellen, "
                "unter Extras > Etiketten den Drucker neu zuweisen und am Gerät eine Kalibrierung auslösen."
            ),
            "kind": "configuration",
            "category": "technical",
        },
    },
    {
        "key": "tse",
        "by": "leitung",
        "data": {
            "title": "Kassenabschluss nicht möglich: TSE nicht erreichbar",
            "symptoms": (
                "Beim Tagesabschluss erscheint „Technische Sicherheitseinrichtung nicht erreichbar“; "
                "Bons werden ohne Signatur gedruckt."
            ),
            "cause": "Der TSE-Stick wurde abgezogen oder Windows hat den USB-Anschluss schlafen gelegt.",
            "solution": (
                "TSE-Stick direkt am Kassen-PC einstecken (kein Hub), „USB selektives Energiesparen“ "
                "deaktivieren, SaniVision neu starten, Kassenabschluss wiederholen und den Ausfall im "
                "Kassenbuch vermerken."
            ),
            "kind": "workaround",
            "category": "technical",
        },
    },
    {
        "key": "egk",
        "by": "support",
        "data": {
            "title": "Kartenterminal nicht gefunden beim Einlesen der Versichertenkarte",
            "symptoms": "Beim Einlesen der eGK meldet SaniVision „Kartenterminal nicht gefunden“.",
            "cause": "Nach einem Windows-Update hat das Kartenterminal einen anderen COM-Port.",
            "solution": "Extras > Geräte > eGK-Terminal > Suchen, den neuen Port übernehmen, neu starten.",
            "kind": "workaround",
            "category": "technical",
        },
    },
    {
        "key": "massblatt",
        "by": "support",
        "data": {
            "title": "Maßangaben im Auftrag für Maßbandagen nach Update leer",
            "symptoms": "Nach dem Update sind in Aufträgen für Maßanfertigungen die Maße leer.",
            "cause": "Bekannter Fehler beim Übernehmen der Maßvorlage nach der Datenbankaktualisierung.",
            "solution": (
                "Bekannter Workaround: Maßblatt im Auftrag einmal öffnen und speichern, dann werden die "
                "Maße aus der Vorlage übernommen."
            ),
            "kind": "workaround",
            "category": "software",
            "affected_versions": "24.2",
        },
    },
    {
        "key": "zuzahlung",
        "by": "support",
        "data": {
            "title": "Zuzahlung nachträglich stornieren",
            "symptoms": "Eine Zuzahlung wurde irrtümlich kassiert und soll erstattet werden.",
            "solution": (
                "Kasse > Journal > Beleg wählen > Storno; den Betrag bar erstatten. Danach in der "
                "Rezeptabrechnung prüfen, dass die Zuzahlung wieder offen steht."
            ),
            "kind": "answer",
            "category": "question",
        },
    },
    {
        "key": "sicherung",
        "by": "support",
        "data": {
            "title": "Datensicherung schlägt fehl mit Fehler 0x80070005",
            "symptoms": "Die nächtliche Sicherung bricht ab: „0x80070005 Zugriff verweigert“.",
            "cause": "Kennwort des Dienstkontos geändert oder keine Schreibrechte auf dem Sicherungsziel.",
            "solution": (
                "Im Dienst „SaniVision Backup“ das Konto mit aktuellem Kennwort eintragen, Vollzugriff "
                "auf dem Sicherungsziel geben, Sicherung von Hand starten und das Protokoll prüfen."
            ),
            "kind": "configuration",
            "category": "technical",
        },
    },
    {
        "key": "hilfsmittelnummer",
        "by": "leitung",
        "data": {
            "title": "Hilfsmittelnummer wird als ungültig abgelehnt",
            "symptoms": (
                "Beim Speichern eines Artikels mit 10-stelliger Hilfsmittelnummer erscheint "
                "„Positionsnummer ungültig“."
            ),
            "cause": "Ins Feld Positionsnummer gehören nur die ersten 7 Stellen.",
            "solution": (
                "Die ersten sieben Stellen ins Feld „Positionsnummer“, die letzten drei ins Feld "
                "„Produkt“ eintragen, oder den Artikel über das Hilfsmittelverzeichnis anlegen."
            ),
            "kind": "user_error",
            "category": "question",
        },
    },
]


# Each ticket: the customer, the contact who called (index), who took the call, what was said,
# then the steps that walk it through the work instruction. A step is
# (kind, username, data): kind is a transition name, "note", "notify" or "sign".
# In register_program_request, "program_request": "@key" links to the request registered
# under that key by an earlier ticket, and "share_as" registers it under a key. In fix_immediately,
# "known_solution": "@key" solves the call with that known solution (its steps are the solution
# unless one is given), as the suggestion beside the form does.
TICKETS = [
    {
        "customer": "medicus",
        "contact": 0,
        "by": "support",
        "summary": "Kassenrezept-Druck: Verordnung wird um eine Zeile versetzt bedruckt",
        "description": (
            "Frau Weber meldet: Seit heute Morgen werden Kassenrezepte (Muster 16) um etwa eine Zeile "
            "nach unten versetzt bedruckt, die Hilfsmittelpositionen stehen im Feld darunter. "
            "Betroffen ist nur der Arbeitsplatz an der Kasse."
        ),
        "steps": [
            ("triage", "support", {"category": "question", "risk_relevant": False}),
            (
                "fix_immediately",
                "support",
                {
                    "resolution_kind": "user_error",
                    "solution": (
                        "Im Druckdialog war der Schacht „Universalzufuhr“ statt „Rezeptschacht“ gewählt. "
                        "Mit Frau Weber den Rezeptschacht wieder als Standard für das Formular Muster 16 "
                        "hinterlegt; Testdruck passt."
                    ),
                },
            ),
            ("close", "support", {}),
        ],
    },
    {
        "customer": "rheinblick",
        "contact": 1,
        "by": "support",
        "received_days_ago": 12,
        "sanivision_version": "25.1",
        "summary": "Hilfsmittelnummer: Kompressionsstrumpf mit falscher Kompressionsklasse auf Lieferschein",
        "description": (
            "Herr Becker meldet: Bei einer Versorgung mit einem Rundstrick-Kompressionsstrumpf "
            "(Produktgruppe 17, Kompressionstherapie) zeigt der Lieferschein Kompressionsklasse II, "
            "im Artikelstamm ist Klasse III hinterlegt. Der Fehler fiel erst bei der Anprobe auf. "
            "Der Artikel wurde nach dem letzten Import des Hilfsmittelverzeichnisses neu zugeordnet."
        ),
        "steps": [
            (
                "triage",
                "support",
                {
                    "category": "software",
                    "is_complaint": True,
                    "risk_relevant": True,
                    "risk_description": (
                        "Eine falsche Kompressionsklasse auf dem Lieferschein kann dazu führen, dass "
                        "Patienten ein Strumpf mit zu geringem Druck ausgegeben wird (Thrombose-, "
                        "Ödemrisiko). Weitere Artikel aus demselben Import könnten betroffen sein."
                    ),
                },
            ),
            (
                "escalate",
                "support",
                {
                    "problem_description": (
                        "Nach dem Import des Hilfsmittelverzeichnisses (Stand Quartal) ordnet SaniVision "
                        "Positionsnummern mit gleicher Produktart, aber unterschiedlicher Kompressionsklasse "
                        "dem ersten Treffer zu. Reproduzierbar beim Kunden mit zwei Artikeln; "
                        "Screenshots von Artikelstamm und Lieferschein liegen vor."
                    ),
                    "vendor_contact_summary": (
                        "Mit der SIC-Hotline besprochen; SIC prüft die Zuordnungslogik des HMV-Imports "
                        "und meldet sich, ob ein Korrekturskript möglich ist."
                    ),
                    "vendor_person": "Herr Albers (SIC-Hotline)",
                    "vendor_reference": "SIC-HL-88412",
                },
            ),
            (
                "note",
                "support",
                {
                    "direction": "outbound",
                    "text": (
                        "Herrn Becker gebeten, bis zur Klärung die Kompressionsklasse bei jeder Versorgung "
                        "aus dieser Produktgruppe gegen die Verordnung zu prüfen. Er informiert das Team."
                    ),
                },
            ),
        ],
    },
    {
        "customer": "quirinus",
        "contact": 0,
        "by": "support",
        "summary": "Kostenvoranschlag an Krankenkasse: Versand bricht bei großen Anhängen ab",
        "description": (
            "Herr Fischer meldet: Der elektronische Kostenvoranschlag an die AOK Rheinland/Hamburg "
            "wird mit der Meldung „Übertragung fehlgeschlagen“ abgebrochen, sobald Fotos der "
            "Versorgungssituation angehängt sind. Ohne Anhang funktioniert der Versand."
        ),
        "steps": [
            ("triage", "support", {"category": "technical", "risk_relevant": False}),
            (
                "escalate",
                "support",
                {
                    "problem_description": (
                        "eKV mit drei Fotos (je ca. 4 MB) bricht ab, mit einem verkleinerten Foto geht er "
                        "durch. Fehlerprotokoll der Kommunikationsschnittstelle vom Kunden erhalten."
                    ),
                    "vendor_contact_summary": "Fall mit SIC besprochen, Protokoll per E-Mail übermittelt.",
                    "vendor_person": "Frau Jansen (SIC-Hotline)",
                    "vendor_reference": "SIC-HL-88397",
                },
            ),
            (
                "fix_immediately",
                "support",
                {
                    "resolution_kind": "vendor_solution",
                    "solution": (
                        "SIC: In den eKV-Einstellungen „Bilder vor dem Versand komprimieren“ aktivieren "
                        "(Extras > Einstellungen > Kostenvoranschlag). Die Kassen nehmen maximal 10 MB je "
                        "Vorgang an."
                    ),
                },
            ),
            (
                "notify",
                "support",
                {
                    "kind": "solution",
                    "channel": "phone",
                    "note": "Herrn Fischer die Einstellung erklärt; Versand mit Fotos klappt jetzt.",
                },
            ),
            ("close", "support", {}),
        ],
    },
    {
        "customer": "niederrhein",
        "contact": 0,
        "by": "leitung",
        "received_days_ago": 40,
        "sanivision_version": "24.2",
        "summary": "Inventur: Zählliste lässt sich nicht nach Lagerort sortieren",
        "description": (
            "Herr Neumann meldet: Für die Jahresinventur wird die Zählliste nach Artikelnummer "
            "sortiert gedruckt. Das Lager ist nach Lagerorten organisiert, die Zähler müssen die "
            "Liste mehrfach durchblättern."
        ),
        "steps": [
            ("triage", "leitung", {"category": "software", "is_complaint": False, "risk_relevant": False}),
            (
                "escalate",
                "leitung",
                {
                    "problem_description": (
                        "Inventur > Zählliste drucken bietet keine Sortierung nach Lagerort, obwohl der "
                        "Lagerort im Artikelstamm gepflegt ist."
                    ),
                    "vendor_contact_summary": "SIC nimmt den Wunsch auf und prüft ihn für ein Update.",
                    "vendor_reference": "SIC-HL-87950",
                },
            ),
            (
                "register_program_request",
                "leitung",
                {
                    "kind": "wish",
                    "vendor_reference": "PW-24-0815",
                    "follow_up_date": days(14),
                    "planned_release": "SaniVision 24.3",
                },
            ),
            (
                "notify",
                "leitung",
                {
                    "kind": "forwarded",
                    "channel": "email",
                    "note": "An die SIC-Entwicklung weitergeleitet, geplant für Version 24.3.",
                },
            ),
            (
                "follow_up",
                "support",
                {
                    "note": "SIC: Umsetzung abgeschlossen, Auslieferung mit 24.3.",
                    "next_follow_up_date": days(7),
                },
            ),
            ("realize", "support", {"release": "SaniVision 24.3"}),
            (
                "notify",
                "support",
                {
                    "kind": "realized",
                    "channel": "phone",
                    "note": "Herrn Neumann informiert: Sortierung nach Lagerort ab Version 24.3 verfügbar.",
                },
            ),
            ("close", "support", {}),
        ],
    },
    {
        "customer": "bergisch",
        "contact": 0,
        "by": "support",
        "received_days_ago": 70,
        "sanivision_version": "24.1",
        "summary": "Lieferschein: Wunsch nach Unterschriftsfeld für den Patienten auf Seite 2",
        "description": (
            "Frau Lange wünscht, dass bei mehrseitigen Lieferscheinen das Feld „Empfang bestätigt“ "
            "auf jeder Seite gedruckt wird, nicht nur auf der letzten."
        ),
        "steps": [
            ("triage", "support", {"category": "software", "is_complaint": False, "risk_relevant": False}),
            (
                "escalate",
                "support",
                {
                    "problem_description": "Empfangsbestätigung nur auf der letzten Seite des Lieferscheins.",
                    "vendor_contact_summary": "Mit SIC besprochen; wird als Programmwunsch aufgenommen.",
                },
            ),
            (
                "register_program_request",
                "support",
                {"kind": "wish", "vendor_reference": "PW-24-0841", "follow_up_date": days(21)},
            ),
            (
                "reject",
                "support",
                {
                    "justification": (
                        "SIC lehnt ab: Die Empfangsbestätigung gilt für den gesamten Lieferschein; "
                        "ein Feld je Seite widerspräche der Vorgabe der Kassen (eine Unterschrift je "
                        "Lieferung). Das Formular kann im Formulardesigner angepasst werden."
                    )
                },
            ),
            (
                "notify",
                "support",
                {
                    "kind": "rejection_explained",
                    "channel": "letter",
                    "note": "Begründung von SIC schriftlich an Frau Lange geschickt.",
                },
            ),
            ("close", "support", {}),
        ],
    },
    {
        "customer": "ruhrgesund",
        "contact": 0,
        "by": "support",
        "summary": "Frage: Wie wird eine Rezeptzuzahlung nachträglich storniert?",
        "description": "Frau Krüger möchte wissen, wie eine irrtümlich kassierte Zuzahlung storniert wird.",
        "steps": [
            ("triage", "support", {"category": "question", "risk_relevant": False}),
            (
                "fix_immediately",
                "support",
                {
                    "resolution_kind": "question_answered",
                    "solution": "Kasse > Journal > Beleg wählen > Storno; Erstattung bar ausgezahlt.",
                },
            ),
            ("close", "support", {}),
            (
                "reopen",
                "support",
                {
                    "reason": (
                        "Frau Krüger ruft erneut an: Nach dem Storno steht die Zuzahlung weiterhin "
                        "offen in der Rezeptabrechnung."
                    )
                },
            ),
        ],
    },
    {
        "customer": "domblick",
        "contact": 1,
        "by": "support",
        "received_days_ago": 47,
        "sanivision_version": "24.2",
        "summary": "Maßanfertigung Bandage: Maßangaben im Auftrag nach Update leer",
        "description": (
            "Herr Wagner meldet: Nach dem Update waren bei zwei Aufträgen für Maßbandagen die "
            "Maßangaben im Auftrag leer; die Werkstatt hat es vor der Fertigung bemerkt."
        ),
        "steps": [
            (
                "triage",
                "support",
                {
                    "category": "software",
                    "is_complaint": True,
                    "risk_relevant": True,
                    "risk_description": (
                        "Fehlende Maße könnten zu einer falsch gefertigten Bandage führen; "
                        "bisher vor der Fertigung bemerkt, kein Patient betroffen."
                    ),
                },
            ),
            (
                "sign",
                "leitung",
                {
                    "decision": "no_action",
                    "comment": (
                        "Werkstatt prüft Maße ohnehin vor der Fertigung gegen das Maßblatt; "
                        "keine weitere Maßnahme erforderlich."
                    ),
                },
            ),
            (
                "fix_immediately",
                "support",
                {
                    "resolution_kind": "known_workaround",
                    "known_solution": "@massblatt",
                    "solution": (
                        "Bekannter Workaround: Maßblatt im Auftrag einmal öffnen und speichern, "
                        "dann werden die Maße aus der Vorlage übernommen."
                    ),
                },
            ),
            (
                "complaint",
                "support",
                {
                    "is_complaint": True,
                    "investigation": "not_investigated",
                    "justification": (
                        "Bekannter Fehler des Updates, von SIC bereits untersucht (bekannte Lösung "
                        "„Maßblatt“); keine eigene Untersuchung nötig."
                    ),
                },
            ),
            ("close", "support", {}),
        ],
    },
    {
        "customer": "ruhrgesund",
        "contact": 0,
        "by": "support",
        "summary": "Rezepte werden nicht mehr gedruckt",
        "description": (
            "Frau Krüger meldet: Seit dem Austausch des Druckers an der Rezeptannahme druckt "
            "SaniVision keine Kassenrezepte mehr; Lieferscheine kommen auf dem anderen Drucker."
        ),
        "steps": [
            ("triage", "support", {"category": "technical", "risk_relevant": False}),
            (
                "fix_immediately",
                "support",
                {"resolution_kind": "known_workaround", "known_solution": "@rezeptdruck"},
            ),
            ("close", "support", {}),
        ],
    },
    {
        "customer": "niederrhein",
        "contact": 0,
        "by": "support",
        "summary": "Etikettendrucker im Lager gibt nur leere Etiketten aus",
        "description": (
            "Herr Neumann meldet: Nach dem Windows-Update kommen aus dem Etikettendrucker nur leere "
            "Etiketten, die Regalbeschriftung für den Wareneingang fehlt."
        ),
        "steps": [
            ("triage", "support", {"category": "technical", "risk_relevant": False}),
            (
                "fix_immediately",
                "support",
                {"resolution_kind": "known_workaround", "known_solution": "@etiketten"},
            ),
            ("close", "support", {}),
        ],
    },
    {
        "customer": "medicus",
        "contact": 0,
        "by": "leitung",
        "summary": "Tagesabschluss: Kasse meldet TSE nicht erreichbar",
        "description": (
            "Frau Weber meldet: Der Kassenabschluss bricht ab, die Technische Sicherheitseinrichtung "
            "sei nicht erreichbar. Die Kasse wurde heute umgestellt."
        ),
        "steps": [
            ("triage", "leitung", {"category": "technical", "risk_relevant": False}),
            (
                "fix_immediately",
                "leitung",
                {"resolution_kind": "known_workaround", "known_solution": "@tse"},
            ),
            ("close", "leitung", {}),
        ],
    },
    # --- open tickets ---
    {
        "customer": "domblick",
        "contact": 0,
        "by": "support",
        "received_days_ago": 33,
        "sanivision_version": "25.1",
        "channel": "email",
        "summary": "Kostenvoranschlag an Krankenkasse: Genehmigung wird keinem Vorgang zugeordnet",
        "description": (
            "Frau Schmitz meldet: Eingehende Genehmigungen der BARMER zu elektronischen "
            "Kostenvoranschlägen landen im Posteingang „nicht zugeordnet“, obwohl die KV-Nummer "
            "stimmt. Sie muss jede Antwort von Hand zuordnen, etwa 20 pro Tag."
        ),
        "steps": [
            ("triage", "support", {"category": "software", "is_complaint": True, "risk_relevant": False}),
            (
                "escalate",
                "support",
                {
                    "problem_description": (
                        "Die Antwortdateien der Kasse enthalten die KV-Nummer mit führenden Nullen; "
                        "SaniVision vergleicht ohne. Beispiel-Dateien vom Kunden liegen vor."
                    ),
                    "vendor_contact_summary": "SIC bestätigt den Fehler und legt eine Beanstandung an.",
                    "vendor_person": "Herr Albers (SIC-Hotline)",
                    "vendor_reference": "SIC-HL-88120",
                },
            ),
            (
                "register_program_request",
                "support",
                {
                    "kind": "complaint",
                    "vendor_reference": "PW-24-0902",
                    "follow_up_date": days(0),
                    "planned_release": "SaniVision 24.4",
                    "share_as": "kv_zuordnung",
                },
            ),
            (
                "notify",
                "support",
                {
                    "kind": "forwarded",
                    "channel": "phone",
                    "note": "Frau Schmitz informiert: Beanstandung bei SIC, Korrektur für 24.4 geplant.",
                },
            ),
        ],
    },
    {
        "customer": "rheinblick",
        "contact": 0,
        "by": "support",
        "received_days_ago": 64,
        "sanivision_version": "24.2",
        "summary": "MIP-Export: Exportdatei wird von der Buchhaltung abgelehnt",
        "description": (
            "Frau Hoffmann meldet: Der MIP-Export für die Finanzbuchhaltung erzeugt seit Monatsbeginn "
            "eine Datei, die das Steuerbüro nicht einlesen kann (Fehler bei Belegdatum)."
        ),
        "steps": [
            ("triage", "support", {"category": "software", "is_complaint": True, "risk_relevant": False}),
            (
                "escalate",
                "support",
                {
                    "problem_description": (
                        "Im MIP-Export steht das Belegdatum im Format TT.MM.JJJJ statt JJJJMMTT; betroffen "
                        "sind nur Gutschriften. Exportdatei und Fehlerprotokoll des Steuerbüros liegen vor."
                    ),
                    "vendor_contact_summary": "SIC prüft, ob ein Patch oder ein Workaround möglich ist.",
                    "vendor_reference": "SIC-HL-88455",
                },
            ),
            (
                "follow_up",
                "support",
                {
                    "note": "SIC: Fehler nachgestellt, Entwicklung prüft noch; Rückmeldung diese Woche.",
                    "next_follow_up_date": days(2),
                },
            ),
        ],
    },
    {
        "customer": "niederrhein",
        "contact": 1,
        "by": "support",
        "received_days_ago": 21,
        "sanivision_version": "25.1",
        "summary": "Kassenrezept-Druck: Sammeldruck mehrerer Rezepte gewünscht",
        "description": (
            "Frau Schulte wünscht, dass die Rezepte eines Tages in einem Durchgang gedruckt werden "
            "können, statt jedes Rezept einzeln aus dem Auftrag zu drucken."
        ),
        "steps": [
            ("triage", "support", {"category": "software", "is_complaint": True, "risk_relevant": False}),
            (
                "escalate",
                "support",
                {
                    "problem_description": "Rezeptdruck nur einzeln aus dem Auftrag möglich.",
                    "vendor_contact_summary": "SIC nimmt den Wunsch als Programmwunsch auf.",
                },
            ),
            (
                "register_program_request",
                "support",
                {
                    "kind": "wish",
                    "vendor_reference": "PW-24-0911",
                    "follow_up_date": days(30),
                    "share_as": "sammeldruck",
                },
            ),
            (
                "notify",
                "support",
                {
                    "kind": "forwarded",
                    "channel": "email",
                    "note": "Frau Schulte informiert: Wunsch liegt bei SIC, noch kein Termin.",
                },
            ),
        ],
    },
    {
        "customer": "quirinus",
        "contact": 0,
        "by": "leitung",
        "summary": "Kassenrezept-Druck: Rezepte gesammelt drucken",
        "description": (
            "Herr Fischer fragt, ob Kassenrezepte gesammelt am Tagesende gedruckt werden können; "
            "das Einzeldrucken kostet an der Kasse viel Zeit."
        ),
        "steps": [
            ("triage", "leitung", {"category": "software", "is_complaint": False, "risk_relevant": False}),
            (
                "escalate",
                "leitung",
                {
                    "problem_description": "Gleicher Wunsch wie bei Reha-Technik Niederrhein (Sammeldruck).",
                    "vendor_contact_summary": "SIC: Wunsch liegt bereits vor, wird dort angehängt.",
                },
            ),
            (
                "register_program_request",
                "leitung",
                {"program_request": "@sammeldruck", "follow_up_date": days(30)},
            ),
        ],
    },
    {
        "customer": "bergisch",
        "contact": 0,
        "by": "support",
        "received_days_ago": 78,
        "sanivision_version": "24.1",
        "channel": "letter",
        "summary": "Hilfsmittelnummer: Artikel mit 10-stelliger Positionsnummer nicht anlegbar",
        "description": (
            "Frau Lange meldet: Neue Artikel mit 10-stelliger Hilfsmittelnummer werden beim Speichern "
            "abgelehnt („Positionsnummer ungültig“)."
        ),
        "steps": [
            ("triage", "support", {"category": "software", "is_complaint": True, "risk_relevant": False}),
            (
                "escalate",
                "support",
                {
                    "problem_description": "Prüfung der Positionsnummer erlaubt nur 7 Stellen.",
                    "vendor_contact_summary": "SIC klassifiziert es als Beanstandung.",
                },
            ),
            (
                "register_program_request",
                "support",
                {"kind": "complaint", "vendor_reference": "PW-24-0877", "follow_up_date": days(7)},
            ),
            (
                "reject",
                "support",
                {
                    "justification": (
                        "SIC: Kein Softwarefehler. Die 10-stellige Nummer ist die vollständige "
                        "Hilfsmittelnummer; im Feld Positionsnummer wird nur die 7-stellige Nummer "
                        "erfasst, die Produktnummer gehört in das eigene Feld."
                    )
                },
            ),
        ],
    },
    {
        "customer": "medicus",
        "contact": 0,
        "by": "support",
        "received_days_ago": 55,
        "sanivision_version": "24.2",
        "summary": "Lieferschein: Chargennummer fehlt beim Druck",
        "description": (
            "Frau Weber meldet: Auf Lieferscheinen für Stomaartikel fehlt die Chargennummer, "
            "obwohl sie beim Warenausgang erfasst wurde."
        ),
        "steps": [
            ("triage", "support", {"category": "software", "is_complaint": True, "risk_relevant": False}),
            (
                "escalate",
                "support",
                {
                    "problem_description": (
                        "Charge im Warenausgang erfasst, das Lieferscheinformular druckt sie nicht."
                    ),
                    "vendor_contact_summary": "SIC bestätigt den Fehler im Standardformular.",
                },
            ),
            (
                "register_program_request",
                "support",
                {
                    "kind": "complaint",
                    "vendor_reference": "PW-24-0860",
                    "follow_up_date": days(3),
                    "planned_release": "SaniVision 24.3.1",
                },
            ),
            ("realize", "support", {"release": "SaniVision 24.3.1"}),
            (
                "complaint",
                "support",
                {
                    "is_complaint": True,
                    "investigation": "investigated",
                    "findings": (
                        "SIC hat die Ursache gefunden: Die Druckvorlage las die Charge aus einem Feld, das "
                        "mit dem Update umbenannt wurde. Behoben in der realisierten Version."
                    ),
                },
            ),
        ],
    },
    {
        "customer": "ruhrgesund",
        "contact": 0,
        "by": "support",
        "summary": "eGK-Lesegerät: Fehler beim Einlesen der Versichertenkarte",
        "description": (
            "Frau Krüger meldet: Seit dem Windows-Update meldet SaniVision beim Einlesen der eGK "
            "„Kartenterminal nicht gefunden“. Das Lesegerät leuchtet grün."
        ),
        "steps": [
            ("triage", "support", {"category": "technical", "risk_relevant": False}),
            (
                "escalate",
                "support",
                {
                    "problem_description": (
                        "Kartenterminal am USB-Port erkannt, SaniVision findet es nicht; "
                        "Treiberversion und Portzuordnung dokumentiert."
                    ),
                    "vendor_contact_summary": "SIC kennt das Problem mit dem aktuellen Windows-Update.",
                    "vendor_reference": "SIC-HL-88470",
                },
            ),
            (
                "fix_immediately",
                "support",
                {
                    "resolution_kind": "vendor_solution",
                    "solution": (
                        "SIC: In der Kartenterminal-Konfiguration den COM-Port neu zuweisen "
                        "(Extras > Geräte > eGK-Terminal > Suchen) und SaniVision neu starten."
                    ),
                },
            ),
        ],
    },
    {
        "customer": "bergisch",
        "contact": 0,
        "by": "support",
        "key": "warteschlange",
        "summary": "Rezeptdruck: Druckauftrag bleibt in der Warteschlange hängen",
        "description": (
            "Frau Lange meldet: Kassenrezepte bleiben in der Druckerwarteschlange stehen, es wird "
            "nichts gedruckt. Sie probiert die Lösung heute Nachmittag an beiden Arbeitsplätzen."
        ),
        "steps": [
            ("triage", "support", {"category": "technical", "risk_relevant": False}),
            (
                "fix_immediately",
                "support",
                {"resolution_kind": "known_workaround", "known_solution": "@rezeptdruck"},
            ),
        ],
    },
    {
        "customer": "bergisch",
        "contact": 0,
        "by": "support",
        "summary": "Inventur: Bestandskorrektur nach Zählung wird nicht gebucht",
        "description": (
            "Frau Lange meldet: Nach Eingabe der Zählmengen bleibt der Bestand unverändert, "
            "die Inventurdifferenzen werden nicht gebucht."
        ),
        "steps": [],
    },
    {
        "customer": "rheinblick",
        "contact": 0,
        "by": "support",
        "summary": "Frage zum Lieferschein-Nachdruck mit geänderter Lieferadresse",
        "description": (
            "Frau Hoffmann fragt, ob ein Lieferschein nachträglich mit einer anderen Lieferadresse "
            "(Pflegeheim statt Wohnung) gedruckt werden darf und wie."
        ),
        "steps": [
            ("triage", "support", {"category": "question", "risk_relevant": False}),
        ],
    },
    {
        # A second call about the same problem a minute later, logged before anyone saw the first one.
        "customer": "bergisch",
        "contact": 0,
        "by": "leitung",
        "summary": "Rezepte bleiben im Druck hängen",
        "description": "Der Kunde ruft erneut an: Die Rezepte bleiben in der Druckwarteschlange hängen.",
        "steps": [
            (
                "close_as_duplicate",
                "leitung",
                {
                    "duplicate_of": "#warteschlange",
                    "reason": "Derselbe Anruf zum selben Drucker; der erste Vorgang trägt den Fall.",
                },
            ),
        ],
    },
]
