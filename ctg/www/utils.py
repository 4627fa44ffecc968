"""Helpers shared by the views of every area."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404

from ctg.conventions.models import Convention


def get_convention_for(request, convention_pk) -> Convention:
    """The convention if the user may read it, else 404 (never reveal that it exists)."""
    return get_object_or_404(Convention.objects.for_user(request.user).select_related("epci", "caf"), pk=convention_pk)


def add_service_errors(form, exc: ValidationError) -> None:
    """Attach a service's ValidationError to the form: field errors on their field, the rest on the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
    else:
        for error in exc.messages:
            form.add_error(None, error)


def run_service(request, service, **arguments) -> bool:
    """Call a service as the request's user (`by`) for a POST answered by a redirect: a refusal (ValidationError)
    becomes error messages. Returns whether the service accepted."""
    try:
        service(by=request.user, **arguments)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return False
    return True
