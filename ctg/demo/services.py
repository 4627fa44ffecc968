"""The whole demonstration in order: the Caux Seine convention, its published offer, its action plan, its bodies.

Each domain loads its own part (ctg.conventions.demo, ctg.offer.demo, ctg.plans.demo, ctg.steering.demo); this
package only puts them in order, so that no domain imports another domain's demonstration. Every part is idempotent.
"""

from ctg.conventions.demo import load_demo
from ctg.offer.demo import load_demo_offer
from ctg.plans.demo import load_demo_plan
from ctg.steering.demo import load_demo_steering


def demo_load() -> dict:
    """Load every part of the demonstration; returns the convention's result with the offer's and the plan's."""
    result = load_demo()
    convention = result["convention"]
    return {
        **result,
        "offer": load_demo_offer(convention=convention),
        "plan": load_demo_plan(convention=convention),
        "steering": load_demo_steering(convention=convention),
    }
