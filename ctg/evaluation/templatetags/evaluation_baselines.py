"""`{% snapshot_baseline convention diagnostic_code as baseline %}`: the EPCI's figure of a diagnostic indicator in
the convention's reference snapshot (signature, else the latest), for pages of other areas (the action's fiche).

The baselines of every indicator are read once per convention and request (three queries), then served from
the convention object."""

from django import template

from ctg.evaluation.selectors import snapshot_epci_baselines

register = template.Library()
CACHE = "_evaluation_baselines"


@register.simple_tag
def snapshot_baseline(convention, diagnostic_code: str):
    """A dict {snapshot, figure} (figure: ctg.evaluation.changes.Figure), or None without snapshot."""
    cached = convention.__dict__.get(CACHE)
    if cached is None:
        cached = convention.__dict__[CACHE] = snapshot_epci_baselines(convention=convention)
    if cached["snapshot"] is None:
        return None
    return {"snapshot": cached["snapshot"], "figure": cached["figures"].get(diagnostic_code)}
