import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from ctg.conventions.models import Theme
from ctg.diagnostic.enums import EnjeuPriority, EnjeuStatus
from ctg.diagnostic.selectors import enjeu_history, enjeux_by_theme
from ctg.diagnostic.services import enjeu_create, enjeu_update, enjeu_validate
from tests.accounts.factories import UserFactory
from tests.conventions.factories import ConventionFactory
from tests.diagnostic.factories import EnjeuFactory, ThemeFactory

pytestmark = pytest.mark.django_db


def _fields(theme, **overrides):
    fields = {
        "theme": theme,
        "title": "Couvrir toutes les communes par un relais",
        "text": "Des communes rurales ne sont rattachées à aucun relais petite enfance.",
        "priority": EnjeuPriority.HAUTE,
        "indicator_codes": ["taux_couverture_eaje", " Naissances_annuelles ", "taux_couverture_eaje"],
    }
    return fields | overrides


class TestEnjeuCreate:
    def test_creates_a_proposed_enjeu_with_clean_indicator_codes(self):
        theme = ThemeFactory()
        enjeu = enjeu_create(convention=theme.convention, by=UserFactory(), **_fields(theme))
        assert enjeu.status == EnjeuStatus.PROPOSE
        assert enjeu.validated_on is None
        assert enjeu.indicator_codes == ["taux_couverture_eaje", "naissances_annuelles"]

    def test_reference_theme_must_be_retained_by_the_convention(self):
        convention = ConventionFactory()
        theme = Theme.objects.get(code="petite-enfance")
        with pytest.raises(ValidationError) as exc:
            enjeu_create(convention=convention, **_fields(theme))
        assert exc.value.message_dict["theme"] == [
            "La thématique « Petite enfance » n'est pas retenue dans cette convention."
        ]
        convention.themes.add(theme)
        assert enjeu_create(convention=convention, **_fields(theme)).theme == theme

    def test_local_theme_of_another_convention_is_refused(self):
        convention = ConventionFactory()
        with pytest.raises(ValidationError, match="n'est pas retenue"):
            enjeu_create(convention=convention, **_fields(ThemeFactory()))

    def test_bad_indicator_code_is_refused(self):
        theme = ThemeFactory()
        with pytest.raises(ValidationError) as exc:
            enjeu_create(convention=theme.convention, **_fields(theme, indicator_codes=["taux de pauvreté"]))
        assert "« taux de pauvreté » n'est pas un code d'indicateur valide" in exc.value.messages[0]

    def test_empty_text_is_refused(self):
        theme = ThemeFactory()
        with pytest.raises(ValidationError) as exc:
            enjeu_create(convention=theme.convention, **_fields(theme, text="  "))
        assert exc.value.message_dict["text"] == ["Le constat est obligatoire."]


class TestEnjeuValidate:
    def test_validation_records_date_and_author(self):
        enjeu = EnjeuFactory()
        user = UserFactory()
        enjeu = enjeu_validate(enjeu=enjeu, validated_on=datetime.date(2022, 3, 15), by=user)
        assert enjeu.status == EnjeuStatus.VALIDE
        assert enjeu.validated_on == datetime.date(2022, 3, 15)
        assert enjeu.validated_by == user
        assert enjeu.history.first().history_user == user

    @time_machine.travel(datetime.datetime(2024, 3, 1, 12, tzinfo=datetime.UTC), tick=False)
    def test_future_date_is_refused(self):
        enjeu = EnjeuFactory()
        tomorrow = timezone.localdate() + datetime.timedelta(days=1)
        with pytest.raises(ValidationError, match="ne peut pas être dans le futur"):
            enjeu_validate(enjeu=enjeu, validated_on=tomorrow)
        enjeu.refresh_from_db()
        assert enjeu.status == EnjeuStatus.PROPOSE

    def test_already_validated(self):
        enjeu = EnjeuFactory(validated=True)
        with pytest.raises(ValidationError, match="déjà validé par le COPIL depuis le 01/06/2022"):
            enjeu_validate(enjeu=enjeu, validated_on=datetime.date(2022, 7, 1))


