"""Pick lists instead of codes: the diagnostic's indicators by theme and label, long multi-selects as checklists.

Everything here works without JavaScript: a <select> with one <optgroup> per theme, a list of checkboxes with a
"toutes" box that the field understands, and the current selection written out by the server.
ctg/static/js/pick-lists.js enhances any element marked `data-pick-list` with a filter box, keeps the selection
summary up to date and makes the "toutes" box tick every box.
"""

from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from ctg.indicators import catalogue

EVERY_OPTION = "*"  # the value of the "toutes" box
RETIRED_GROUP = "Indicateurs retirés du catalogue"


def indicator_label(code: str) -> str:
    """What a user reads for an indicator code: its label in the catalogue, never the code alone."""
    indicator = catalogue.BY_CODE.get(code)
    if indicator is None:
        return f"Indicateur retiré du catalogue (ancien code « {code} »)"
    return indicator.label


def indicator_choices(kept: Iterable[str] = ()) -> list[tuple[str, list[tuple[str, str]]]]:
    """The catalogue as (theme label, [(code, label)]) groups in the diagnostic's order. `kept` are codes already
    stored: one that left the catalogue stays choosable (in its own group, named as retired) so that editing an
    old object never drops it silently."""
    labels = dict(catalogue.THEMES)
    groups: dict[str, list[tuple[str, str]]] = {label: [] for label in labels.values()}
    for indicator in catalogue.CATALOGUE:
        groups.setdefault(labels.get(indicator.theme, "Autres indicateurs"), []).append(
            (indicator.code, indicator.label)
        )
    retired = [(code, indicator_label(code)) for code in dict.fromkeys(kept) if code and code not in catalogue.BY_CODE]
    if retired:
        groups[RETIRED_GROUP] = retired
    return [(label, options) for label, options in groups.items() if options]


class PickListSelect(forms.Select):
    """A single choice among grouped options (<optgroup>), which the script can filter."""

    template_name = "forms/widgets/pick_list_select.html"


class Checklist(forms.CheckboxSelectMultiple):
    """Checkboxes in a filterable list, with the selection written out above them and, when `all_label` is given,
    a first box meaning "every option" (the value EVERY_OPTION, which ChecklistField understands)."""

    template_name = "forms/widgets/checklist.html"

    def __init__(self, *args: Any, all_label: str = "", noun: str = "éléments", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.all_label = all_label
        self.noun = noun

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        selected = []
        count = 0
        for _group, options, _index in widget["optgroups"]:
            for option in options:
                count += 1
                if option["selected"]:
                    selected.append(str(option["label"]))
        widget["selected_labels"] = selected
        widget["all_label"] = self.all_label
        widget["all_selected"] = bool(self.all_label) and EVERY_OPTION in self.format_value(value)
        widget["noun"] = self.noun
        widget["option_count"] = count
        return context

    def id_for_label(self, id_: str, index: str | None = None) -> str:
        # The list is a fieldset named by its legend: no label points at one of its boxes.
        return ""


class ChecklistField(forms.ModelMultipleChoiceField):
    """A multiple choice of model instances through a Checklist; the "toutes" box (EVERY_OPTION) selects the whole
    queryset."""

    widget = Checklist

    def clean(self, value: Any) -> Any:
        if value and EVERY_OPTION in value:
            if self.queryset is None:  # set by every form using the field
                raise ValidationError("Liste de choix indisponible.")
            return self.queryset.all()
        return super().clean(value)


class IndicatorChoiceField(forms.ChoiceField):
    """One indicator of the diagnostic, chosen by theme and label (the stored value is its code)."""

    widget = PickListSelect

    def __init__(self, *args: Any, empty_label: str = "—", kept: Iterable[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.choices = [("", empty_label), *indicator_choices(kept)]


class IndicatorsField(forms.MultipleChoiceField):
    """Indicators of the diagnostic, ticked in a filterable checklist grouped by theme (stored as codes)."""

    def __init__(self, *args: Any, kept: Iterable[str] = (), **kwargs: Any) -> None:
        kwargs.setdefault("widget", Checklist(noun="indicateurs"))
        super().__init__(*args, **kwargs)
        self.choices = indicator_choices(kept)
