"""Layout of the plan workbook, shared by the XLSX export and its import: sheets, columns, allowed values."""

from ctg.plans.enums import ActionStatus, BaselineState, FundingNature, FundingScheme, Priority

LIST_SEPARATOR = " ; "
YES, NO = "oui", "non"

ACTIONS_SHEET = "Actions"
FUNDING_SHEET = "Financements"
INDICATORS_SHEET = "Indicateurs"
LISTS_SHEET = "Listes"
# Read by people only: the import reads the three data sheets above and ignores every other sheet.
TOTALS_SHEET = "Totaux"

ACTION_COLUMNS = [
    ("code", "Code"),
    ("title", "Intitulé"),
    ("parent", "Action parente (code)"),
    ("description", "Description"),
    ("expected_results", "Résultats attendus"),
    ("themes", "Thématiques"),
    ("objectives", "Objectifs (codes)"),
    ("target_public", "Public visé"),
    ("all_communes", "Toutes les communes"),
    ("communes", "Communes (codes INSEE)"),
    ("lead_organisation", "Structure porteuse"),
    ("pilot_name", "Pilote"),
    ("pilot_user", "Pilote (identifiant du compte)"),
    ("partners", "Partenaires"),
    ("elected_referent", "Élu·e référent·e"),
    ("planned_start", "Début prévu"),
    ("planned_end", "Fin prévue"),
    ("actual_start", "Début effectif"),
    ("actual_end", "Fin effective"),
    ("status", "Statut"),
    ("priority", "Priorité"),
    ("progress_manual", "Avancement saisi (%)"),
]
FUNDING_COLUMNS = [
    ("action", "Code action"),
    ("funder", "Financeur"),
    ("year", "Année"),
    ("nature", "Nature"),
    ("scheme", "Dispositif"),
    ("scheme_detail", "Précision sur le dispositif"),
    ("amount_planned", "Prévu (€)"),
    ("amount_requested", "Demandé (€)"),
    ("amount_granted", "Accordé (€)"),
    ("amount_paid", "Versé (€)"),
    ("requested_on", "Demandé le"),
    ("granted_on", "Accordé le"),
    ("paid_on", "Versé le"),
    ("comment", "Commentaire"),
]
# The last column of each data sheet: the version of the row's object when it was exported (see imports.py).
VERSION_COLUMN = ("version", "Version (ne pas modifier)")
INDICATOR_KIND_DEFINITION = "Indicateur"
INDICATOR_KIND_TARGET = "Cible"
INDICATOR_KIND_MEASURE = "Mesure"
INDICATOR_KINDS = [INDICATOR_KIND_DEFINITION, INDICATOR_KIND_TARGET, INDICATOR_KIND_MEASURE]
INDICATOR_COLUMNS = [
    ("kind", "Type de ligne"),
    ("code", "Code indicateur"),
    ("action", "Code action"),
    ("objective", "Code objectif"),
    ("label", "Libellé"),
    ("unit", "Unité"),
    ("diagnostic_code", "Indicateur du diagnostic"),
    ("baseline_state", "Ligne de base"),
    ("baseline_value", "Valeur de référence"),
    ("baseline_date", "Date de référence"),
    ("date", "Date (cible ou mesure)"),
    ("value", "Valeur (cible ou mesure)"),
    ("source", "Source"),
    ("comment", "Commentaire"),
]

DATE_COLUMNS = {
    "planned_start",
    "planned_end",
    "actual_start",
    "actual_end",
    "requested_on",
    "granted_on",
    "paid_on",
    "baseline_date",
    "date",
}
EURO_COLUMNS = {"amount_planned", "amount_requested", "amount_granted", "amount_paid"}
AMOUNT_COLUMNS = {"amount_planned", "amount_requested", "amount_granted", "amount_paid", "baseline_value", "value"}

CHOICE_LISTS = {
    "status": ActionStatus,
    "priority": Priority,
    "nature": FundingNature,
    "scheme": FundingScheme,
    "baseline_state": BaselineState,
}


def label_of(choices, value) -> str:
    return dict(choices.choices).get(value, value or "")


def value_of(choices, label: str):
    """The stored value for a French label (or the value itself); None when unknown."""
    label = (label or "").strip()
    for value, text in choices.choices:
        if label.lower() in (text.lower(), value):
            return value
    return None
