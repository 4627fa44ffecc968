"""The author of a change, as django-simple-history records it."""


def set_history_author(obj, by) -> None:
    """Name `by` as the author of the next history record of `obj`; nobody (None, an anonymous visitor, a
    command without an account) leaves the record without author rather than failing."""
    if by is not None and getattr(by, "pk", None):
        obj._history_user = by
