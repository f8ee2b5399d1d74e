r"""Benchmark (not a test): suggestions during a call with 100,000 known solutions and 1,000,000 tickets.

It fills a dedicated PostgreSQL database (migrated here) with invented but realistic German support
texts about SIC SaniVision: known solutions and tickets drawn from word lists per support topic
(prescription printing, cost estimates, billing, the till, card readers, updates, ...), topics and
words picked with a skewed (Zipf-like) frequency, mixed with rare tokens (error codes, versions,
workstations), tickets spread over three years, about 60 % solved with a solution of their own.
The rows go in by COPY (indexes dropped first and rebuilt after, in one transaction); PostgreSQL
computes the generated `search_vector` columns itself. History tables stay empty: not under test.

It then measures, after a warm-up, a few hundred varied typed texts (summary + description, with
inflections, typos and half-typed words): the suggestion request end to end through Django (GET
of the URL named solution-suggestions, logged in as a support user) and the two selectors behind it
separately, and prints count, p50, p95 and max in milliseconds. Target: p95 of the request under
50 ms on a 2-core machine.

Filling takes about three minutes on two cores; the data is reused while the database holds any
(--rebuild refills). Run it on its own database, never on real data; the database name must
contain "bench":

    .venv/bin/python bench/suggestion_search.py                 # creates supportdesk_bench if missing
    .venv/bin/python bench/suggestion_search.py --rebuild       # refill
    .venv/bin/python bench/suggestion_search.py --tickets 100000 --solutions 10000   # smaller
    .venv/bin/python bench/suggestion_search.py --explain       # EXPLAIN (ANALYZE, BUFFERS) of slow ones
    dropdb -h 127.0.0.1 -U postgres supportdesk_bench           # when done (about 2 GB)

--database-url (or the environment variable BENCH_DATABASE_URL) overrides the default
postgres://postgres@127.0.0.1:5432/supportdesk_bench. The fill needs a superuser (it skips the
foreign-key triggers during COPY with session_replication_role; the ids it writes are valid).
"""

import argparse
import datetime
import io
import os
import random
import statistics
import sys
import time
import warnings
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/supportdesk_bench"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--solutions", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300, help="measured typed texts (after a warm-up)")
    parser.add_argument("--rebuild", action="store_true", help="refill even if the data is there")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN (ANALYZE, BUFFERS) the slowest")
    parser.add_argument("--seed", type=int, default=5)
    return parser.parse_args()


ARGS = parse_args() if __name__ == "__main__" else None
if ARGS is not None:
    if "bench" not in urlsplit(ARGS.database_url).path:
        sys.exit("The database name must contain 'bench': this script truncates and fills it.")
    os.environ["DATABASE_URL"] = ARGS.database_url
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supportdesk.settings")


def ensure_database(url: str) -> None:
    """Create the bench database if it does not exist (connecting to the server's `postgres` database)."""
    import psycopg2
    from psycopg2 import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    server = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
    server.autocommit = True
    with server.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")
    server.close()


if ARGS is not None:
    ensure_database(ARGS.database_url)

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from solutions import selectors  # noqa: E402
from solutions.models import KnownSolution  # noqa: E402
from tickets import selectors as ticket_selectors  # noqa: E402
from tickets.models import Ticket  # noqa: E402

# ---- vocabulary ------------------------------------------------------------------------------------


class Topic:
    """One support topic: its things (terms), what callers name, what it does, sentences of a
    description, causes, solution steps.

    Each list is given as one string, the items separated by " | "; earlier items are picked more
    often, like in real calls.
    """

    def __init__(self, category: str, *, terms, subjects, problems, details, causes, steps):
        self.category = category
        self.terms, self.subjects, self.problems, self.details, self.causes, self.steps = (
            [item.strip() for item in text.split("|")]
            for text in (terms, subjects, problems, details, causes, steps)
        )


