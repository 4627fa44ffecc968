import datetime
import io

import factory
from django.core.files.uploadedfile import SimpleUploadedFile

from ctg.conventions.enums import Phase
from ctg.conventions.models import Convention
from tests.organisations.factories import OrganisationFactory
from tests.territories.factories import EpciFactory


class ConventionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Convention

    title = factory.Sequence(lambda n: f"CTG synthétique {n}")
    epci = factory.SubFactory(EpciFactory)
    caf = factory.SubFactory(OrganisationFactory, caf=True)
    start_date = datetime.date(2022, 1, 1)
    end_date = datetime.date(2025, 12, 31)
    signed_on = datetime.date(2022, 3, 1)
    phase = Phase.PREPARATION


def minimal_pdf(text: str = "Convention") -> bytes:
    """A small, complete PDF (header, one empty page, cross-reference table, trailer, end-of-file marker)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Info << /Title (" + text.encode() + b") >> >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def pdf_upload(name="convention.pdf", content=None):
    return SimpleUploadedFile(name, content if content is not None else minimal_pdf(), content_type="application/pdf")
