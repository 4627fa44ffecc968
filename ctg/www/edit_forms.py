"""The version an editor started from, carried by every edit form.

An edit form carries the version of the object as a required hidden field; the update service compares it with
the stored one under a row lock, so a second editor working on a stale copy is refused instead of silently
overwriting the first one. A POST without it is a form error, never an overwrite.
"""

from django import forms

VERSION_MISSING = (
    "Ce formulaire ne dit pas de quelle version de l'objet vous êtes parti·e : rechargez la page, reportez vos "
    "changements puis enregistrez."
)


def version_field(initial=None) -> forms.IntegerField:
    """The required hidden field holding the version the editor started from."""
    return forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        initial=initial,
        error_messages={"required": VERSION_MISSING, "invalid": VERSION_MISSING, "min_value": VERSION_MISSING},
    )


def lift_version_error(form: forms.BaseForm) -> None:
    """Show a missing or wrong version at the top of the form: the hidden field has no place to show it."""
    errors = form.errors.pop("version", None)
    if errors:
        form.add_error(None, errors)