TOPICS = [
    Topic(
        "software",
        terms=(
            "Epson LQ-690 | Formular Muster 16 | Druckvorschau | Papierschacht | Rezeptformular | "
            "Druckerprofil | Nadeldrucker | Formularvorschub | Brother HL-L5100DN | Druckposition"
        ),
        subjects="Rezept | Kassenrezept | Rezeptdruck | Verordnung | Muster 16 | Rezeptdrucker",
        problems=(
            "druckt nicht | wird versetzt bedruckt | druckt eine Zeile zu tief | wird leer ausgedruckt | "
            "druckt auf dem falschen Schacht | bricht beim Drucken ab"
        ),
        details=(
            "Beim Bedrucken der Verordnung verrutschen alle Felder um eine Zeile nach unten. | "
            "Der Rezeptdrucker zieht das Formular ein, druckt aber nichts. | "
            "Die Zuzahlung wird außerhalb des Feldes gedruckt. | "
            "Der Probedruck auf Normalpapier ist in Ordnung, auf dem Rezept nicht. | "
            "Im Druckdialog ist der richtige Drucker ausgewählt."
        ),
        causes=(
            "Druckertreiber nach Windows-Update ausgetauscht | falscher Papierschacht im Druckerprofil | "
            "Randeinstellung des Formulars verstellt"
        ),
        steps=(
            "Unter Einstellungen > Formulare > Rezept den Versatz oben um 4 mm verringern. | "
            "Druckerprofil auf Schacht 2 (manueller Einzug) umstellen. | "
            "Originaltreiber des Herstellers statt des Windows-Treibers installieren. | "
            "Formularkalibrierung mit dem Testbogen durchführen."
        ),
    ),
    Topic(
        "software",
        terms=(
            "eKV-Postfach | IK-Nummer | Zertifikat | Anhang | Genehmigungsnummer | Kostenträger | "
            "Rollstuhl | Orthese | Antwortdatei | Kassenportal"
        ),
        subjects="Kostenvoranschlag | KV | eKV | Genehmigung | Kostenvoranschläge",
        problems=(
            "lässt sich nicht versenden | bleibt im Status gesendet | "
            "wird von der Krankenkasse abgelehnt | wird keinem Vorgang zugeordnet | "
            "bricht beim Versand ab | kommt nicht an"
        ),
        details=(
            "Der Versand an die Krankenkasse bricht bei großen Anhängen ab. | "
            "Die Genehmigung der Kasse wird keinem Auftrag zugeordnet. | "
            "Im eKV-Postfach steht die Antwort, SaniVision zeigt sie nicht an. | "
            "Die Kasse meldet eine ungültige IK-Nummer."
        ),
        causes=(
            "abgelaufenes Zertifikat im eKV-Modul | Anhang größer als die erlaubten 10 MB | "
            "IK-Nummer des Kostenträgers veraltet"
        ),
        steps=(
            "Zertifikat im eKV-Modul unter Extras > eKV > Zertifikate erneuern. | "
            "Anhänge als PDF komprimieren und einzeln nachsenden. | "
            "Kostenträgerdatei aktualisieren und den KV neu erzeugen. | "
            "Genehmigung manuell über Aufträge > Genehmigungen zuordnen."
        ),
    ),
    Topic(
        "software",
        terms=(
            "Abrechnungszentrum | Kostenträgerdatei | Prüfziffer | Positionsnummer | Sammelrechnung | "
            "Begleitzettel | Leistungserbringergruppe | Abrechnungscode | Tarifkennzeichen"
        ),
        subjects="Abrechnung | Sammelrechnung | §302-Abrechnung | Abrechnungsdatei | Datenaustausch",
        problems=(
            "bricht mit Fehler ab | wird nicht erstellt | wird vom Abrechnungszentrum abgelehnt | "
            "enthält doppelte Positionen | hängt bei der Prüfung"
        ),
        details=(
            "Beim Erstellen der Sammelrechnung erscheint ein Prüffehler. | "
            "Das Abrechnungszentrum meldet fehlerhafte Hilfsmittelpositionsnummern. | "
            "Die Abrechnungsdatei ist leer. | Einzelne Rezepte tauchen doppelt in der Abrechnung auf."
        ),
        causes=(
            "veraltete Kostenträgerdatei | Rezept zweimal erfasst | Positionsnummer mit falscher Prüfziffer"
        ),
        steps=(
            "Kostenträgerdatei über Extras > Stammdaten aktualisieren. | "
            "Doppelt erfasstes Rezept stornieren und die Abrechnung neu starten. | "
            "Positionsnummer im Artikelstamm korrigieren."
        ),
    ),
    Topic(
        "technical",
        terms=(
            "Bondrucker | EC-Terminal | TSE-Stick | Kassenjournal | Kassenbestand | Barzahlung | "
            "Kartenzahlung | Epson TM-T20 | Kassenbericht | Z-Bon"
        ),
        subjects="Kasse | Kassenbon | TSE | Tagesabschluss | Barverkauf | Kassenschublade",
        problems=(
            "TSE nicht erreichbar | druckt keinen Bon | Tagesabschluss stimmt nicht | "
            "öffnet sich nicht | zeigt falschen Kassenbestand"
        ),
        details=(
            "Beim Kassieren meldet SaniVision, dass die TSE nicht erreichbar ist. | "
            "Der Bondrucker druckt seit heute Morgen nicht mehr. | "
            "Im Tagesabschluss fehlen die EC-Zahlungen. | "
            "Die Kassenschublade öffnet sich nach dem Barverkauf nicht."
        ),
        causes=(
            "TSE-Stick am USB-Hub nicht erkannt | Bondrucker auf falschem COM-Port | "
            "EC-Terminal nicht mit der Kasse verbunden"
        ),
        steps=(
            "TSE-Stick direkt am PC anstecken und SaniVision neu starten. | "
            "Bondrucker unter Einstellungen > Kasse > Geräte auf COM3 stellen. | "
            "Tagesabschluss stornieren und nach Verbindung des EC-Terminals wiederholen."
        ),
    ),
    Topic(
        "technical",
        terms=(
            "Cherry ST-1506 | ORGA 6141 | Konnektor | SMC-B | Online-Prüfung | Versichertenstammdaten | "
            "USB-Port | Kartenterminal | TI-Einstellungen | Praxisausweis"
        ),
        subjects="Kartenleser | eGK | Versichertenkarte | eGK-Lesegerät | Kartenterminal | Konnektor",
        problems=(
            "liest die Karte nicht | wird nicht erkannt | meldet Fehler beim Einlesen | "
            "Konnektor nicht erreichbar | zeigt falsche Versichertendaten"
        ),
        details=(
            "Beim Einlesen der Versichertenkarte kommt eine Fehlermeldung. | "
            "Das Kartenterminal am USB-Port wird erkannt, SaniVision findet es nicht. | "
            "Der Konnektor antwortet nicht, die Online-Prüfung schlägt fehl. | "
            "Nach dem Stecken der Karte passiert nichts."
        ),
        causes=(
            "Treiber des Kartenterminals nach Windows-Update entfernt | Konnektor-Adresse geändert | "
            "Kartenterminal nicht gepairt"
        ),
        steps=(
            "Kartenterminal neu suchen (Extras > Geräte > eGK-Terminal > Suchen), SaniVision neu starten. | "
            "Konnektor-Adresse in den TI-Einstellungen eintragen. | "
            "Kartenterminal-Treiber neu installieren."
        ),
    ),
    Topic(
        "software",
        terms=(
            "Rezeptcode | Fachdienst | Token | SMC-B | Barcodescanner | Datamatrix | Abgabedatensatz | "
            "Quittung | TI-Gateway"
        ),
        subjects="E-Rezept | eRezept | Rezeptcode | Token | Fachdienst",
        problems=(
            "lässt sich nicht abrufen | wird nicht angezeigt | Token ungültig | "
            "Fachdienst antwortet nicht | kann nicht eingelöst werden"
        ),
        details=(
            "Der Rezeptcode wird gescannt, SaniVision meldet ein ungültiges Token. | "
            "Beim Abrufen des E-Rezepts kommt eine Zeitüberschreitung. | "
            "Das E-Rezept erscheint nicht in der Liste der offenen Verordnungen."
        ),
        causes=(
            "Störung beim Fachdienst der TI | Scanner liefert falsche Zeichen (Tastaturlayout) | "
            "SMC-B nicht freigeschaltet"
        ),
        steps=(
            "Tastaturlayout des Scanners auf Deutsch stellen. | "
            "SMC-B-PIN am Kartenterminal freischalten. | "
            "Später erneut abrufen; Störungsmeldung der gematik prüfen."
        ),
    ),
    Topic(
        "technical",
        terms=(
            "Setup-Datei | Virenscanner | Administratorrechte | Programmverzeichnis | Updatedienst | "
            "Installationsprotokoll | Windows Defender | Neustart"
        ),
        subjects="Update | Programmupdate | Installation | Updateinstallation | Setup",
        problems=(
            "bricht mit Fehler ab | startet nicht | hängt bei 80 Prozent | meldet fehlende Rechte | "
            "Programm startet nach Update nicht"
        ),
        details=(
            "Das Update bricht mit einer Fehlermeldung ab. | "
            "Nach dem Update startet SaniVision an den Arbeitsplätzen nicht mehr. | "
            "Die Installation fordert Administratorrechte an. | Der Virenscanner meldet die Setup-Datei."
        ),
        causes=(
            "Virenscanner blockiert die Setup-Datei | fehlende Administratorrechte | "
            "Arbeitsplatz noch mit alter Version angemeldet"
        ),
        steps=(
            "Update als Administrator ausführen. | "
            "Programmverzeichnis im Virenscanner als Ausnahme eintragen. | "
            "Alle Arbeitsplätze abmelden und das Update am Server wiederholen."
        ),
    ),
    Topic(
        "technical",
        terms=(
            "Datenbankdienst | Firewall | Netzwerkkarte | Terminalserver | Remote Desktop | Festplatte | "
            "Energiesparmodus | Switch | Router"
        ),
        subjects="Datenbank | Server | Netzwerk | Verbindung | Datenbankserver",
        problems=(
            "keine Verbindung | sehr langsam | Verbindung bricht ab | meldet Zeitüberschreitung | "
            "nicht erreichbar"
        ),
        details=(
            "SaniVision meldet beim Start, dass keine Verbindung zur Datenbank besteht. | "
            "Das Programm ist seit gestern an allen Arbeitsplätzen sehr langsam. | "
            "Die Verbindung zum Server bricht mehrmals am Tag ab."
        ),
        causes=(
            "Datenbankdienst nach Neustart nicht gestartet | Festplatte des Servers voll | "
            "Energiesparmodus der Netzwerkkarte"
        ),
        steps=(
            "Datenbankdienst auf dem Server starten und auf automatisch stellen. | "
            "Alte Datensicherungen vom Server löschen, Speicherplatz freigeben. | "
            "Energiesparmodus der Netzwerkkarte abschalten."
        ),
    ),
    Topic(
        "question",
        terms=(
            "Benutzerverwaltung | Startpasswort | Rolle Verkauf | Anmeldemaske | Zwei-Faktor | Benutzergruppe"
        ),
        subjects="Anmeldung | Passwort | Benutzer | Benutzerkonto | Kennwort",
        problems="vergessen | gesperrt | funktioniert nicht | soll geändert werden | läuft ab",
        details=(
            "Die Mitarbeiterin hat ihr Passwort vergessen. | "
            "Nach drei falschen Eingaben ist der Benutzer gesperrt. | "
            "Ein neuer Mitarbeiter braucht ein Benutzerkonto."
        ),
        causes="Passwort dreimal falsch eingegeben | Passwort abgelaufen",
        steps=(
            "Benutzer unter Verwaltung > Benutzer entsperren und ein Startpasswort vergeben. | "
            "Neuen Benutzer anlegen und der Rolle Verkauf zuordnen."
        ),
    ),
    Topic(
        "software",
        terms=(
            "Zählliste | Lagerort | Bestandskorrektur | Inventurdifferenz | Stichtag | Handscanner | "
            "Lagerplatz"
        ),
        subjects="Inventur | Lagerbestand | Zählliste | Bestandskorrektur | Lagerort",
        problems=(
            "wird nicht gebucht | lässt sich nicht sortieren | zeigt falschen Bestand | "
            "bricht beim Abschluss ab"
        ),
        details=(
            "Die Zählliste lässt sich nicht nach Lagerort sortieren. | "
            "Die Bestandskorrektur nach der Zählung wird nicht gebucht. | "
            "Der Lagerbestand stimmt nach der Inventur nicht."
        ),
        causes="Inventur nicht abgeschlossen | Lagerort ohne Zuordnung",
        steps=(
            "Inventur unter Lager > Inventur > Abschließen abschließen, dann die Korrektur buchen. | "
            "Zählliste über Lager > Listen mit der Sortierung Lagerort drucken."
        ),
    ),
    Topic(
        "software",
        terms=(
            "Hilfsmittelverzeichnis | Positionsnummer | Festbetrag | Preisliste | Vertragspreis | "
            "Kompressionsklasse | Produktgruppe 17 | Produktgruppe 23"
        ),
        subjects=(
            "Hilfsmittelnummer | Artikelstamm | Hilfsmittelverzeichnis | Artikel | Preisliste | Festbetrag"
        ),
        problems="falsch zugeordnet | lässt sich nicht anlegen | fehlt nach dem Import | zeigt alten Preis",
        details=(
            "Nach dem Import des Hilfsmittelverzeichnisses fehlen Positionsnummern. | "
            "Ein Artikel mit 10-stelliger Positionsnummer lässt sich nicht anlegen. | "
            "Der Festbetrag wird noch mit dem alten Preis berechnet."
        ),
        causes="Import der Preisliste unvollständig | alte Preisliste noch gültig",
        steps=(
            "Hilfsmittelverzeichnis erneut importieren (Extras > Import > HMV). | "
            "Gültigkeitsdatum der neuen Preisliste setzen."
        ),
    ),
    Topic(
        "software",
        terms=(
            "Chargennummer | Lieferadresse | Unterschriftsfeld | Empfangsbestätigung | Nachdruck | "
            "Seriennummer | Auslieferung"
        ),
        subjects="Lieferschein | Auftrag | Versorgung | Empfangsbestätigung | Chargennummer",
        problems=(
            "druckt ohne Chargennummer | lässt sich nicht abschließen | zeigt falsche Lieferadresse | "
            "fehlt im Auftrag"
        ),
        details=(
            "Auf dem Lieferschein fehlt die Chargennummer. | "
            "Der Auftrag lässt sich nicht abschließen, weil die Empfangsbestätigung fehlt. | "
            "Beim Nachdruck des Lieferscheins erscheint die alte Lieferadresse."
        ),
        causes="Chargenpflicht im Artikel nicht gesetzt | Lieferadresse im Auftrag gespeichert",
        steps=(
            "Chargenpflicht im Artikelstamm aktivieren und den Lieferschein neu drucken. | "
            "Lieferadresse im Auftrag ändern, dann nachdrucken."
        ),
    ),
    Topic(
        "software",
        terms=(
            "Sachkonto | Debitor | Buchungsstapel | Exportzeitraum | Steuerberater | Erlöskonto | "
            "Kostenstelle"
        ),
        subjects="DATEV-Export | MIP-Export | Buchhaltung | Offene Posten | Exportdatei",
        problems="wird abgelehnt | enthält keine Buchungen | bricht ab | falsches Format",
        details=(
            "Die Exportdatei wird von der Buchhaltung abgelehnt. | "
            "Der DATEV-Export enthält keine Buchungen des Vormonats."
        ),
        causes="Sachkontenlänge falsch eingestellt | Exportzeitraum falsch",
        steps=(
            "Sachkontenlänge unter Einstellungen > Export auf 4 stellen. | "
            "Exportzeitraum korrigieren und erneut exportieren."
        ),
    ),
    Topic(
        "question",
        terms=(
            "Befreiungsausweis | Zuzahlungsquittung | Storno | Kassenjournal | Eigenanteil | "
            "Mehrkostenerklärung"
        ),
        subjects="Zuzahlung | Befreiung | Eigenanteil | Rezeptzuzahlung | Mehrkosten",
        problems="storniert werden | falsch berechnet | nachträglich ändern | wird nicht angezeigt",
        details=(
            "Die Kundin möchte wissen, wie eine irrtümlich kassierte Zuzahlung storniert wird. | "
            "Der Patient ist befreit, es wird trotzdem eine Zuzahlung berechnet."
        ),
        causes="Befreiung nicht im Kundenstamm hinterlegt",
        steps=(
            "Kasse > Journal > Beleg wählen > Storno; Erstattung bar auszahlen. | "
            "Befreiung im Kundenstamm mit Gültigkeit eintragen."
        ),
    ),
    Topic(
        "software",
        terms=(
            "Rückgabe | Mietvertrag | Laufzeit | Pflegebett | Rollator | Elektrorollstuhl | "
            "Wiedereinsatzpauschale"
        ),
        subjects="Mietgerät | Wiedereinsatz | Fallpauschale | Mietversorgung | Pauschale",
        problems=(
            "wird nicht abgerechnet | lässt sich nicht zurückbuchen | falscher Zeitraum | doppelt berechnet"
        ),
        details=(
            "Das Mietgerät wurde zurückgegeben, die Pauschale läuft weiter. | "
            "Die Fallpauschale wird für den falschen Zeitraum berechnet."
        ),
        causes="Rückgabe nicht gebucht | Vertrag mit falscher Laufzeit",
        steps="Rückgabe unter Geräte > Rückgabe buchen. | Laufzeit im Vertrag korrigieren.",
    ),
    Topic(
        "software",
        terms=(
            "Maßblatt | Messplatte | Fußscanner | Werkstatt | Kompressionsstrumpf | Leisten | Orthopädieschuh"
        ),
        subjects="Maßanfertigung | Maßblatt | Werkstattauftrag | Bandage | Einlagen | Fußdruckmessung",
        problems="Maßangaben leer | wird nicht übernommen | lässt sich nicht drucken | fehlt im Auftrag",
        details=(
            "Nach dem Update sind die Maßangaben im Auftrag leer. | "
            "Die Fußdruckmessung wird nicht in den Werkstattauftrag übernommen."
        ),
        causes="Maßblatt-Vorlage nach Update ersetzt | Schnittstelle zur Messplatte deaktiviert",
        steps=(
            "Maßblatt-Vorlage unter Einstellungen > Vorlagen zurücksetzen. | "
            "Schnittstelle zur Messplatte in den Geräteeinstellungen aktivieren."
        ),
    ),
    Topic(
        "technical",
        terms="Archivpfad | Dokumentenablage | Fujitsu fi-7160 | Scanprofil | Kundenakte | Dateiname",
        subjects="Scanner | Dokument | Archiv | PDF | Scan",
        problems="wird nicht gespeichert | lässt sich nicht öffnen | scannt nicht | ist leer",
        details=(
            "Gescannte Dokumente erscheinen nicht im Archiv des Kunden. | "
            "Das PDF lässt sich aus SaniVision heraus nicht öffnen."
        ),
        causes="Archivpfad auf nicht verbundenes Laufwerk | kein PDF-Programm als Standard",
        steps=(
            "Archivpfad auf den UNC-Pfad des Servers umstellen. | "
            "Standardprogramm für PDF in Windows festlegen."
        ),
    ),
    Topic(
        "question",
        terms="Umsatzliste | Kostenträgerstatistik | Filialfilter | Zeitraum | Excel | Artikelstatistik",
        subjects="Auswertung | Statistik | Liste | Excel-Export | Umsatzliste",
        problems="erstellen | zeigt falsche Zahlen | lässt sich nicht exportieren | fehlt im Menü",
        details=(
            "Die Filialleitung möchte eine Umsatzliste je Kostenträger. | "
            "Der Excel-Export der Statistik ist leer."
        ),
        causes="Filter auf falsche Filiale gesetzt",
        steps=(
            "Auswertungen > Umsatz > nach Kostenträger, Zeitraum wählen, Export nach Excel. | "
            "Filialfilter zurücksetzen."
        ),
    ),
    Topic(
        "technical",
        terms=(
            "Sicherungslaufwerk | NAS | Aufgabenplanung | Sicherungsprotokoll | USB-Festplatte | "
            "Cloud-Sicherung"
        ),
        subjects="Datensicherung | Backup | Sicherung | Rücksicherung",
        problems="schlägt fehl | läuft nicht | meldet Fehler | zu groß",
        details=(
            "Die nächtliche Datensicherung meldet einen Fehler. | "
            "Seit einer Woche läuft keine Sicherung mehr."
        ),
        causes="Sicherungslaufwerk voll | Aufgabe in der Aufgabenplanung deaktiviert",
        steps=(
            "Alte Sicherungen auf dem Sicherungslaufwerk löschen. | "
            "Aufgabe in der Windows-Aufgabenplanung wieder aktivieren."
        ),
    ),
    Topic(
        "question",
        terms="Lizenzschlüssel | Servername | Arbeitsplatzlizenz | Lizenzdatei | Modul Kasse | Modul eKV",
        subjects="Lizenz | Lizenzschlüssel | Arbeitsplatz | Arbeitsplatzlizenz",
        problems="abgelaufen | nicht gefunden | zu wenige Arbeitsplätze | nach Serverwechsel ungültig",
        details=(
            "SaniVision meldet beim Start, dass die Lizenz abgelaufen ist. | "
            "Ein weiterer Arbeitsplatz soll eingerichtet werden."
        ),
        causes="Lizenzschlüssel nicht verlängert | Servername geändert",
        steps=(
            "Neuen Lizenzschlüssel unter Hilfe > Lizenz eintragen. | "
            "Lizenz beim Hersteller auf den neuen Servernamen umstellen lassen."
        ),
    ),
    Topic(
        "software",
        terms="Mahnstufe | Zahlungseingang | Kontoauszug | Mahngebühr | Offene Posten | Zahlungsziel",
        subjects="Mahnung | Mahnlauf | Zahlungserinnerung | Rechnung | Offener Posten",
        problems="wird doppelt erstellt | falscher Betrag | lässt sich nicht drucken | erscheint nicht",
        details=(
            "Der Mahnlauf erstellt Mahnungen für bereits bezahlte Rechnungen. | "
            "Die Zahlungserinnerung zeigt den falschen Betrag."
        ),
        causes="Zahlungseingang nicht gebucht",
        steps="Zahlungseingänge einlesen und den Mahnlauf neu starten.",
    ),
    Topic(
        "software",
        terms="Pflegebox | Monatslieferung | Dauerauftrag | Pflegekasse | Unterschrift | Einmalhandschuhe",
        subjects="Pflegehilfsmittel | Monatslieferung | Antrag Pflegekasse | Pflegebox",
        problems="wird nicht erzeugt | doppelt geliefert | Antrag abgelehnt | fehlt in der Abrechnung",
        details=(
            "Die Monatslieferung der Pflegehilfsmittel wurde nicht erzeugt. | "
            "Die Pflegekasse lehnt den Antrag wegen fehlender Unterschrift ab."
        ),
        causes="Dauerauftrag ohne Enddatum | Unterschrift nicht gescannt",
        steps=(
            "Dauerauftrag unter Aufträge > Daueraufträge prüfen und fortsetzen. | "
            "Unterschriebenen Antrag scannen und erneut senden."
        ),
    ),
    Topic(
        "technical",
        terms="SMTP-Server | Postausgang | Outlook | Anhang | STARTTLS | Postfach",
        subjects="E-Mail | Mailversand | Outlook | Rechnungsversand",
        problems=(
            "wird nicht versendet | landet im Postausgang | Anhang fehlt | "
            "Anmeldung am Mailserver schlägt fehl"
        ),
        details=(
            "Rechnungen per E-Mail bleiben im Postausgang hängen. | Der Mailserver lehnt die Anmeldung ab."
        ),
        causes="Passwort des Postfachs geändert | Port für SMTP falsch",
        steps=(
            "Postfach-Passwort unter Einstellungen > E-Mail neu eintragen. | "
            "SMTP-Port auf 587 mit STARTTLS stellen."
        ),
    ),
    Topic(
        "question",
        terms="Außendienst | Tablet | Hausbesuch | Tourenplanung | Kalenderansicht | Synchronisierung",
        subjects="Termin | Kalender | Außendienst | Hausbesuch | Terminplanung",
        problems=(
            "wird nicht angezeigt | doppelt vergeben | lässt sich nicht verschieben | synchronisiert nicht"
        ),
        details=(
            "Termine des Außendienstes erscheinen nicht im Kalender. | "
            "Ein Hausbesuch lässt sich nicht verschieben."
        ),
        causes="Synchronisierung mit dem Tablet aus",
        steps="Synchronisierung unter Außendienst > Geräte einschalten.",
    ),
    Topic(
        "software",
        terms="Dublette | Geburtsdatum | Versichertennummer | Kundennummer | Zusammenführen | Patientenakte",
        subjects="Kundenstamm | Patient | Kundendaten | Patientendaten | Kundensuche",
        problems="doppelt angelegt | wird nicht gefunden | Adresse falsch | lässt sich nicht speichern",
        details=(
            "Die Patientin ist zweimal im Kundenstamm angelegt. | "
            "Die Kundensuche findet den Patienten über die Versichertennummer nicht."
        ),
        causes="Dublette beim Einlesen der eGK angelegt | Suchindex veraltet",
        steps=(
            "Dubletten unter Kunden > Zusammenführen zusammenlegen. | "
            "Suchindex unter Extras > Wartung neu aufbauen."
        ),
    ),
    Topic(
        "software",
        terms="Lieferant | Bestellvorschlag | Mindestbestand | EDI | Auftragsbestätigung | Großhandel",
        subjects="Bestellung | Lieferantenbestellung | Bestellvorschlag | Wareneingang",
        problems="wird nicht übertragen | fehlt | zeigt falsche Mengen | lässt sich nicht buchen",
        details=(
            "Der Bestellvorschlag schlägt Artikel trotz ausreichendem Bestand vor. | "
            "Die Bestellung an den Lieferanten geht per EDI nicht raus."
        ),
        causes="Mindestbestand falsch gepflegt | EDI-Zugangsdaten abgelaufen",
        steps=(
            "Mindestbestand im Artikel korrigieren. | "
            "EDI-Zugangsdaten unter Einstellungen > Lieferanten erneuern."
        ),
    ),
    Topic(
        "technical",
        terms="Etikettendrucker | Zebra GK420 | Barcode | Etikettenformat | Regaletikett | Preisetikett",
        subjects="Etikett | Etikettendruck | Barcode | Preisauszeichnung",
        problems="druckt verschoben | Barcode nicht lesbar | druckt leer | falsches Format",
        details=(
            "Die Etiketten werden versetzt gedruckt, der Barcode ist abgeschnitten. | "
            "Der Handscanner liest die Barcodes der neuen Etiketten nicht."
        ),
        causes="Etikettenformat nach Rollenwechsel falsch | Druckdichte zu gering",
        steps=(
            "Etikettenformat unter Einstellungen > Etiketten auf 57 x 32 mm stellen. | "
            "Druckdichte im Druckertreiber erhöhen."
        ),
    ),
    Topic(
        "software",
        terms="Rechnungsformular | Rechnungsnummer | Gutschrift | Storno | Rechnungskopie | Briefpapier",
        subjects="Rechnung | Rechnungsdruck | Gutschrift | Privatrechnung",
        problems="falscher Betrag | druckt ohne Logo | Nummer doppelt | lässt sich nicht stornieren",
        details=("Auf der Privatrechnung fehlt das Logo. | Eine Rechnungsnummer wurde zweimal vergeben."),
        causes="Briefpapier-Vorlage nicht gefunden | Nummernkreis zurückgesetzt",
        steps=(
            "Pfad der Briefpapier-Vorlage unter Einstellungen > Formulare eintragen. | "
            "Nummernkreis unter Verwaltung > Nummernkreise korrigieren."
        ),
    ),
    Topic(
        "software",
        terms=(
            "Vertragspreis | Genehmigungsfreigrenze | Kostenträger | Vertragsnummer | Vertragsende | "
            "Preisvereinbarung"
        ),
        subjects="Vertrag | Vertragsverwaltung | Vertragspreise | Kostenträgervertrag",
        problems="wird nicht gezogen | abgelaufen | falscher Preis | fehlt",
        details=(
            "Für die AOK wird der alte Vertragspreis gezogen. | "
            "Die Genehmigungsfreigrenze wird nicht berücksichtigt."
        ),
        causes="neuer Vertrag ohne Gültigkeitsbeginn | Vertrag dem falschen Kostenträger zugeordnet",
        steps=(
            "Gültigkeitsbeginn im Vertrag eintragen. | "
            "Vertrag unter Stammdaten > Verträge dem richtigen Kostenträger zuordnen."
        ),
    ),
    Topic(
        "question",
        terms="Serienbrief | Word-Vorlage | Textbaustein | Briefkopf | Platzhalter | Anschreiben",
        subjects="Serienbrief | Vorlage | Brief | Textvorlage",
        problems="Platzhalter leer | öffnet Word nicht | lässt sich nicht anpassen | falscher Briefkopf",
        details=(
            "Im Serienbrief bleiben die Platzhalter für die Anschrift leer. | "
            "Beim Erstellen eines Briefes öffnet sich Word nicht."
        ),
        causes="Word-Vorlage mit alten Feldnamen | Office-Schnittstelle deaktiviert",
        steps=(
            "Word-Vorlage mit den neuen Platzhaltern speichern. | "
            "Office-Schnittstelle unter Einstellungen > Office aktivieren."
        ),
    ),
    Topic(
        "technical",
        terms="Terminalserver | Remote Desktop | Citrix | Drucker-Umleitung | Sitzung | Profil",
        subjects="Terminalserver | Remote-Sitzung | RDP | Citrix-Sitzung",
        problems="Drucker fehlt | Sitzung hängt | Anmeldung dauert lange | trennt sich",
        details=(
            "In der Remote-Sitzung werden die lokalen Drucker nicht angezeigt. | "
            "Die Sitzung auf dem Terminalserver friert mehrmals am Tag ein."
        ),
        causes="Drucker-Umleitung in der RDP-Verbindung aus | Benutzerprofil beschädigt",
        steps=(
            "Drucker-Umleitung in den RDP-Einstellungen aktivieren. | "
            "Benutzerprofil auf dem Terminalserver neu anlegen."
        ),
    ),
    Topic(
        "software",
        terms="KIM-Postfach | KIM-Nachricht | Clientmodul | Anhang | Signatur | eArztbrief",
        subjects="KIM | KIM-Nachricht | KIM-Postfach",
        problems="wird nicht empfangen | lässt sich nicht senden | Signatur ungültig",
        details=(
            "Die KIM-Nachricht der Arztpraxis kommt nicht an. | "
            "Beim Senden meldet das Clientmodul eine ungültige Signatur."
        ),
        causes="Clientmodul nicht gestartet | Zertifikat des Postfachs abgelaufen",
        steps=("KIM-Clientmodul als Dienst starten. | Postfach-Zertifikat beim Anbieter erneuern."),
    ),
    Topic(
        "question",
        terms="Filiale | Umlagerung | Zentrallager | Filialbestand | Transferschein",
        subjects="Umlagerung | Filialbestand | Filialverwaltung | Transfer",
        problems="wird nicht gebucht | Bestand fehlt | lässt sich nicht anlegen",
        details=(
            "Die Umlagerung ins Zentrallager ist gebucht, der Bestand in der Filiale bleibt. | "
            "Der Transferschein lässt sich nicht drucken."
        ),
        causes="Umlagerung nur erfasst, nicht abgeschlossen",
        steps="Umlagerung unter Lager > Umlagerungen abschließen.",
    ),
    Topic(
        "technical",
        terms="Bildschirm | Schriftgröße | Skalierung | Auflösung | Fenster | Monitor",
        subjects="Anzeige | Bildschirm | Darstellung | Maske",
        problems="zu klein | abgeschnitten | verschoben | flackert",
        details=(
            "Nach dem Monitortausch ist die Eingabemaske abgeschnitten. | "
            "Die Schrift in den Listen ist zu klein."
        ),
        causes="Windows-Skalierung auf 150 Prozent",
        steps="Windows-Skalierung auf 100 Prozent stellen oder Anzeige > Zoom in SaniVision nutzen.",
    ),
]

