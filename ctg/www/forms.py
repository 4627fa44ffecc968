"""Form bases shared by every area of the site.

`ControlCharactersFormMixin` refuses C0 control characters in every text field of a form, so that no text a
user types can later break an export (see `ctg.core.text`). A form only has to inherit it, before the Django
base class: `class ActionForm(ControlCharactersFormMixin, forms.ModelForm)`.

`FormRenderer` (settings.FORM_RENDERER) renders `{{ form }}` and `{{ field.as_field_group }}` with the site's
markup, ctg/templates/forms/, and marks the label (or legend) of every required field with an asterisk.
"""

from typing import TYPE_CHECKING, Any, TypeVar

from django import forms
from django.forms.renderers import TemplatesSetting
from django.utils.html import format_html

from ctg.core.text import reject_control_characters

if TYPE_CHECKING:
    # What a form mixin is mixed into, for the type checker; at run time it stays a plain mixin.
    FormMixinBase = forms.BaseForm
else:
    FormMixinBase = object

FieldType = TypeVar("FieldType", bound=forms.Field)


def form_field(form: forms.BaseForm, name: str, kind: type[FieldType]) -> FieldType:
    """The form's own copy of the field `name`, known to be a `kind` (a ModelChoiceField whose queryset is set per
    request…); another kind of field is a programming error."""
    field = form.fields[name]
    if not isinstance(field, kind):
        raise TypeError(f"The field {name!r} is a {type(field).__name__}, not a {kind.__name__}.")
    return field


class ControlCharactersFormMixin(FormMixinBase):
    """Adds `reject_control_characters` to every CharField (and subclass) of the form, passwords excepted."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if _holds_text(field) and reject_control_characters not in field.validators:
                # Fields are deep-copied per form instance, so this never leaks into the class's base fields.
                field.validators.append(reject_control_characters)

    def get_context(self) -> dict[str, Any]:
        context = super().get_context()
        # A hidden field (the version read with the page) has no place of its own: its errors join the form's,
        # worded as written, without Django's "(Hidden field …)" prefix.
        context["errors"] = [*self.non_field_errors(), *(e for f in self.hidden_fields() for e in f.errors)]
        return context


class RequiredMarkBoundField(forms.BoundField):
    """A required field's label (or legend) ends with an asterisk, before the label suffix: « Intitulé * : »."""

    def label_tag(self, contents=None, attrs=None, label_suffix=None, tag=None):
        if contents is None and self.field.required and self.label:
            contents = format_html('{} <span class="required-mark">*</span>', self.label)
        return super().label_tag(contents, attrs, label_suffix, tag)


class FormRenderer(TemplatesSetting):
    """Looks form templates up in the project's templates, where forms/ holds the site's form and field markup."""

    form_template_name = "forms/div.html"
    field_template_name = "forms/field.html"
    bound_field_class = RequiredMarkBoundField

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        if "fields" in context:
            # A form's template explains the asterisk when one of its visible fields is required.
            context["has_required_fields"] = any(field.field.required for field, _ in context["fields"])
        return super().render(template_name, context, request)


def _holds_text(field: forms.Field) -> bool:
    # A password is hashed, never displayed nor exported: refusing characters in it would only lock users out.
    return isinstance(field, forms.CharField) and not isinstance(field.widget, forms.PasswordInput)


class ControlCharactersForm(ControlCharactersFormMixin, forms.Form):
    """A plain form whose text fields refuse control characters."""


class ControlCharactersModelForm(ControlCharactersFormMixin, forms.ModelForm):
    """A model form whose text fields refuse control characters."""
