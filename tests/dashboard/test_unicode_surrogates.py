"""The dashboard cannot store a lone UTF-16 surrogate either (the API's check is in
tests/api/test_unicode_surrogates.py): form bytes that are no UTF-8 are replaced, files must be UTF-8."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from scfm.contacts.models import Contact

pytestmark = pytest.mark.django_db


def test_dashboard_forms_turn_undecodable_bytes_into_replacement_characters(member_client, account):
    response = member_client.generic(
        "POST",
        "/dashboard/contacts/new",
        "msisdn=%2B855972345679&metadata-key=name&metadata-value=Da%ED%A0%80ra",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 302
    contact = Contact.objects.get(account=account)
    assert "\ud800" not in contact.metadata["name"]
    assert member_client.get("/dashboard/contacts").status_code == 200


def test_a_csv_import_with_a_surrogates_bytes_is_not_utf8(member_client, account):
    content = b"msisdn,name\n+855972345601,Da" + b"\xed\xa0\x80" + b"ra\n"
    response = member_client.post(
        "/dashboard/contacts/import", {"file": SimpleUploadedFile("c.csv", content, "text/csv")}
    )
    assert response.status_code == 422
    assert "not UTF-8 text" in response.content.decode()
    assert not Contact.objects.filter(account=account).exists()
