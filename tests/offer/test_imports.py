import io

import pytest
from django.core.management import CommandError, call_command

from ctg.accounts.enums import SecurityEventKind
from ctg.accounts.models import SecurityEvent
from ctg.offer.imports import OfferImportError, offer_import_csv
from ctg.offer.models import OfferItem
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

HEADER = "type;nom;code_commune;capacite;gestionnaire;annee_ouverture;source;annee_reference;communes_couvertes\n"
GOOD = (
    HEADER
    + "eaje;Multi-accueil de test;76114;24;Ville de Bolbec;2005;Saisie de test;2024;\n"
    + "Micro-crèche;Micro-crèche de test;76384;;;;Saisie de test;2024;\n"
    + "rpe;Relais de test;76114;;Caux Seine agglo;;Saisie de test;2024;76114|76384 76476\n"
)


def _import(convention, text, **kwargs):
    return offer_import_csv(convention=convention, content=text.encode("utf-8"), **kwargs)


class TestOfferImport:
    def test_creates_then_same_file_changes_nothing(self, caux_seine):
        convention = caux_seine["convention"]
        report = _import(convention, GOOD)
        assert (report.read, report.created, report.updated, report.unchanged) == (3, 3, 0, 0)
        micro = OfferItem.objects.get(name="Micro-crèche de test")
        assert micro.kind == "micro_creche"
        assert micro.capacity is None
        relais = OfferItem.objects.get(kind="rpe")
        assert sorted(relais.covered_communes.values_list("code", flat=True)) == ["76114", "76384", "76476"]
        history_before = relais.history.count()
        again = _import(convention, GOOD)
        assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
        assert OfferItem.objects.count() == 3
        assert relais.history.count() == history_before

    def test_changed_line_updates(self, caux_seine):
        convention = caux_seine["convention"]
        _import(convention, GOOD)
        report = _import(convention, GOOD.replace(";24;Ville", ";30;Ville"))
        assert (report.created, report.updated, report.unchanged) == (0, 1, 2)
        assert OfferItem.objects.get(name="Multi-accueil de test").capacity == 30

    def test_any_error_rejects_the_whole_file(self, caux_seine):
        convention = caux_seine["convention"]
        bad = GOOD + "crèche;Inconnue;76114;douze;;;Saisie;2024;\n" + "eaje;Hors EPCI;76540;10;;;Saisie;2024;\n"
        with pytest.raises(OfferImportError) as exc:
            _import(convention, bad)
        messages = [str(e) for e in exc.value.errors]
        assert "ligne 5, colonne « type » : type d'équipement inconnu : « crèche »." in messages
        assert "ligne 5, colonne « capacite » : « douze » n'est pas un nombre entier positif." in messages
        assert any(m.startswith("ligne 6, colonne « code_commune » : la commune « 76540 »") for m in messages)
        assert not OfferItem.objects.exists()
        assert not SecurityEvent.objects.filter(kind=SecurityEventKind.IMPORT).exists()

    def test_missing_column_is_named(self, caux_seine):
        with pytest.raises(OfferImportError, match="colonne\\(s\\) obligatoire\\(s\\) absente\\(s\\) : « source »"):
            _import(caux_seine["convention"], "type;nom;code_commune;annee_reference\neaje;A;76114;2024\n")

    def test_duplicate_line_in_the_file(self, caux_seine):
        line = "eaje;Multi-accueil;76114;10;;;Saisie;2024;\n"
        with pytest.raises(OfferImportError) as exc:
            _import(caux_seine["convention"], HEADER + line + line)
        assert str(exc.value.errors[0]) == "ligne 3, colonne « nom » : même type, commune et nom qu'à la ligne 2."

    def test_covered_communes_on_a_crèche_are_refused_and_nothing_written(self, caux_seine):
        text = GOOD + "eaje;Crèche couvrante;76114;10;;;Saisie;2024;76384\n"
        with pytest.raises(OfferImportError) as exc:
            _import(caux_seine["convention"], text)
        assert exc.value.errors[0].line == 5
        assert exc.value.errors[0].column == "communes_couvertes"
        assert not OfferItem.objects.exists()

    def test_comma_separator_bom_and_windows_1252(self, caux_seine):
        text = "type,nom,code_commune,source,annee_reference\nludotheque,Ludothèque de test,76114,Saisie,2023\n"
        report = offer_import_csv(convention=caux_seine["convention"], content=text.encode("cp1252"))
        assert report.created == 1
        assert OfferItem.objects.get().name == "Ludothèque de test"
        bom = ("\ufeff" + text.replace("Ludothèque de test", "Autre ludothèque")).encode("utf-8")
        assert offer_import_csv(convention=caux_seine["convention"], content=bom).created == 1

    def test_dry_run_writes_nothing(self, caux_seine):
        report = _import(caux_seine["convention"], GOOD, dry_run=True)
        assert (report.created, report.dry_run) == (3, True)
        assert not OfferItem.objects.exists()

    def test_import_is_journaled(self, caux_seine):
        user = UserFactory()
        _import(caux_seine["convention"], GOOD, by=user, file_name="offre.csv")
        event = SecurityEvent.objects.get(kind=SecurityEventKind.IMPORT)
        assert event.user == user
        assert event.convention == caux_seine["convention"]
        assert "offre.csv" in event.detail


class TestImportCommand:
    def test_command_imports_and_reports(self, caux_seine, tmp_path):
        path = tmp_path / "offre.csv"
        path.write_text(GOOD, encoding="utf-8")
        out = io.StringIO()
        call_command("import_offer", str(caux_seine["convention"].pk), str(path), stdout=out)
        assert "3 lignes lues, 3 créées" in out.getvalue()
        assert OfferItem.objects.count() == 3

    def test_command_rejects_a_bad_file(self, caux_seine, tmp_path):
        path = tmp_path / "offre.csv"
        path.write_text(HEADER + "eaje;A;99999;;;;Saisie;2024;\n", encoding="utf-8")
        err = io.StringIO()
        with pytest.raises(CommandError, match="Fichier rejeté : 1 erreur, rien n'a été importé"):
            call_command("import_offer", str(caux_seine["convention"].pk), str(path), stderr=err)
        assert "offre.csv : ligne 2, colonne « code_commune »" in err.getvalue()
