"""Contacts pages: list and filters, create/edit/delete, CSV import and export, isolation, budgets."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from scfm.contacts.models import Contact
from tests import factories

pytestmark = pytest.mark.django_db


def csv_upload(text: str, name: str = "contacts.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def test_list_is_newest_first_and_filterable_like_the_api(member_client, account, other_account):
    old = factories.ContactFactory(account=account, metadata={"gender": "f", "age": "30"})
    new = factories.ContactFactory(account=account, metadata={"gender": "m", "age": "7"})
    foreign = factories.ContactFactory(account=other_account, metadata={"gender": "f"})
    page = member_client.get("/dashboard/contacts").content.decode()
    assert page.index(new.msisdn) < page.index(old.msisdn)
    assert foreign.msisdn not in page
    by_api_filter = member_client.get("/dashboard/contacts?q[metadata][gender]=f").content.decode()
    assert old.msisdn in by_api_filter and new.msisdn not in by_api_filter
    by_builder = member_client.get(
        "/dashboard/contacts",
        {"filter-key": "age", "filter-operator": "lt", "filter-cast": "numeric", "filter-value": "18"},
    ).content.decode()
    assert new.msisdn in by_builder and old.msisdn not in by_builder
    blank_form = member_client.get(
        "/dashboard/contacts?q[msisdn]=&filter-key=&filter-value="
    ).content.decode()
    assert old.msisdn in blank_form and new.msisdn in blank_form  # blank fields mean "any"
    by_number = member_client.get(f"/dashboard/contacts?q[msisdn]={old.msisdn}").content.decode()
    assert old.msisdn in by_number and new.msisdn not in by_number


def test_a_malformed_filter_is_reported_not_a_server_error(member_client, account):
    factories.ContactFactory(account=account)
    response = member_client.get("/dashboard/contacts?q[metadata][age.numeric.gt]=abc")
    assert response.status_code == 200
    assert "The filter is not valid" in response.content.decode()


def test_a_filter_nested_too_deeply_is_reported_not_a_server_error(member_client, account):
    factories.ContactFactory(account=account)
    response = member_client.get("/dashboard/contacts?q[metadata]" + "[a]" * 3000 + "=1")
    assert response.status_code == 200
    assert "nested more than 100 levels deep" in response.content.decode()


def test_a_metadata_key_nested_too_deeply_is_refused(member_client, account):
    deep_key = ":".join(["a"] * 3000)  # would be a hash 3,000 levels deep
    response = member_client.post(
        "/dashboard/contacts/new",
        {"msisdn": "+855972345679", "metadata-key": [deep_key], "metadata-value": ["1"]},
    )
    assert response.status_code == 422 and "is not valid" in response.content.decode()
    assert not Contact.objects.filter(account=account).exists()


@pytest.mark.parametrize(("key", "value"), [("name", "Da\x00ra"), ("na\x00me", "Dara")])
def test_a_nul_character_in_metadata_is_refused_not_a_server_error(member_client, account, key, value):
    # PostgreSQL stores no NUL in jsonb: it would be a database error.
    response = member_client.post(
        "/dashboard/contacts/new",
        {"msisdn": "+855972345679", "metadata-key": [key], "metadata-value": [value]},
    )
    assert response.status_code == 400  # refused for the whole site (RejectNulCharactersMiddleware)
    assert not Contact.objects.filter(account=account).exists()


def test_list_pages_use_a_fixed_number_of_queries(member_client, account, django_assert_max_num_queries):
    factories.ContactFactory.create_batch(40, account=account, metadata={"a": "b"})
    with django_assert_max_num_queries(5):  # session, user, count, page, (savepoint-free)
        response = member_client.get("/dashboard/contacts?page=2")
    assert response.status_code == 200
    assert "26–40 of 40" in response.content.decode()


def test_create_with_nested_metadata_rows(member_client, account):
    response = member_client.post(
        "/dashboard/contacts/new",
        {
            "msisdn": "+855 97 234 5678",
            "metadata-key": ["name", "location:country", "location:city", ""],
            "metadata-value": ["Dara", "KH", "Phnom Penh", ""],
        },
    )
    contact = Contact.objects.get(account=account)
    assert response["Location"] == f"/dashboard/contacts/{contact.pk}"
    assert contact.msisdn == "+855972345678"
    assert contact.metadata == {"name": "Dara", "location": {"country": "KH", "city": "Phnom Penh"}}


def test_create_refuses_bad_input_with_the_reference_messages(member_client, account):
    factories.ContactFactory(account=account, msisdn="+855972345678")
    taken = member_client.post("/dashboard/contacts/new", {"msisdn": "+855972345678"})
    assert taken.status_code == 422 and "must be unique" in taken.content.decode()
    invalid = member_client.post("/dashboard/contacts/new", {"msisdn": "12"})
    assert invalid.status_code == 422 and "is invalid" in invalid.content.decode()
    clash = member_client.post(
        "/dashboard/contacts/new",
        {"msisdn": "+855972345679", "metadata-key": ["a", "a:b"], "metadata-value": ["1", "2"]},
    )
    assert clash.status_code == 422 and "clashes" in clash.content.decode()
    assert Contact.objects.filter(account=account).count() == 1


def test_edit_replaces_metadata_with_the_rows(member_client, account):
    contact = factories.ContactFactory(account=account, metadata={"old": "x", "keep": "y"})
    form = member_client.get(f"/dashboard/contacts/{contact.pk}/edit").content.decode()
    assert 'value="old"' in form
    member_client.post(
        f"/dashboard/contacts/{contact.pk}/edit",
        {"msisdn": contact.msisdn, "metadata-key": ["keep"], "metadata-value": ["z"]},
    )
    contact.refresh_from_db()
    assert contact.metadata == {"keep": "z"}
    member_client.post(f"/dashboard/contacts/{contact.pk}/edit", {"msisdn": contact.msisdn})
    contact.refresh_from_db()
    assert contact.metadata == {}


def test_delete_refused_while_the_contact_is_in_a_callout(member_client, account):
    contact = factories.ContactFactory(account=account)
    factories.CalloutParticipationFactory(callout__account=account, contact=contact)
    response = member_client.post(f"/dashboard/contacts/{contact.pk}/delete", follow=True)
    assert "could not be deleted" in response.content.decode()
    assert Contact.objects.filter(pk=contact.pk).exists()
    lonely = factories.ContactFactory(account=account)
    assert member_client.get(f"/dashboard/contacts/{lonely.pk}/delete").status_code == 405
    member_client.post(f"/dashboard/contacts/{lonely.pk}/delete")
    assert not Contact.objects.filter(pk=lonely.pk).exists()


def test_other_accounts_contacts_are_not_found(other_client, account):
    contact = factories.ContactFactory(account=account)
    for url in (f"/dashboard/contacts/{contact.pk}", f"/dashboard/contacts/{contact.pk}/edit"):
        assert other_client.get(url).status_code == 404
    assert other_client.post(f"/dashboard/contacts/{contact.pk}/delete").status_code == 404
    assert (
        other_client.post(f"/dashboard/contacts/{contact.pk}/edit", {"msisdn": "+85512345678"}).status_code
        == 404
    )
    contact.refresh_from_db()
    assert Contact.objects.filter(pk=contact.pk).exists()
    assert contact.msisdn not in other_client.get("/dashboard/contacts/export.csv").getvalue().decode()


def test_forms_are_protected_against_csrf(member_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member_user)
    assert client.post("/dashboard/contacts/new", {"msisdn": "+85512345678"}).status_code == 403


def test_import_previews_then_upserts_by_phone_number(member_client, account):
    existing = factories.ContactFactory(
        account=account, msisdn="+855972345601", metadata={"name": "Old", "x": "1"}
    )
    text = (
        "msisdn,name,location:province\n"
        "+855972345601,Sok,Kandal\n"  # updates the existing contact, merging metadata
        "+855972345602,Dara,Takeo\n"
        "not a number,Bad,\n"
        "+855972345602,Twice,\n"
        ",Missing,\n"
    )
    preview = member_client.post("/dashboard/contacts/import", {"file": csv_upload(text)})
    page = preview.content.decode()
    assert preview.status_code == 200
    assert "2 rows can be imported (1 new contacts, 1 updates); 3 rows have problems" in page
    assert "“not a number” is not a valid phone number." in page
    assert "Same phone number as line 3." in page
    assert "Phone number is missing." in page
    assert Contact.objects.filter(account=account).count() == 1  # nothing written by the preview
    token = preview.context["token"]
    response = member_client.post("/dashboard/contacts/import/confirm", {"token": token}, follow=True)
    assert "Import finished: 1 created, 1 updated, 3 rows skipped." in response.content.decode()
    existing.refresh_from_db()
    assert existing.metadata == {"name": "Sok", "x": "1", "location": {"province": "Kandal"}}
    assert Contact.objects.get(account=account, msisdn="+855972345602").metadata == {
        "name": "Dara",
        "location": {"province": "Takeo"},
    }
    # The stored upload is gone: confirming again is refused.
    again = member_client.post("/dashboard/contacts/import/confirm", {"token": token}, follow=True)
    assert "expired or is not valid" in again.content.decode()


def test_import_refuses_files_without_a_phone_column_or_not_text(member_client):
    no_phone = member_client.post("/dashboard/contacts/import", {"file": csv_upload("name,age\nA,1\n")})
    assert no_phone.status_code == 422 and "No phone number column" in no_phone.content.decode()
    binary = SimpleUploadedFile("x.csv", b"\xff\xfe\x00\x81", content_type="text/csv")
    assert member_client.post("/dashboard/contacts/import", {"file": binary}).status_code == 422
    assert member_client.post("/dashboard/contacts/import", {}).status_code == 422


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("msisdn,name\n+855972345601,Da\x00ra\n", "not UTF-8 text"),  # PostgreSQL stores no NUL
        ("msisdn,na\x00me\n+855972345601,Dara\n", "not UTF-8 text"),
        ("msisdn," + ":".join(["a"] * 3000) + "\n+855972345601,x\n", "nests more than 100 levels deep"),
    ],
)
def test_import_refuses_what_cannot_be_stored(member_client, account, text, message):
    response = member_client.post("/dashboard/contacts/import", {"file": csv_upload(text)})
    assert response.status_code == 422 and message in response.content.decode()
    assert not Contact.objects.filter(account=account).exists()


def test_another_account_cannot_confirm_someone_elses_import(member_client, other_client, other_account):
    preview = member_client.post(
        "/dashboard/contacts/import", {"file": csv_upload("msisdn\n+855972345603\n")}
    )
    response = other_client.post("/dashboard/contacts/import/confirm", {"token": preview.context["token"]})
    assert response.status_code == 302
    assert not Contact.objects.filter(account=other_account).exists()
    tampered = member_client.post(
        "/dashboard/contacts/import/confirm", {"token": "x" + preview.context["token"]}
    )
    assert tampered.status_code == 302 and not Contact.objects.exists()


def test_import_accepts_semicolons_and_a_phone_number_header(member_client, account):
    text = "\ufeffPhone_Number;gender\n+855972345604;f\n+855972345605;m\n"
    preview = member_client.post("/dashboard/contacts/import", {"file": csv_upload(text)})
    member_client.post("/dashboard/contacts/import/confirm", {"token": preview.context["token"]})
    assert sorted(Contact.objects.filter(account=account).values_list("metadata__gender", flat=True)) == [
        "f",
        "m",
    ]


def test_export_follows_the_current_filter_with_one_column_per_metadata_key(member_client, account):
    factories.ContactFactory(
        account=account, msisdn="+855972345606", metadata={"gender": "f", "loc": {"p": "K"}}
    )
    factories.ContactFactory(account=account, msisdn="+855972345607", metadata={"gender": "m"})
    response = member_client.get("/dashboard/contacts/export.csv?q[metadata][gender]=f")
    assert response["Content-Type"].startswith("text/csv")
    text = response.getvalue().decode()  # a streamed body can be read once
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(row["msisdn"], row["gender"], row["loc:p"]) for row in rows] == [("+855972345606", "f", "K")]
    # An export re-imports as it is.
    preview = member_client.post("/dashboard/contacts/import", {"file": csv_upload(text)})
    assert preview.context["existing"] == 1
    assert preview.context["parsed"].metadata_columns == ["gender", "loc:p"]


def test_import_stores_any_script_as_ascii_and_refuses_extensions(member_client, account):
    text = "msisdn,name\n+٨٥٥٩٧٢٣٤٥٦٠١,Dara\n+855972345602 ext. 5,Sok\n"
    preview = member_client.post("/dashboard/contacts/import", {"file": csv_upload(text)})
    content = preview.content.decode()
    assert "+855972345601" in content
    assert "has an extension" in content
