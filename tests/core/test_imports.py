"""The types every import shares and the one encoding policy of text files, on real bytes."""

import codecs

import pytest

from ctg.core.imports import (
    ImportProblem,
    ImportRefused,
    ImportReport,
    KindCounts,
    decode_text,
    looks_like_utf16,
    quoted,
)

TEXT = "code;nom;valeur\n76114;Bolbec;12\n76476;Lillebonne – Sainte-Croix, Notre-Dame-de-Gravenchon;7\n"
ACCENTED = "code;nom;valeur\n76114;Bolbec;12\n76217;Épreville-en-Caux, Œuvre « Noël »;3\n"


class TestImportProblem:
    def test_every_part_of_the_location_in_order(self):
        problem = ImportProblem("valeur obligatoire.", sheet="Actions", line=3, column="Code")
        assert str(problem) == "feuille « Actions », ligne 3, colonne « Code » : valeur obligatoire."

    def test_a_csv_file_names_the_file_and_the_column_number(self):
        problem = ImportProblem(
            "« abc » n'est pas un nombre.", file="f.csv", line=2, column="P22_POP", column_number=2
        )
        assert str(problem) == "f.csv, ligne 2, colonne 2 « P22_POP » : « abc » n'est pas un nombre."
        assert str(ImportProblem("nom de colonne vide.", file="f.csv", line=1, column_number=4)) == (
            "f.csv, ligne 1, colonne 4 : nom de colonne vide."
        )

    def test_only_the_known_parts(self):
        assert str(ImportProblem("le fichier est vide.", line=1)) == "ligne 1 : le fichier est vide."
        assert str(ImportProblem("feuille absente du classeur.", sheet="Financements")) == (
            "feuille « Financements » : feuille absente du classeur."
        )
        assert str(ImportProblem("fichier introuvable.", file="f.csv")) == "f.csv : fichier introuvable."
        assert str(ImportProblem("Une phrase sans lieu.")) == "Une phrase sans lieu."

    def test_quoted_cells_are_cut(self):
        assert quoted("x" * 40) == "x" * 40
        assert quoted("x" * 41) == "x" * 40 + "…"


class TestImportRefused:
    def test_carries_its_problems(self):
        first = ImportProblem("premier.", line=2)
        second = ImportProblem("second.", line=3, column="nom")
        refused = ImportRefused([first, second])
        assert refused.errors == [first, second]
        assert refused.messages == ["ligne 2 : premier.", "ligne 3, colonne « nom » : second."]
        assert str(refused) == "ligne 2 : premier. ; ligne 3, colonne « nom » : second."

    def test_one_problem_or_a_plain_sentence(self):
        assert str(ImportRefused(ImportProblem("vide.", file="f.csv"))) == "f.csv : vide."
        refused = ImportRefused("f.csv : déjà dit.")
        assert refused.errors == [ImportProblem("f.csv : déjà dit.")]
        assert str(refused) == "f.csv : déjà dit."


class TestImportReport:
    def test_summary(self):
        report = ImportReport(read=3, created=1, updated=1, unchanged=1)
        assert report.summary() == "3 lignes lues, 1 créée, 1 mise à jour, 1 inchangée, 0 rejetée."
        assert report.ok and report.changed == 2

    def test_a_dry_run_says_so_first(self):
        report = ImportReport(read=2, created=2, dry_run=True)
        assert report.summary().startswith("Simulation : 2 lignes lues, 2 créées")

    def test_problems_make_a_report_not_ok(self):
        assert not ImportReport(errors=[ImportProblem("refusé.")]).ok

    def test_counts_by_kind_are_numbers_too(self):
        counts = KindCounts().plus("actions").plus("actions").plus("mesures")
        assert counts == 3 and counts == {"actions": 2, "mesures": 1}
        assert counts["actions"] == 2 and list(counts.items()) == [("actions", 2), ("mesures", 1)]
        assert KindCounts() == 0 and KindCounts() == {} and not list(KindCounts().items())
        report = ImportReport(created=counts, updated=KindCounts({"financements": 1}))
        assert report.changed == 4
        assert "3 créées, 1 mise à jour" in report.summary()


class TestEncodingPolicy:
    def test_utf8_with_or_without_bom(self):
        assert decode_text(TEXT.encode("utf-8"), "f.csv") == TEXT
        assert decode_text(codecs.BOM_UTF8 + TEXT.encode("utf-8"), "f.csv") == TEXT
        assert decode_text(b"", "f.csv") == ""

    def test_a_file_wholly_in_latin1_or_windows_1252_is_read(self):
        assert decode_text(ACCENTED.replace("Œ", "O").encode("latin-1"), "f.csv") == ACCENTED.replace("Œ", "O")
        # Windows-1252 adds Œ, €, curly quotes and dashes to Latin-1.
        assert decode_text(ACCENTED.encode("cp1252"), "f.csv") == ACCENTED
        assert decode_text("code;montant\n1;12 €\n".encode("cp1252"), "f.csv") == "code;montant\n1;12 €\n"

    @pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
    def test_utf16_is_refused_and_named(self, encoding):
        raw = ACCENTED.encode(encoding)
        assert looks_like_utf16(raw)
        with pytest.raises(ImportRefused) as exc:
            decode_text(raw, "f.csv")
        assert exc.value.messages == [
            "f.csv, ligne 1 : le fichier est encodé en UTF-16 (« Texte Unicode » des tableurs). Enregistrez-le en "
            "UTF-8 (CSV UTF-8) puis importez-le à nouveau."
        ]

    def test_plain_text_is_not_taken_for_utf16(self):
        assert not looks_like_utf16(TEXT.encode("utf-8"))
        assert not looks_like_utf16(ACCENTED.encode("cp1252"))

    def test_utf8_then_latin1_is_refused_with_the_line_of_the_first_bad_byte(self):
        raw = "code;nom\n76114;Bolbec é\n".encode() + "76217;Épreville\n".encode("latin-1")
        with pytest.raises(ImportRefused) as exc:
            decode_text(raw, "f.csv")
        (problem,) = exc.value.errors
        assert (problem.file, problem.line) == ("f.csv", 3)
        assert problem.message.startswith("caractère illisible (octet 0xc9) : le fichier n'est pas encodé en UTF-8")
        assert "Enregistrez le fichier en UTF-8" in problem.message

    def test_a_utf8_bom_before_latin1_is_refused(self):
        raw = codecs.BOM_UTF8 + ACCENTED.encode("cp1252")
        with pytest.raises(ImportRefused) as exc:
            decode_text(raw, "f.csv")
        assert exc.value.errors[0].line == 3

    def test_a_byte_windows_1252_does_not_define_is_refused(self):
        with pytest.raises(ImportRefused) as exc:
            decode_text(b"code;nom\n1;a\x81b\n", "")
        assert str(exc.value).startswith("ligne 2 : caractère illisible (octet 0x81) : le fichier n'est pas encodé")
        assert "ni en Latin-1 / Windows-1252" in str(exc.value)