CONTEXTS = [
    "seit dem Update",
    "seit heute Morgen",
    "an Arbeitsplatz {n}",
    "in der Filiale {city}",
    "nur an einem Arbeitsplatz",
    "an allen Arbeitsplätzen",
    "nach Windows-Update",
    "seit gestern",
    "bei Kunde {name}",
    "mit Fehlercode SV-{code}",
    "in Version 24.{minor}",
]
OPENERS = [
    "Kunde meldet:",
    "Frau {name} meldet:",
    "Herr {name} ruft an:",
    "Die Filiale {city} meldet:",
    "Anruf aus der Werkstatt:",
    "",
]
FILLERS = [
    "Ein Neustart hat nicht geholfen.",
    "Das Problem tritt seit {days} Tagen auf.",
    "Es betrifft {n} Arbeitsplätze.",
    "Fehlermeldung: SV-{code}.",
    "Version SaniVision 24.{minor}.{patch}.",
    "Der Kunde bittet um Rückruf.",
    "Die Kundin wartet in der Filiale.",
    "Arbeitsplatz PC-{place}-{n}.",
    "Bisher hat es immer funktioniert.",
    "Screenshot liegt per E-Mail vor.",
]
# Sentences of a description around the topic's things: {term}, {other} (another thing), {problem}.
SENTENCES = [
    "Betroffen ist {term}.",
    "Beim Aufruf von {term} erscheint die Meldung SV-{code}.",
    "{term} war bis {weekday} in Ordnung.",
    "Vermutlich hängt es mit {term} zusammen.",
    "Der Kunde hat {term} und {other} bereits geprüft.",
    "Auch {other} ist betroffen.",
    "Seit der Umstellung auf {term} tritt das auf.",
    "Es geht um {term}, {problem}.",
    "Laut Kundin {problem}, an {term} wurde nichts verändert.",
    "{term}: {problem}.",
]
CLOSERS = [
    "Kunde informiert, funktioniert wieder.",
    "Danach lief es wieder.",
    "Mit dem Kunden am Telefon getestet.",
    "Kunde testet und meldet sich bei Problemen.",
    "",
]
NAMES = [
    "Krüger", "Schmidt", "Müller", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz",
    "Hoffmann", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Zimmermann",
    "Braun", "Hofmann", "Hartmann", "Lange", "Schmitt", "Werner", "Krause", "Meier", "Lehmann", "Schmid",
]  # fmt: skip
CITIES = [
    "Hamburg", "Bremen", "Hannover", "Kassel", "Fulda", "Würzburg", "Bamberg", "Erfurt", "Leipzig", "Dresden",
    "Köln", "Bonn", "Mainz", "Trier", "Ulm", "Augsburg", "Passau", "Rostock", "Kiel", "Lübeck",
]  # fmt: skip
PLACES = ["EMPFANG", "KASSE", "WERKSTATT", "BUERO", "LAGER", "FILIALE"]

