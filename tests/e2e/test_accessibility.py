"""Every type of page, on a desktop screen and on a phone, passes axe-core without a serious or critical violation,
and on a phone none of them scrolls sideways.

axe-core is the copy shipped inside the axe-playwright-python package: nothing is downloaded while the test runs.
Each page is loaded once on the desktop screen, checked, then narrowed to the phone's width and checked again (the
page's scripts follow the change of width, as when a phone turns). The pages are shared between two tests, each
signed in once, so that they run side by side on two test processes.
"""

import datetime

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone

from ctg.accounts.models import User
from ctg.conventions.services import convention_set_public
from ctg.indicators.services import indicators_compute
from ctg.offer.demo import load_demo_offer
from ctg.plans.demo import load_demo_plan
from ctg.plans.models import Action
from ctg.plans.services import action_delete
from ctg.steering.demo import load_demo_steering
from ctg.steering.models import Body
from ctg.steering.services import meeting_create
from tests.indicators.shipped import load_insee_extracts

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
BLOCKING_IMPACTS = {"serious", "critical"}
# Bolbec, the commune of the demo's commune account.
COMMUNE = "76114"
INDICATORS = ["population", "population_2016", "population_change", "share_0_14", "poverty_rate_2021"]

# Every aria-describedby and aria-labelledby names elements that exist.
MISSING_REFERENCES = """() => {
  const missing = [];
  for (const attribute of ["aria-describedby", "aria-labelledby"]) {
    for (const element of document.querySelectorAll(`[${attribute}]`)) {
      for (const id of element.getAttribute(attribute).split(/\\s+/).filter(Boolean)) {
        if (!document.getElementById(id)) missing.push(`${attribute}="${id}" on <${element.localName}>`);
      }
    }
  }
  return missing;
}"""


# The outermost elements that reach past the right edge of the screen, to say what widens a page.
WIDE_ELEMENTS = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const element of document.body.querySelectorAll("*")) {
    const parent = element.parentElement;
    if (element.getBoundingClientRect().right <= width + 1) continue;
    if (parent && parent !== document.body && parent.getBoundingClientRect().right > width + 1) continue;
    const name = element.localName + (element.id ? "#" + element.id : "");
    wide.push(`${name}.${element.classList[0] || ""} ${Math.round(element.getBoundingClientRect().right)} px`);
  }
  return wide.slice(0, 5);
}"""


def _demo(caux_seine) -> dict:
    convention = caux_seine["convention"]
    load_demo_offer(convention=convention)
    load_demo_plan(convention=convention)
    load_demo_steering(convention=convention)
    load_insee_extracts()
    indicators_compute(codes=INDICATORS)
    coordinator = User.objects.get(username="coordination")
    convention_set_public(convention=convention, is_public=True, by=coordinator)
    body = Body.objects.filter(convention=convention).order_by("pk").first()
    meeting = meeting_create(
        body=body,
        starts_at=timezone.make_aware(datetime.datetime(2024, 3, 12, 14, 30)),
        place="Siège de Caux Seine agglo, Lillebonne",
        by=coordinator,
    )
    # The fiche with the most funding lines: its ledger is the widest table.
    action = max(Action.objects.filter(convention=convention), key=lambda a: a.funding_lines.count())
    # Another fiche in the trash, so that the trash shows its table.
    trashed = Action.objects.filter(convention=convention, parent=None).exclude(pk=action.pk).order_by("code").first()
    action_delete(action=trashed, by=coordinator)
    return {"convention": convention.pk, "action": action.pk, "body": body.pk, "meeting": meeting.pk}


def _coordinator_pages(ids: dict) -> list[str]:
    c = f"/conventions/{ids['convention']}"
    action = f"{c}/plan/actions/{ids['action']}"
    return [
        "/",
        f"{c}/",
        f"{c}/modifier/",
        f"{c}/diagnostic/",
        f"{c}/diagnostic/?theme=petite_enfance",
        f"{c}/diagnostic/communes/{COMMUNE}/",
        f"{c}/enjeux/",
        f"{c}/enjeux/ajouter/",
        f"{c}/offre/",
        f"{c}/offre/ajouter/",
        f"{c}/offre/importer/",
        f"{c}/plan/",
        f"{c}/plan/mes-actions/",
        f"{c}/plan/calendrier/",
        f"{action}/",
        f"{action}/modifier/",
        f"{action}/financements/nouveau/",
        f"{action}/indicateurs/nouveau/",
        f"{c}/plan/import/",
        f"{c}/plan/historique/",
        f"{c}/plan/corbeille/",
        f"{c}/pilotage/",
        f"{c}/pilotage/tableau-de-bord/",
        f"{c}/pilotage/instances/{ids['body']}/",
        f"{c}/pilotage/reunions/{ids['meeting']}/",
        f"{c}/pilotage/instances/{ids['body']}/reunions/ajouter/",
        f"{c}/evaluation/",
        f"{c}/evaluation/ce-qui-a-change/",
        f"{c}/evaluation/actions/{ids['action']}/grille/",
        f"{c}/donnees-locales/",
        f"{c}/donnees-locales/importer/",
        "/territoires/",
        f"/territoires/communes/{COMMUNE}/",
        "/donnees/",
        "/compte/mon-compte/",
        f"/compte/conventions/{ids['convention']}/membres/",
        f"/compte/conventions/{ids['convention']}/journal/",
    ]


# axe-core is read once; a page gets it once whatever the number of widths checked.
AXE_SCRIPT = Axe().axe_script
# Only the violations come back from the page: the passes would weigh more than the check.
AXE_RUN = "() => axe.run(document, {resultTypes: ['violations']}).then(results => results.violations)"
# table-scroll.js updates the tables' scroll regions 150 ms after a change of width.
AFTER_RESIZE = "() => document.querySelector('.table-scroll') && new Promise(done => setTimeout(done, 200))"


def _problems(page, viewport: dict) -> list[str]:
    problems = []
    for violation in page.evaluate(AXE_RUN):
        if violation["impact"] in BLOCKING_IMPACTS:
            targets = "; ".join(", ".join(node["target"]) for node in violation["nodes"][:5])
            problems.append(f"{violation['id']} ({violation['impact']}, {len(violation['nodes'])}) : {targets}")
    problems += page.evaluate(MISSING_REFERENCES)
    if viewport == PHONE:
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > viewport["width"]:
            wide = ", ".join(page.evaluate(WIDE_ELEMENTS))
            problems.append(f"défilement horizontal : {width} px pour {viewport['width']} px ({wide})")
    return problems


def _visit(page, url: str, path: str, found: dict) -> None:
    """The page loaded on the desktop screen and checked, then at the phone's width and checked again."""
    page.set_viewport_size(DESKTOP)
    response = page.goto(f"{url}{path}")
    assert response.status == 200, f"{path} : {response.status}"
    assert "/compte/connexion/" not in page.url or path.startswith("/compte/connexion/"), path
    page.evaluate(AXE_SCRIPT)
    _check(page, path, DESKTOP, found)
    page.set_viewport_size(PHONE)
    page.evaluate(AFTER_RESIZE)
    _check(page, path, PHONE, found)


