"""Form bases shared by every area of the site.

`ControlCharactersFormMixin` refuses C0 control characters in every text field of a form, so that no text a
user types can later break an export (see `ctg.core.text`). A form only has to inherit it, before the Django
base class: `class ActionForm(ControlCharactersFormMixin, forms.ModelForm)`.
"""

from django import forms

from ctg.core.text import reject_control_characters


class ControlCharactersFormMixin:
    """Adds `reject_control_characters` to every CharField (and subclass) of the form, passwords excepted."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if _holds_text(field) and reject_control_characters not in field.validators:
                # Fields are deep-copied per form instance, so this never leaks into the class's base fields.
                field.validators.append(reject_control_characters)


def _holds_text(field: forms.Field) -> bool:
    # A password is hashed, never displayed nor exported: refusing characters in it would only lock users out.
    return isinstance(field, forms.CharField) and not isinstance(field.widget, forms.PasswordInput)


class ControlCharactersForm(ControlCharactersFormMixin, forms.Form):
    """A plain form whose text fields refuse control characters."""


class ControlCharactersModelForm(ControlCharactersFormMixin, forms.ModelForm):
    """A model form whose text fields refuse control characters."""
