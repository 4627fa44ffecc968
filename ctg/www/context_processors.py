"""Template context shared by every page (settings.TEMPLATES' context_processors)."""

from django.urls import reverse

from ctg.steering.portfolio import portfolio_departements


def navigation(request) -> dict:
    """The main navigation's entries that depend on the user: `portfolio_url`, the CAF portfolio of the user's
    département (the list of them when they hold several), empty for a user without a département access. Read
    only when a page renders the header, once per request."""
    return {"portfolio_url": lambda: portfolio_url(request)}


def portfolio_url(request) -> str:
    if not hasattr(request, "_portfolio_url"):
        user = getattr(request, "user", None)
        codes = list(portfolio_departements(user).values_list("code", flat=True)[:2]) if user is not None else []
        if len(codes) == 1:
            request._portfolio_url = reverse("portfolio_views:departement", kwargs={"code": codes[0]})
        else:
            request._portfolio_url = reverse("portfolio_views:index") if codes else ""
    return request._portfolio_url
