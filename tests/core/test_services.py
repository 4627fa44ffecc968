import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from ctg.core.services import changed_values, model_update
from ctg.plans.models import Action, FundingLine
from tests.accounts.factories import UserFactory
from tests.organisations.factories import OrganisationFactory
from tests.plans.factories import ActionFactory, FundingLineFactory, ThemeFactory

pytestmark = pytest.mark.django_db

FUNDING = ["amount_planned", "amount_granted", "funder", "comment"]


class TestChangedValues:
    def test_equal_values_are_not_changes(self):
        line = FundingLineFactory(amount_planned=Decimal("1000.00"))
        # 1000 and 1000.00 are the same amount; the funder is compared by primary key.
        assert changed_values(line, {"amount_planned": Decimal("1000"), "funder": line.funder}) == {}

    def test_relations_are_compared_by_primary_key_without_a_query(self, django_assert_num_queries):
        line = FundingLineFactory()
        other = OrganisationFactory()
        with django_assert_num_queries(0):
            assert changed_values(line, {"funder": other, "action": line.action}) == {"funder": other}

    def test_many_to_many_compared_as_sets(self):
        first, second = ThemeFactory(), ThemeFactory()
        action = ActionFactory()
        action.themes.set([first, second])
        assert changed_values(action, {"themes": (second, first)}) == {}
        assert changed_values(action, {"themes": [first]}) == {"themes": [first]}


class TestModelUpdate:
    def test_nothing_changed_writes_nothing(self, django_assert_num_queries):
        line = FundingLineFactory(amount_planned=Decimal("1000.00"))
        with django_assert_num_queries(0):
            updated, changed = model_update(instance=line, fields=FUNDING, data={"amount_planned": Decimal("1000")})
        assert (updated, changed) == (line, False)
        assert (line.version, line.history.count()) == (1, 1)

    def test_saves_the_changed_columns_with_a_new_version_and_its_author(self):
        user = UserFactory()
        line = FundingLineFactory(comment="")
        FundingLine.objects.filter(pk=line.pk).update(amount_requested=Decimal("7"))
        _, changed = model_update(instance=line, fields=FUNDING, data={"comment": "Accord oral"}, by=user)
        assert changed
        line.refresh_from_db()
        assert (line.comment, line.version) == ("Accord oral", 2)
        # Only the changed columns were written: a column changed by someone else in the meantime stays.
        assert line.amount_requested == Decimal("7")
        record = line.history.first()
        assert (record.history_user, record.comment) == (user, "Accord oral")

    def test_unknown_field_is_a_programming_error(self):
        line = FundingLineFactory()
        with pytest.raises(ValueError, match="amount_paid"):
            model_update(instance=line, fields=FUNDING, data={"amount_paid": Decimal("1")})

    def test_check_sees_the_new_values_and_may_refuse(self):
        line = FundingLineFactory(amount_granted=Decimal("100"))
        seen = []

        def check(instance, changes):
            seen.append((instance.amount_granted, changes))
            raise ValidationError("refusé")

        with pytest.raises(ValidationError):
            model_update(instance=line, fields=FUNDING, data={"amount_granted": Decimal("50")}, check=check)
        assert seen == [(Decimal("50"), {"amount_granted": Decimal("50")})]
        assert FundingLine.objects.get().amount_granted == Decimal("100")

    def test_values_set_by_the_check_are_saved_too(self):
        line = FundingLineFactory(comment="")

        def check(instance, changes):
            instance.comment = "complété"

        model_update(instance=line, fields=FUNDING, data={"amount_granted": Decimal("10")}, check=check)
        assert FundingLine.objects.values_list("amount_granted", "comment").get() == (Decimal("10.00"), "complété")

    def test_invalid_value_is_refused_by_full_clean(self):
        line = FundingLineFactory()
        with pytest.raises(ValidationError):
            model_update(instance=line, fields=["year"], data={"year": 1900})
        assert FundingLine.objects.get().year == 2022

    def test_many_to_many_and_columns_in_one_history_record(self):
        user = UserFactory()
        theme = ThemeFactory()
        action = ActionFactory(title="Relais")
        before = action.history.count()
        stamp = action.updated_at
        model_update(
            instance=action, fields=["title", "themes"], data={"title": "Relais étendu", "themes": [theme]}, by=user
        )
        action = Action.objects.get()
        assert action.history.count() == before + 1
        record = action.history.first()
        assert (record.title, record.history_user) == ("Relais étendu", user)
        assert [t.theme_id for t in record.themes.all()] == [theme.pk]
        assert (action.version, action.updated_at > stamp) == (2, True)

    def test_only_a_many_to_many_change_is_a_change(self):
        action = ActionFactory()
        _, changed = model_update(instance=action, fields=["themes"], data={"themes": [ThemeFactory()]})
        assert changed and Action.objects.get().version == 2

    def test_model_without_version(self):
        user = UserFactory(first_name="Ana")
        _, changed = model_update(instance=user, fields=["first_name"], data={"first_name": "Anne"})
        assert changed
        user.refresh_from_db()
        assert user.first_name == "Anne"

    def test_dates_compare_by_value(self):
        action = ActionFactory(planned_end=datetime.date(2023, 6, 30))
        _, changed = model_update(
            instance=action, fields=["planned_end"], data={"planned_end": datetime.date(2023, 6, 30)}
        )
        assert not changed
