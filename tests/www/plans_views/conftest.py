"""Fixtures shared by the plan page tests."""

from tests.www.plans_views.test_views import plan  # noqa: F401 (the plan fixture, for test_everyday.py)
