from ctg.www.downloads import download_response


def test_attachment_with_its_type():
    response = download_response(b"a;b", filename="plan-actions-3.csv", content_type="text/csv; charset=utf-8")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="plan-actions-3.csv"'
    assert response.content == b"a;b"


def test_inline_and_names_that_need_quoting():
    assert (
        download_response(b"", filename="carte.svg", content_type="image/svg+xml", inline=True)["Content-Disposition"]
        == 'inline; filename="carte.svg"'
    )
    header = download_response(b"", filename="fiche-é.docx", content_type="application/octet-stream")[
        "Content-Disposition"
    ]
    assert header == "attachment; filename*=utf-8''fiche-%C3%A9.docx"
