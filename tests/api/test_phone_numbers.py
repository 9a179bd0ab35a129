"""One number, one contact: digits in any script are stored as ASCII E.164, extensions are refused.

`+٨٥٥٩٧٢٣٤٥٦٧٨` (Arabic-Indic digits) and its full-width form were stored as written, as contacts
apart from `+855972345678`, and the engine dialed `To=+٨٥٥…`; `+85512345679 ext. 5` was stored as
`+855123456795`, somebody else's number.
"""

import pytest

from scfm.callouts.models import CalloutParticipation
from scfm.contacts.models import Contact
from scfm.contacts.msisdn import has_extension, normalize_msisdn
from tests import factories

pytestmark = pytest.mark.django_db

ASCII = "+855972345678"
ARABIC_INDIC = "+٨٥٥٩٧٢٣٤٥٦٧٨"
EXTENDED_ARABIC_INDIC = "+۸۵۵۹۷۲۳۴۵۶۷۸"  # Persian/Urdu forms
FULL_WIDTH = "＋８５５９７２３４５６７８"
EXTENSIONS = [
    "+85512345679 ext. 5",
    "+85512345679 extension 5",
    "+85512345679x5",
    "+85512345679;ext=5",
    "+85512345679#5",
    "+85512345679,,5",
]


@pytest.mark.parametrize("written", [ARABIC_INDIC, EXTENDED_ARABIC_INDIC, FULL_WIDTH, "+855 (97) 234-5678"])
def test_digits_of_any_script_are_one_ascii_number(written):
    assert normalize_msisdn(written) == ASCII
    assert not has_extension(written)


@pytest.mark.parametrize("written", EXTENSIONS)
def test_extensions_are_recognised(written):
    assert has_extension(written)


@pytest.mark.parametrize("written", [ARABIC_INDIC, FULL_WIDTH])
def test_a_contact_written_in_another_script_is_the_same_contact(api, written):
    response = api.post("/api/contacts", {"msisdn": written, "metadata": {"a": "1"}}, format="json")
    assert response.status_code == 201
    assert response.json()["msisdn"] == ASCII
    again = api.post("/api/contacts", {"msisdn": ASCII, "metadata": {"a": "2"}}, format="json")
    assert (again.status_code, again.json()) == (422, {"errors": {"msisdn": ["must be unique"]}})
    assert api.get("/api/contacts", {"q[msisdn]": written}).json()[0]["msisdn"] == ASCII
    upsert = api.post("/api/contact_data", {"msisdn": written, "metadata": {"b": "3"}}, format="json")
    assert upsert.status_code == 201
    assert list(Contact.objects.values_list("msisdn", "metadata")) == [(ASCII, {"a": "1", "b": "3"})]


@pytest.mark.parametrize("written", EXTENSIONS)
def test_a_number_with_an_extension_is_refused_everywhere(api, written):
    response = api.post("/api/contacts", {"msisdn": written, "metadata": {"a": "1"}}, format="json")
    assert (response.status_code, response.json()) == (
        422,
        {"errors": {"msisdn": ["must not have an extension"]}},
    )
    contact = factories.ContactFactory(account=api.account, msisdn=ASCII)
    response = api.patch(f"/api/contacts/{contact.pk}", {"msisdn": written}, format="json")
    assert response.status_code == 422
    response = api.post("/api/contact_data", {"msisdn": written}, format="json")
    assert (response.status_code, response.json()) == (
        422,
        {"errors": {"msisdn": ["must not have an extension"]}},
    )
    callout = factories.CalloutFactory(account=api.account)
    response = api.post(
        f"/api/callouts/{callout.pk}/callout_participations", {"msisdn": written}, format="json"
    )
    assert response.status_code == 422
    assert response.json()["errors"]["msisdn"] == ["must not have an extension"]
    assert list(Contact.objects.values_list("msisdn", flat=True)) == [ASCII]
    assert not CalloutParticipation.objects.exists()


def test_a_participation_number_in_another_script_is_dialed_as_ascii(api):
    contact = factories.ContactFactory(account=api.account, msisdn=ASCII)
    callout = factories.CalloutFactory(account=api.account)
    response = api.post(
        f"/api/callouts/{callout.pk}/callout_participations",
        {"contact_id": contact.pk, "msisdn": ARABIC_INDIC},
        format="json",
    )
    assert response.status_code == 201
    participation = CalloutParticipation.objects.get()
    assert (participation.contact_id, participation.msisdn) == (contact.pk, ASCII)
    assert participation.phone_calls.get().msisdn == ASCII