# Typed during a call: realistic phrasings, not all taken from the generated texts.
HAND_TYPED = [
    ("Rezept druckt nicht", ""),
    ("Rezepte werden versetzt gedruckt", "seit dem Windows-Update eine Zeile tiefer"),
    ("Kassenrezept Druck verrutscht", ""),
    ("eKV wird abgelehnt", "Krankenkasse meldet ungültige IK-Nummer"),
    ("Kostenvoranschlag lässt sich nicht senden", "Anhang zu groß"),
    ("TSE nicht erreichbar", "Kasse kann nicht kassieren"),
    ("Bondrucker druckt nicht", ""),
    ("Versichertenkarte wird nicht gelesen", "Kartenleser am USB"),
    ("eGK Lesegerät Fehler", ""),
    ("Update bricht ab", "Fehlermeldung beim Setup, Virenscanner?"),
    ("Programm startet nicht nach Update", ""),
    ("Datenbank keine Verbindung", "an allen Arbeitsplätzen"),
    ("SaniVision sehr langsam", "seit gestern an allen Plätzen"),
    ("Passwort vergessen", "Benutzer gesperrt"),
    ("Inventur Korrektur wird nicht gebucht", ""),
    ("Hilfsmittelnummer fehlt nach Import", "Hilfsmittelverzeichnis"),
    ("Lieferschein ohne Chargennummer", ""),
    ("DATEV Export leer", "keine Buchungen im Vormonat"),
    ("Zuzahlung stornieren", "irrtümlich kassiert"),
    ("Mietgerät Pauschale läuft weiter", "Rückgabe"),
    ("Maßangaben leer nach Update", "Bandage Maßanfertigung"),
    ("Scan nicht im Archiv", ""),
    ("Datensicherung schlägt fehl", "Sicherungslaufwerk"),
    ("Lizenz abgelaufen", ""),
    ("Mahnung doppelt", "bereits bezahlte Rechnungen"),
    ("Pflegehilfsmittel Monatslieferung fehlt", ""),
    ("E-Mail Rechnung bleibt im Postausgang", ""),
    ("E-Rezept Token ungültig", "Rezeptcode gescannt"),
    ("Fehler SV-4711", ""),
    ("Rezpet drukt nicht", ""),
    ("Kostenvoranschalg", ""),
    ("Kartenlser", ""),
    ("Druck", ""),
    ("Re", ""),
]


