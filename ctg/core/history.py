"""The author and the reason of a change, as django-simple-history records them.

A change made on behalf of something else than a form — a decision of a meeting carried out through the services
of other domains, an imported file — is saved by those services their own way; `history_reason("import du
fichier plan.xlsx")` makes every history record created inside the block carry that reason, whichever service
saved the object, so that the history says why, not only who.
"""

import contextlib
import contextvars

_reason: contextvars.ContextVar[str | None] = contextvars.ContextVar("history_reason", default=None)
# simple-history's column for the reason.
REASON_MAX_LENGTH = 100


def set_history_author(obj, by) -> None:
    """Name `by` as the author of the next history record of `obj`; nobody (None, an anonymous visitor, a
    command without an account) leaves the record without author rather than failing."""
    if by is not None and getattr(by, "pk", None):
        obj._history_user = by


@contextlib.contextmanager
def history_reason(reason: str):
    token = _reason.set(reason[:REASON_MAX_LENGTH])
    try:
        yield
    finally:
        _reason.reset(token)


def set_reason_on_record(sender, *, history_instance, **kwargs) -> None:
    """Receiver of simple-history's pre_create_historical_record: give the record the current reason, if any."""
    reason = _reason.get()
    if reason and not history_instance.history_change_reason:
        history_instance.history_change_reason = reason


def connect_history_reason() -> None:
    from simple_history.signals import pre_create_historical_record

    pre_create_historical_record.connect(set_reason_on_record, dispatch_uid="core_history_reason")
