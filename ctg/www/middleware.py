"""Responses to a logged-in person are never stored by a browser or a shared cache.

Pages and downloads of a convention hold private data: on a shared computer, the browser's cache or history
would otherwise keep them after logout, and a misconfigured proxy could serve them to someone else. Anonymous
pages (login, public convention page) keep whatever caching their view chose.
"""

from django.utils.cache import patch_cache_control


class PrivateCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and "no-store" not in response.get("Cache-Control", ""):
            # `private` replaces a `public` the view may have set; no-store is the strictest policy there is.
            patch_cache_control(response, private=True, no_store=True)
        return response