class TestEnjeuUpdate:
    def test_changing_a_validated_enjeu_sends_it_back_to_proposed(self):
        enjeu = EnjeuFactory(validated=True)
        updated = enjeu_update(
            enjeu=enjeu,
            expected_version=1,
            **_fields(enjeu.theme, title=enjeu.title, text="Nouveau constat."),
        )
        assert updated.status == EnjeuStatus.PROPOSE
        assert updated.validated_on is None
        assert updated.version == 2

    def test_unchanged_content_keeps_the_validation(self):
        enjeu = EnjeuFactory(validated=True, indicator_codes=["a"])
        updated = enjeu_update(
            enjeu=enjeu,
            expected_version=1,
            theme=enjeu.theme,
            title=enjeu.title,
            text=enjeu.text,
            priority=enjeu.priority,
            indicator_codes=["a"],
        )
        assert updated.status == EnjeuStatus.VALIDE
        assert updated.history.count() == 1

    def test_stale_version_is_refused(self):
        enjeu = EnjeuFactory()
        enjeu_update(enjeu=enjeu, expected_version=1, **_fields(enjeu.theme))
        with pytest.raises(ValidationError) as exc:
            enjeu_update(enjeu=enjeu, expected_version=1, **_fields(enjeu.theme, title="Autre"))
        assert exc.value.messages == [
            "Cet enjeu a été modifié par une autre personne pendant votre saisie (version 2, vous étiez parti·e de "
            "la version 1) ; vos modifications n'ont pas été enregistrées : rechargez la page pour repartir de sa "
            "dernière version."
        ]
        enjeu.refresh_from_db()
        assert (enjeu.title, enjeu.version) == ("Couvrir toutes les communes par un relais", 2)

    def test_a_validation_makes_an_open_edit_form_stale(self):
        enjeu = EnjeuFactory()
        enjeu_validate(enjeu=enjeu, validated_on=datetime.date(2022, 5, 2))
        with pytest.raises(ValidationError, match="version 2, vous étiez parti·e de la version 1"):
            enjeu_update(enjeu=enjeu, expected_version=1, **_fields(enjeu.theme))

    def test_history_lists_changed_fields(self):
        enjeu = EnjeuFactory()
        enjeu_update(enjeu=enjeu, expected_version=1, **_fields(enjeu.theme, title=enjeu.title))
        enjeu_validate(enjeu=enjeu, validated_on=datetime.date(2022, 5, 2))
        rows = enjeu_history(enjeu)
        assert [row["kind"] for row in rows] == ["Modification", "Modification", "Création"]
        assert rows[0]["status"] == "Validé par le COPIL"
        assert rows[0]["changes"] == ["statut", "date de validation par le COPIL"]
        assert set(rows[1]["changes"]) == {"constat et enjeu", "priorité", "indicateurs liés (codes)"}


class TestEnjeuxByTheme:
    def test_every_retained_theme_listed_highest_priority_first(self, django_assert_num_queries):
        convention = ConventionFactory()
        reference = Theme.objects.get(code="parentalite")
        convention.themes.add(reference)
        local = ThemeFactory(convention=convention, order=200)
        low = EnjeuFactory(convention=convention, theme=local, priority=EnjeuPriority.BASSE, title="A")
        high = EnjeuFactory(convention=convention, theme=local, priority=EnjeuPriority.HAUTE, title="B")
        with django_assert_num_queries(3):
            data = enjeux_by_theme(convention=convention)
        assert [g["theme"] for g in data["themes"]] == [reference, local]
        assert data["themes"][0]["enjeux"] == []
        assert data["themes"][1]["enjeux"] == [high, low]
        assert (data["count"], data["validated_count"]) == (2, 0)
