from django import forms
from django.conf import settings

from ctg.opendata.readers import FORMATS
from ctg.opendata.services import LOCAL_FORMAT

# Signatures of common binary files that a renamed file could hide (executables, archives, office, PDF, images).
BINARY_SIGNATURES = (
    b"MZ",
    b"\x7fELF",
    b"PK\x03\x04",
    b"%PDF",
    b"\xd0\xcf\x11\xe0",
    b"\x89PNG",
    b"\xff\xd8\xff",
    b"GIF8",
    b"\x1f\x8b",
    b"Rar!",
    b"7z\xbc\xaf",
    b"\xca\xfe\xba\xbe",
    b"\xcf\xfa\xed\xfe",
)
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
SNIFF_SIZE = 64 * 1024


class CsvUploadForm(forms.Form):
    """A CSV file checked to be text of a bounded size, and the dry-run switch (checked by default)."""

    file = forms.FileField(label="Fichier CSV")
    dry_run = forms.BooleanField(
        label="Simulation : vérifier le fichier et compter les valeurs sans rien enregistrer",
        required=False,
        initial=True,
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".txt")):
            raise forms.ValidationError("Le fichier doit être un fichier texte CSV (extension .csv ou .txt).")
        if upload.size > settings.UPLOAD_MAX_SIZE:
            limit = settings.UPLOAD_MAX_SIZE // (1024 * 1024)
            raise forms.ValidationError(f"Le fichier dépasse la taille maximale autorisée ({limit} Mo).")
        upload.seek(0)
        head = upload.read(SNIFF_SIZE)
        upload.seek(0)
        if not head:
            raise forms.ValidationError("Le fichier est vide.")
        # UTF-16 text has NUL bytes but is text: the reader explains how to re-save it.
        if head.startswith(UTF16_BOMS):
            return upload
        if head.startswith(BINARY_SIGNATURES) or b"\x00" in head:
            raise forms.ValidationError(
                "Ce fichier n'est pas un fichier texte CSV (contenu binaire détecté) : il n'a pas été importé."
            )
        return upload


class DatasetUploadForm(CsvUploadForm):
    """An official file as published by its producer (the local-data format is imported in a convention)."""

    format = forms.ChoiceField(
        label="Format",
        required=False,
        choices=[("", "Détecter d'après l'en-tête")] + [(k, v) for k, v in FORMATS.items() if k != LOCAL_FORMAT],
    )
    field_order = ["file", "format", "dry_run"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[
            "file"
        ].help_text = "Fichier national tel que publié par l'INSEE ou la CAF, complet et non retouché."


class LocalDataUploadForm(CsvUploadForm):
    """A tidy CSV of figures that belong to one convention."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = (
            "Colonnes code_geo;niveau;variable;annee;valeur (libelle et source facultatives), sur le territoire "
            "de la convention."
        )