def zipf_weights(n: int, skew: float = 0.9) -> list[float]:
    total, weights = 0.0, []
    for i in range(n):
        total += 1 / (i + 1) ** skew
        weights.append(total)
    return weights  # cumulative, for random.choices(cum_weights=...)


class Writer:
    """Invented texts from the vocabulary, reproducible by seed."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.topic_weights = zipf_weights(len(TOPICS), 0.7)
        self.cache = {}

    def pick(self, items):
        weights = self.cache.get(len(items))
        if weights is None:
            weights = self.cache[len(items)] = zipf_weights(len(items))
        return self.rng.choices(items, cum_weights=weights)[0]

    def fill(self, template: str, **more) -> str:
        if "{" not in template:
            return template
        rng = self.rng
        return template.format(
            **more,
            n=rng.randint(1, 9),
            city=rng.choice(CITIES),
            name=rng.choice(NAMES),
            code=rng.randint(1000, 9999),
            minor=rng.randint(1, 6),
            patch=rng.randint(0, 20),
            days=rng.randint(2, 14),
            place=rng.choice(PLACES),
            weekday=rng.choice(["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag"]),
        )

    def topic(self):
        return self.rng.choices(TOPICS, cum_weights=self.topic_weights)[0]

    def summary(self, topic) -> str:
        draw = self.rng.random()
        problem = self.pick(topic.problems)
        if draw < 0.6:
            text = f"{self.pick(topic.subjects)} {problem}"
        elif draw < 0.85:
            text = f"{self.pick(topic.subjects)}: {self.pick(topic.terms)} {problem}"
        else:
            text = f"{self.pick(topic.terms)} {problem}"
        if self.rng.random() < 0.35:
            text += " " + self.fill(self.pick(CONTEXTS))
        return text

    def sentence(self, topic) -> str:
        return self.fill(
            self.rng.choice(SENTENCES),
            term=self.pick(topic.terms),
            other=self.rng.choice(topic.terms),
            problem=self.pick(topic.problems),
        )

    def description(self, topic) -> str:
        rng = self.rng
        parts = [self.fill(self.pick(OPENERS))]
        if rng.random() < 0.6:
            parts.append(f"{self.pick(topic.subjects)} {self.pick(topic.problems)}.")
        if rng.random() < 0.5:
            parts.append(rng.choice(topic.details))
        parts += [self.sentence(topic) for _ in range(rng.randint(1, 2))]
        for _ in range(rng.randint(0, 2)):
            parts.append(self.fill(self.pick(FILLERS)))
        if rng.random() < 0.1:  # calls mention a second, unrelated thing now and then
            parts.append(rng.choice(self.topic().details))
        return " ".join(part for part in parts if part)

    def solution(self, topic) -> str:
        rng = self.rng
        steps = topic.steps
        chosen = rng.sample(steps, k=min(len(steps), rng.randint(1, 2)))
        if rng.random() < 0.5:
            chosen.insert(0, f"Ursache: {self.pick(topic.causes)}.")
        chosen.append(self.pick(CLOSERS))
        return " ".join(step for step in chosen if step)

    def solution_steps(self, topic) -> str:
        steps = list(topic.steps)
        self.rng.shuffle(steps)
        return "\n".join(f"{i}. {step}" for i, step in enumerate(steps, start=1))

    def typo(self, text: str) -> str:
        """Swap two neighbouring letters of one longer word (a typing slip)."""
        words = text.split()
        long = [i for i, word in enumerate(words) if len(word) > 5]
        if not long:
            return text
        i = self.rng.choice(long)
        j = self.rng.randint(1, len(words[i]) - 3)
        word = words[i]
        words[i] = word[:j] + word[j + 1] + word[j] + word[j + 2 :]
        return " ".join(words)

    def typed(self) -> tuple[str, str]:
        """A summary and description as an agent types them (sometimes half-typed, with a typo)."""
        rng, topic = self.rng, self.topic()
        summary = self.summary(topic)
        description = ""
        if rng.random() < 0.5:
            said = rng.choice(topic.details) if rng.random() < 0.5 else self.sentence(topic)
            description = f"{said} {self.fill(self.pick(FILLERS))}"
        if rng.random() < 0.3:
            summary = self.typo(summary)
        if rng.random() < 0.25:  # still typing: the last word is cut
            target = description or summary
            cut = target[: max(3, len(target) - rng.randint(1, 5))]
            summary, description = (summary, cut) if description else (cut, description)
        return summary, description


# ---- filling ---------------------------------------------------------------------------------------


def column_names(text: str) -> list[str]:
    return text.split()


COPY_ESCAPE = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
TICKET_COLUMNS = column_names(
    "number state state_entered_at version audit_head caller_name caller_phone summary description "
    "category risk_relevant risk_description priority problem_description resolution_kind solution "
    "reopen_reason created_at updated_at customer_id taken_by_id known_solution_id"
)
SOLUTION_COLUMNS = column_names(
    "audit_head version title symptoms cause solution kind category affected_versions "
    "fixed_in_version state retired_reason created_at updated_at created_by_id"
)
CUSTOMER_COLUMNS = column_names(
    "audit_head customer_number name street postal_code city phone phone_e164 alt_phone "
    "alt_phone_e164 email notes active created_at updated_at"
)
CUSTOMERS = 3000
YEARS = 3
# Non-solved states and their shares of all tickets; the rest (60 %) is solved with a solution.
OTHER_STATES = [
    ("closed", 0.15),
    ("rejected", 0.03),
    ("realized", 0.05),
    ("program_request", 0.05),
    ("escalated", 0.05),
    ("triage", 0.04),
    ("intake", 0.03),
]
RESOLUTION_KINDS = ["known_workaround", "user_error", "configuration_error", "question_answered"]


def row(values) -> str:
    return "\t".join(r"\N" if v is None else str(v).translate(COPY_ESCAPE) for v in values) + "\n"


class RowStream(io.TextIOBase):
    """A file-like object that COPY reads from: rows are made as the server asks for them."""

    def __init__(self, rows):
        self.rows, self.buffer = iter(rows), ""

    def readable(self):
        return True

    def read(self, size=-1):
        size = 1 << 16 if size is None or size < 0 else size
        while len(self.buffer) < size:
            chunk = "".join(next(self.rows, "") for _ in range(200))
            if not chunk:
                break
            self.buffer += chunk
        out, self.buffer = self.buffer[:size], self.buffer[size:]
        return out

    readline = read


def copy(cursor, table: str, columns: list[str], rows) -> None:
    cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", RowStream(rows), 1 << 16)


def customer_rows(now):
    for i in range(CUSTOMERS):
        yield row(
            [
                "",
                f"BENCH-{i:05d}",
                f"Sanitätshaus {NAMES[i % len(NAMES)]} {CITIES[i % len(CITIES)]} {i}",
                "Hauptstraße 1",
                "12345",
                CITIES[i % len(CITIES)],
                "",
                "",
                "",
                "",
                "",
                "",
                "t",
                now,
                now,
            ]
        )


def solution_rows(writer: Writer, count: int, user_id: int, now):
    rng = writer.rng
    kinds = [choice for choice, _ in KnownSolution.Kind.choices]
    start = now - datetime.timedelta(days=365 * YEARS * 2)
    for i in range(count):
        topic = writer.topic()
        status = "active" if rng.random() < 0.9 else rng.choice(["draft", "retired"])
        created = start + datetime.timedelta(seconds=i * 365 * YEARS * 2 * 86400 / count)
        title = writer.summary(topic)
        if rng.random() < 0.3:
            title += f" (Version 24.{rng.randint(1, 6)})"
        yield row(
            [
                "",
                1,
                title[:200],
                writer.description(topic),
                f"{writer.pick(topic.causes)}.",
                writer.solution_steps(topic),
                rng.choice(kinds),
                topic.category,
                f"24.{rng.randint(1, 6)}" if rng.random() < 0.5 else "",
                "",
                status,
                "veraltet" if status == "retired" else "",
                created,
                created,
                user_id,
            ]
        )


def ticket_rows(writer: Writer, first: int, count: int, total: int, user_id: int, solution_ids, now):
    """Tickets `first` to `first + count` of `total`, in order of time over the last YEARS years."""
    rng = writer.rng
    start = now - datetime.timedelta(days=365 * YEARS)
    span = (now - start).total_seconds()
    cum, bound = [], 0.0
    for state, share in OTHER_STATES:
        bound += share
        cum.append((bound, state))
    for i in range(first, first + count):
        created = start + datetime.timedelta(seconds=span * i / total + rng.random() * 60)
        topic = writer.topic()
        draw = rng.random()
        state, resolution_kind, solution, known = "solved", "", "", None
        for bound, name in cum:
            if draw < bound:
                state = name
                break
        if state == "solved":
            state = "closed" if rng.random() < 0.85 else "immediate_fix"
            resolution_kind = writer.pick(RESOLUTION_KINDS)
            solution = writer.solution(topic)
            if resolution_kind == "known_workaround" and rng.random() < 0.5:
                known = rng.choice(solution_ids)
        entered = created + datetime.timedelta(hours=rng.randint(0, 72))
        yield row(
            [
                f"B-{i:07d}",
                state,
                entered,
                1,
                "",
                f"{rng.choice(['Frau', 'Herr'])} {rng.choice(NAMES)}",
                "",
                writer.summary(topic)[:200],
                writer.description(topic),
                topic.category,
                "f",
                "",
                "normal",
                "",
                resolution_kind,
                solution,
                "",
                created,
                entered,
                rng.randint(1, CUSTOMERS),
                user_id,
                known,
            ]
        )


def secondary_indexes(cursor, table: str) -> list[tuple[str, str]]:
    """The table's indexes that back no constraint: (name, definition)."""
    cursor.execute(
        """
        SELECT i.relname, pg_get_indexdef(i.oid)
        FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
        WHERE x.indrelid = %s::regclass
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)
        """,
        [table],
    )
    return cursor.fetchall()


