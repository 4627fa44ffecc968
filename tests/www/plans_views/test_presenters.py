from decimal import Decimal

from django.urls import reverse

from ctg.plans.enums import ActionStatus
from ctg.www.plans_views.presenters import amount_html, present_plan_rows, progress_html, status_html

NNBSP = "\u202f"


def test_status_badges_with_lateness():
    assert status_html(ActionStatus.EN_COURS, False) == '<span class="badge status-en_cours">En cours</span>'
    assert status_html(ActionStatus.EN_COURS, True).endswith(' <span class="badge badge-danger">En retard</span>')


def test_progress_bar_or_not_known():
    assert progress_html(None, "") == '<span class="muted">non renseigné</span>'
    assert progress_html(75, "jalons") == (
        '<progress class="progress" max="100" value="75">75 %</progress> 75 % <span class="muted">(jalons)</span>'
    )
    assert progress_html(40, "saisie").endswith('<span class="muted">(saisie)</span>')


def test_amounts():
    assert amount_html(None) == '<span class="status-missing">non renseigné</span>'
    assert amount_html(Decimal("18400.00")) == f"18{NNBSP}400 €"
    assert amount_html(Decimal("3500.5")) == f"3{NNBSP}500,50 €"


def test_rows_get_their_cells_and_the_url_of_their_fiche():
    row = {
        "pk": 42,
        "status": ActionStatus.A_VENIR,
        "late": False,
        "progress": None,
        "progress_source": "",
        "planned": Decimal("1000"),
        "granted": None,
    }
    present_plan_rows([row], 7)
    assert row["url"] == reverse("plans_views:action_detail", args=[7, 42])
    assert (row["planned_html"], row["granted_html"]) == (f"1{NNBSP}000 €", amount_html(None))
    assert row["status_html"] == status_html(ActionStatus.A_VENIR, False)
