"""The final evaluation report as an editable DOCX: title page, table of contents (a field the word processor
fills), then the chapters of ctg.evaluation.final_report.content. Headings use the Heading 1/2 styles."""

from ctg.evaluation.final_report.communes import write_communes_docx
from ctg.evaluation.final_report.content import final_report
from ctg.reports.docx_helpers import (
    add_heading,
    add_landscape_section,
    add_paragraph,
    add_portrait_section,
    add_run,
    document_bytes,
    new_report,
)
from ctg.reports.docx_tables import FIGURES, TableLook, add_table

SMALL = TableLook(font_size=8, bold_header=True, repeat_header=True)
CHANGES_HEADER = ["Indicateur", "Territoire", "Photographie", "Actuel", "Évolution", "Lecture", "Remarques"]
MONEY_HEADER = ["Prévu", "Accordé", "Versé"]


def _text_block(document, text: str, *, missing: str) -> None:
    paragraphs = [p for p in (text or "").split("\n") if p.strip()]
    if not paragraphs:
        add_paragraph(document, missing)
    for paragraph in paragraphs:
        add_paragraph(document, paragraph)


def _rollup(document, block: dict, header: list[str]) -> None:
    add_paragraph(document, block["summary"])
    add_table(document, block["level_rows"], header=header, look=FIGURES)
    for fact in block["facts"]:
        add_paragraph(document, fact, style="List Bullet")


def _method(document, report: dict) -> None:
    add_heading(document, "Méthode", level=1)
    for paragraph in report["method"]:
        add_paragraph(document, paragraph)
    add_paragraph(document, f"Photographie de référence : {report['snapshot'] or 'aucune photographie enregistrée'}.")


def _questions(document, report: dict) -> None:
    add_heading(document, "Les questions d'évaluation", level=1)
    add_heading(document, "Ensemble du plan d'actions", level=2)
    _rollup(document, report["whole"], report["level_header"])
    for question in report["questions"]:
        add_heading(document, question["label"], level=2)
        add_run(add_paragraph(document), question["question"]).italic = True
        add_paragraph(document, f"Niveaux retenus dans les grilles des actions : {question['levels']}.")
        for line in question["evidence"]:
            add_paragraph(document, line, style="List Bullet")


def _changes(document, report: dict) -> None:
    """On landscape pages (seven columns), then back to portrait."""
    add_landscape_section(document)
    add_heading(document, "Ce qui a changé depuis la signature", level=1)
    if report["changes"]:
        add_paragraph(
            document,
            f"Photographie : {report['snapshot']}. Chaque valeur porte son millésime ; la lecture suit le sens "
            "favorable de l'indicateur dans le catalogue.",
        )
        add_table(
            document,
            (
                [r["indicator"], r["territory"], r["then"], r["now"], r["change"], r["trend"], r["notes"]]
                for r in report["changes"]
            ),
            header=CHANGES_HEADER,
            look=SMALL,
        )
        sources = sorted({r["source"] for r in report["changes"] if r["source"]})
        add_paragraph(document, "Sources : " + " ; ".join(sources) + ".")
    else:
        add_paragraph(document, "Aucune photographie du diagnostic n'est enregistrée : rien à comparer.")
    add_portrait_section(document)


def _themes(document, report: dict) -> None:
    add_heading(document, "Par thématique", level=1)
    for block in report["themes"]:
        add_heading(document, block["label"], level=2)
        _rollup(document, block, report["level_header"])
    if not report["themes"]:
        add_paragraph(document, "Le plan d'actions ne compte aucune action.")
    add_heading(document, "Prévu et non commencé, ajouté en cours de route", level=2)
    add_paragraph(document, "Actions prévues et non commencées :")
    for line in report["not_started"] or ["aucune."]:
        add_paragraph(document, line, style="List Bullet")
    add_paragraph(document, f"Actions ajoutées en cours de route. {report['cut_off_note']}")
    for line in report["added"] or ["aucune."]:
        add_paragraph(document, line, style="List Bullet")


def _actions(document, report: dict) -> None:
    add_heading(document, "Par action", level=1)
    for action in report["actions"]:
        add_heading(document, action["title"], level=2)
        add_paragraph(document, action["facts"])
        if action["grid"]:
            add_table(document, action["grid"], header=["Critère", "Niveau", "Justification"], look=SMALL)
        add_paragraph(document, action["money"])
        if action["indicators"]:
            add_table(
                document,
                action["indicators"],
                header=["Indicateur", "Référence", "Dernière mesure", "Cible", "Taux d'atteinte"],
                look=SMALL,
            )


def _funding(document, report: dict) -> None:
    add_heading(document, "Synthèse des financements", level=1)
    for line in report["funding"]["overall"]:
        add_paragraph(document, line)
    if report["funding"]["per_funder"]:
        add_table(document, report["funding"]["per_funder"], header=["Financeur", *MONEY_HEADER], look=FIGURES)
        add_table(document, report["funding"]["per_year"], header=["Année", *MONEY_HEADER], look=FIGURES)


def _partners(document, report: dict) -> None:
    survey = report["survey"]
    add_heading(document, "Les réponses des partenaires", level=1)
    if survey["survey"] is None:
        add_paragraph(document, "Aucun questionnaire n'a été ouvert aux partenaires.")
        return
    add_paragraph(document, survey["answered_sentence"])
    add_table(
        document,
        ([q["question"], *(str(count) for _, count in q["counts"])] for q in survey["questions"]),
        header=["Question", *survey["answer_labels"]],
        look=FIGURES,
    )
    for organisation, comment in survey["comments"]:
        paragraph = add_paragraph(document)
        add_run(paragraph, f"{organisation} : ").bold = True
        add_run(paragraph, comment)


def _conclusions(document, report: dict) -> None:
    add_heading(document, "Conclusions et recommandations", level=1)
    add_heading(document, "Conclusions", level=2)
    _text_block(document, report["conclusions"], missing="Conclusions non rédigées.")
    add_heading(document, "Recommandations", level=2)
    _text_block(document, report["recommendations"], missing="Recommandations non rédigées.")


def _communes(document, report: dict) -> None:
    write_communes_docx(document, report["communes"])


CHAPTERS = (
    _method,
    _questions,
    _changes,
    _themes,
    _actions,
    _communes,
    _funding,
    _partners,
    _conclusions,
)


def build_final_report_docx(*, convention, report: dict | None = None) -> bytes:
    report = report or final_report(convention=convention)
    document = new_report(title=report["title"], subtitle=report["subtitle"], facts=report["facts"])
    for chapter in CHAPTERS:
        chapter(document, report)
    return document_bytes(document)