def fill(support, tickets: int, solutions: int, seed: int) -> float:
    """Truncate and refill customers, known solutions and tickets; returns the seconds it took."""
    started = time.perf_counter()
    writer = Writer(seed)
    now = timezone.now()
    tables = ("customers_customer", "solutions_knownsolution", "tickets_ticket")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")  # no FK triggers while copying
        cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        dropped = []
        for table in tables:
            for name, definition in secondary_indexes(cursor, table):
                cursor.execute(f'DROP INDEX "{name}"')
                dropped.append((name, definition))
        copy(cursor, "customers_customer", CUSTOMER_COLUMNS, customer_rows(now))
        lap = time.perf_counter()
        copy(
            cursor,
            "solutions_knownsolution",
            SOLUTION_COLUMNS,
            solution_rows(writer, solutions, support.pk, now),
        )
        print(f"  {solutions:,} known solutions copied in {time.perf_counter() - lap:.0f} s", flush=True)
        solution_ids = list(range(1, solutions + 1))
        lap = time.perf_counter()
        for first in range(0, tickets, 100_000):
            batch = min(100_000, tickets - first)
            rows = ticket_rows(writer, first, batch, tickets, support.pk, solution_ids, now)
            copy(cursor, "tickets_ticket", TICKET_COLUMNS, rows)
            print(f"  {first + batch:,} tickets copied ({time.perf_counter() - lap:.0f} s)", flush=True)
        lap = time.perf_counter()
        for _name, definition in dropped:
            cursor.execute(definition)
        print(f"  {len(dropped)} indexes rebuilt in {time.perf_counter() - lap:.0f} s", flush=True)
    lap = time.perf_counter()
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    print(f"  VACUUM ANALYZE in {time.perf_counter() - lap:.0f} s", flush=True)
    return time.perf_counter() - started