def _check(page, name: str, viewport: dict, found: dict) -> None:
    if problems := _problems(page, viewport):
        found[f"{viewport['width']} px {name}"] = problems


def _check_form_errors(page, url: str, path: str, viewport: dict, found: dict) -> None:
    """The fiche's form sent without its title: the summary takes the focus and links to the field, whose error is
    written next to it; required fields are marked and the themes are a group named by its legend."""
    page.set_viewport_size(viewport)
    page.goto(f"{url}{path}")
    assert "*" in page.locator("label[for=id_title]").inner_text()
    assert page.locator("fieldset:has(input[name=themes]) > legend").inner_text().startswith("Thématiques")
    page.fill("#id_title", "")
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_load_state()
    summary = page.locator(".error-summary")
    assert summary.evaluate("element => element === document.activeElement")
    link = summary.get_by_role("link").first
    assert link.get_attribute("href") == "#id_title"
    assert page.locator("#id_title").get_attribute("aria-describedby").split()[-1] == "id_title_error"
    assert page.locator(".field:has(#id_title) #id_title_error").inner_text() != ""
    link.click()
    assert page.evaluate("document.activeElement.id") == "id_title"
    page.evaluate(AXE_SCRIPT)
    _check(page, f"{path} (erreurs)", viewport, found)


def _sign_in(page, url: str, username: str, password: str) -> None:
    page.goto(f"{url}/compte/connexion/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/")


# Two tests sharing the pages, so that they run side by side on two test processes; the form with errors is checked
# on the desktop screen by one and on the phone by the other.
@pytest.mark.long
@pytest.mark.parametrize("half", [0, 1], ids=["premiere-moitie", "seconde-moitie"])
def test_every_type_of_page_is_accessible(live_server, caux_seine, browser, half):
    ids = _demo(caux_seine)
    found: dict[str, list[str]] = {}
    context = browser.new_context(locale="fr-FR", viewport=DESKTOP)
    page = context.new_page()
    url = live_server.url
    if half == 0:  # signed out: the login page, then the public page
        _visit(page, url, "/compte/connexion/", found)
        _visit(page, url, f"/public/conventions/{ids['convention']}/", found)

    _sign_in(page, url, "coordination", caux_seine["password"])
    for path in _coordinator_pages(ids)[half::2]:
        _visit(page, url, path, found)
    edit = f"/conventions/{ids['convention']}/plan/actions/{ids['action']}/modifier/"
    _check_form_errors(page, url, edit, [DESKTOP, PHONE][half], found)

    if half == 1:  # the data administrator's import page
        page.set_viewport_size(DESKTOP)
        page.click("text=Se déconnecter")
        _sign_in(page, url, "donnees", caux_seine["password"])
        _visit(page, url, "/donnees/importer/", found)
    context.close()
    assert found == {}, "\n".join(f"{path}\n  " + "\n  ".join(problems) for path, problems in found.items())
