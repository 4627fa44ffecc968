"""The portfolio of a département, for the people who hold its read access (a CAF's territorial team): every
convention they may read there in one sortable, filterable table with a map of the EPCI, and its CSV / XLSX export
(journaled). A département outside the user's accesses answers 404, as any lookup outside their scope."""

from django import forms
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from ctg.conventions.enums import Phase
from ctg.reports.content_types import CSV, XLSX
from ctg.steering import portfolio_exports
from ctg.steering.maps import portfolio_map
from ctg.steering.portfolio import SORT_KEYS, PortfolioFilters, portfolio, portfolio_departements
from ctg.territories.models import Departement
from ctg.www.downloads import download_response, export_record

NO_ACCESS = (
    "Le portefeuille des conventions d'un département est réservé aux personnes qui ont l'accès en lecture de ce "
    "département (équipe territoriale de la CAF)."
)
SORT_LABELS = {
    "epci": "EPCI",
    "phase": "Phase",
    "fin": "Fin",
    "actions": "Actions",
    "avancement": "Avancement",
    "retard": "En retard",
    "prevu": "CAF : prévu",
    "accorde": "CAF : accordé",
    "verse": "CAF : versé",
    "taches": "Tâches ouvertes",
    "dernier_copil": "Dernier COPIL",
    "prochain_copil": "Prochain COPIL",
    "relais": "Couverture relais",
}


class PortfolioFilterForm(forms.Form):
    q = forms.CharField(label="EPCI ou convention contenant", required=False, max_length=100)
    phase = forms.ChoiceField(label="Phase", required=False, choices=[("", "Toutes")] + list(Phase.choices))
    retard = forms.BooleanField(label="Avec des actions en retard", required=False)
    fin = forms.IntegerField(
        label="Se terminant dans les (mois)",
        required=False,
        min_value=0,
        max_value=120,
        error_messages={
            "invalid": "Indiquez un nombre entier de mois.",
            "min_value": "Le nombre de mois ne peut pas être négatif.",
            "max_value": "Indiquez au plus 120 mois.",
        },
    )
    tri = forms.ChoiceField(label="Trier par", required=False, choices=list(SORT_LABELS.items()))
    ordre = forms.ChoiceField(label="Ordre", required=False, choices=[("asc", "croissant"), ("desc", "décroissant")])

    def filters(self) -> PortfolioFilters:
        """The filters asked for; none when the form is not valid (the page then says why)."""
        if not self.is_valid():
            return PortfolioFilters()
        data = self.cleaned_data
        return PortfolioFilters(
            phase=data["phase"],
            late_only=data["retard"],
            ending_within=data["fin"],
            query=data["q"],
            sort=data["tri"] or "epci",
            descending=data["ordre"] == "desc",
        )


def _departement(request, code) -> Departement:
    return get_object_or_404(portfolio_departements(request.user), code=code)


@require_safe
def index(request):
    """The user's département, or the list of them when they hold several."""
    departements = list(portfolio_departements(request.user))
    if not departements:
        raise PermissionDenied(NO_ACCESS)
    if len(departements) == 1:
        return redirect("portfolio_views:departement", code=departements[0].code)
    return render(request, "steering_views/portfolio_index.html", {"departements": departements})


def _columns(request, filters: PortfolioFilters) -> list[dict[str, str]]:
    """The table's columns, each with the query string sorting by it (the other way round when it is the current
    sort) and its aria-sort state."""
    columns = []
    for key in SORT_KEYS:
        query = request.GET.copy()
        query["tri"] = key
        query["ordre"] = "desc" if key == filters.sort and not filters.descending else "asc"
        state = ("descending" if filters.descending else "ascending") if key == filters.sort else ""
        columns.append({"key": key, "label": SORT_LABELS[key], "query": query.urlencode(), "sorted": state})
    return columns


@require_safe
def departement(request, code):
    departement = _departement(request, code)
    form = PortfolioFilterForm(request.GET or None)
    filters = form.filters()
    data = portfolio(user=request.user, departement=departement, today=timezone.localdate(), filters=filters)
    territory_map = portfolio_map(departement=departement, territory=data["territory"])
    query = request.GET.urlencode()
    context = {
        "form": form,
        "filters": filters,
        "today": timezone.localdate(),
        "columns": _columns(request, filters),
        "map_svg": territory_map["svg"],
        "map_description": territory_map["description"],
        "export_query": f"?{query}" if query else "",
        **data,
    }
    return render(request, "steering_views/portfolio.html", context)


@require_safe
def export(request, code, fmt):
    departement = _departement(request, code)
    form = PortfolioFilterForm(request.GET or None)
    data = portfolio(user=request.user, departement=departement, today=timezone.localdate(), filters=form.filters())
    values = portfolio_exports.table(
        rows=data["rows"],
        without_convention=data["without_convention"],
        link=lambda c: request.build_absolute_uri(reverse("steering_views:dashboard", args=[c.pk])),
    )
    export_record(
        request,
        detail=f"Portefeuille des conventions, {departement} ({fmt.upper()}, {len(data['rows'])} conventions)",
    )
    filename = f"portefeuille-ctg-{departement.code}.{fmt}"
    if fmt == "csv":
        return download_response(portfolio_exports.build_csv(values), filename=filename, content_type=CSV)
    title = f"Portefeuille des conventions territoriales globales : {departement}"
    return download_response(portfolio_exports.build_xlsx(values, title=title), filename=filename, content_type=XLSX)
