"""The reason a change was made, written into every history record created while it is set.

A decision of a meeting is carried out through the services of other domains (plans, diagnostic, conventions),
which save and leave history their own way; `history_reason("décision du COPIL du 12/03/2026")` makes every
history record created inside the block carry that reason, whichever service saved the object.
"""

import contextlib
import contextvars

_reason: contextvars.ContextVar[str | None] = contextvars.ContextVar("history_reason", default=None)


@contextlib.contextmanager
def history_reason(reason: str):
    token = _reason.set(reason)
    try:
        yield
    finally:
        _reason.reset(token)


def set_reason_on_record(sender, *, history_instance, **kwargs) -> None:
    """Receiver of simple-history's pre_create_historical_record: give the record the current reason, if any."""
    reason = _reason.get()
    if reason and not history_instance.history_change_reason:
        history_instance.history_change_reason = reason