# ---- measuring -------------------------------------------------------------------------------------


def support_user():
    User = get_user_model()
    user, created = User.objects.get_or_create(username="bench-support", defaults={"first_name": "Bench"})
    if created:
        user.groups.add(Group.objects.get(name="support"))
    return user


def counts() -> tuple[int, int]:
    return Ticket.objects.count(), KnownSolution.objects.count()


def percentile(values, share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def report(label: str, seconds: list[float]) -> None:
    ms = [s * 1000 for s in seconds]
    print(
        f"{label:<34} n={len(ms):>4}  p50 {statistics.median(ms):7.1f} ms  "
        f"p95 {percentile(ms, 0.95):7.1f} ms  max {max(ms):7.1f} ms"
    )


def timed(function, *args, **kwargs):
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - started, result


def queries(count: int, seed: int) -> list[tuple[str, str]]:
    writer = Writer(seed + 1000)
    typed = list(HAND_TYPED)
    while len(typed) < count:
        typed.append(writer.typed())
    writer.rng.shuffle(typed)
    return typed[:count]


def measure(typed: list[tuple[str, str]], explain: bool) -> None:
    client = Client()
    client.force_login(support_user())
    url = reverse("solution-suggestions")
    view = client.get(url, {"summary": "Rezept druckt nicht"}, headers={"HX-Request": "true"})
    view_ready = view.status_code == 200
    if not view_ready:
        print(f"(the suggestions view answers {view.status_code}: measuring the selectors only)")
    warm_up = queries(30, ARGS.seed + 7)
    for summary, description in warm_up:
        text = f"{summary}\n{description}"  # as the view joins them
        selectors.suggested_solutions(text)
        ticket_selectors.similar_solved_tickets(text)
        if view_ready:
            client.get(url, {"summary": summary, "description": description}, headers={"HX-Request": "true"})
    request_times, solution_times, ticket_times, slow = [], [], [], []
    for summary, description in typed:
        text = f"{summary}\n{description}"
        if view_ready:
            params = {"summary": summary, "description": description}
            elapsed, response = timed(client.get, url, params, headers={"HX-Request": "true"})
            assert response.status_code == 200, response.status_code
            request_times.append(elapsed)
        elapsed, _found = timed(selectors.suggested_solutions, text)
        solution_times.append(elapsed)
        slow.append((elapsed, "suggested_solutions", text))
        elapsed, _found = timed(ticket_selectors.similar_solved_tickets, text)
        ticket_times.append(elapsed)
        slow.append((elapsed, "similar_solved_tickets", text))
    print()
    if request_times:
        report("suggestion request (GET, end to end)", request_times)
    report("selectors.suggested_solutions", solution_times)
    report("tickets.selectors.similar_solved_tickets", ticket_times)
    slow.sort(reverse=True)
    print("\nslowest:")
    for elapsed, name, text in slow[:8]:
        print(f"  {elapsed * 1000:7.1f} ms  {name}({text!r})")
    if explain:
        for _elapsed, name, text in slow[:3]:
            explain_selector(name, text)


def explain_selector(name: str, text: str) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) the SQL a selector runs for `text`."""
    with CaptureQueriesContext(connection) as captured:
        getattr(selectors, name)(text)
    for query in captured.captured_queries:
        if "search_vector" not in query["sql"]:
            continue
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
            plan = "\n".join(line for (line,) in cursor.fetchall())
        print(f"\n--- {name}({text!r})\n{query['sql']}\n{plan}")


def main():
    setup_test_environment(debug=False)  # as in production: no query log
    warnings.filterwarnings("ignore", message="No directory at")  # whitenoise: static files not collected
    if connection.vendor != "postgresql":
        sys.exit("This benchmark needs PostgreSQL (see the docstring).")
    call_command("migrate", verbosity=0)
    support = support_user()
    have_tickets, have_solutions = counts()
    if ARGS.rebuild or not (have_tickets or have_solutions):
        print(f"filling {ARGS.solutions:,} known solutions and {ARGS.tickets:,} tickets ...", flush=True)
        seconds = fill(support, ARGS.tickets, ARGS.solutions, ARGS.seed)
        print(f"data generated in {seconds:.0f} s")
    else:
        print(f"reusing {have_solutions:,} known solutions and {have_tickets:,} tickets (--rebuild refills)")
        if (have_tickets, have_solutions) != (ARGS.tickets, ARGS.solutions):
            print(f"  (asked for {ARGS.solutions:,} and {ARGS.tickets:,}: pass --rebuild to refill)")
    solved = Ticket.objects.filter(state__in=selectors.SOLVED_STATES).exclude(solution="").count()
    print(f"solved tickets with a solution: {solved:,} ({solved / max(1, Ticket.objects.count()):.0%})")
    if ARGS.queries:
        measure(queries(ARGS.queries, ARGS.seed), ARGS.explain)
    print(f"\n{timezone.now():%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, {server_settings()}")


def server_settings() -> str:
    """The PostgreSQL version and the settings that move these numbers."""
    names = ["shared_buffers", "work_mem", "effective_cache_size", "random_page_cost", "jit"]
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (version,) = cursor.fetchone()
        values = []
        for name in names:
            cursor.execute(f"SHOW {name}")
            values.append(f"{name}={cursor.fetchone()[0]}")
    return f"PostgreSQL {version.split()[0]}: {', '.join(values)}"


if __name__ == "__main__":
    main()
