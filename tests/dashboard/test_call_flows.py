"""Dashboard: call flows list, the JSON editor with its errors, and the "try it" dry run."""

import json
import re
from html import unescape

import pytest
from django.urls import reverse

from scfm.callouts import call_flows
from scfm.callouts.models import CallFlow, Callout
from scfm.contacts.models import Contact
from tests import factories

pytestmark = pytest.mark.django_db

MENU = {
    "start": "ask",
    "steps": [
        {
            "id": "ask",
            "type": "gather",
            "prompts": [{"type": "say", "text": "Press 1"}],
            "branches": {"1": "save"},
        },
        {"id": "save", "type": "set_metadata", "values": {"pressed": "one"}, "next": "bye"},
        {"id": "bye", "type": "say", "text": "Thanks"},
    ],
}


@pytest.fixture
def call_flow(account):
    return call_flows.create_call_flow(account=account, data={"name": "Menu", "document": MENU})


def test_the_list_shows_only_the_accounts_flows(member_client, call_flow, other_account):
    call_flows.create_call_flow(account=other_account, data={"name": "Foreign", "document": MENU})
    page = member_client.get(reverse("dashboard:call_flows")).content.decode()
    assert "Menu" in page
    assert "Foreign" not in page


def test_create_from_the_editor(member_client, account):
    response = member_client.post(
        reverse("dashboard:call_flow_new"), {"name": "Menu", "document": json.dumps(MENU)}
    )
    call_flow = CallFlow.objects.get(account=account)
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:call_flow_detail", args=[call_flow.pk])


def test_a_syntax_error_shows_its_line_and_column(member_client):
    response = member_client.post(
        reverse("dashboard:call_flow_new"), {"name": "Menu", "document": '{\n  "start": }'}
    )
    assert response.status_code == 200
    assert "line 2, column 12: Expecting value" in response.content.decode()
    assert not CallFlow.objects.exists()


def test_language_errors_show_their_json_pointer(member_client, call_flow):
    broken = {**MENU, "steps": [*MENU["steps"][:2], {"id": "bye", "type": "say"}]}
    url = reverse("dashboard:call_flow_detail", args=[call_flow.pk])
    page = unescape(
        member_client.post(url, {"name": "Menu", "document": json.dumps(broken)}).content.decode()
    )
    assert "#/steps/2: 'text' is a required property" in page
    call_flow.refresh_from_db()
    assert call_flow.version == 1


def test_saving_a_changed_document_makes_a_version(member_client, call_flow):
    changed = {**MENU, "steps": [*MENU["steps"][:2], {"id": "bye", "type": "say", "text": "Bye"}]}
    url = reverse("dashboard:call_flow_detail", args=[call_flow.pk])
    assert member_client.post(url, {"name": "Menu", "document": json.dumps(changed)}).status_code == 302
    call_flow.refresh_from_db()
    assert call_flow.version == 2
    assert '"text": "Bye"' in unescape(member_client.get(url).content.decode())


def test_the_laos_example_prefills_the_editor(member_client):
    page = unescape(
        member_client.get(reverse("dashboard:call_flow_new") + "?example=ews_laos").content.decode()
    )
    assert '"id": "districts_16"' in page


def _twiml(page: str) -> str:
    return unescape(re.search(r'<pre id="twiml"><code>(.*?)</code></pre>', page, re.S).group(1))


def _state(page: str) -> str:
    return unescape(re.search(r'name="call_state" value="([^"]*)"', page).group(1))


def test_try_it_walks_the_flow_without_writing_the_contact(member_client, account, call_flow):
    contact = factories.ContactFactory(account=account, metadata={"name": "Dara"})
    url = reverse("dashboard:call_flow_try", args=[call_flow.pk])
    first = member_client.get(url).content.decode()
    assert '<Gather actionOnEmptyResult="true"><Say>Press 1</Say></Gather>' in _twiml(first)
    second = member_client.post(
        url, {"call_state": _state(first), "digits": "1", "contact_metadata": json.dumps(contact.metadata)}
    ).content.decode()
    assert "<Say>Thanks</Say>" in _twiml(second)
    assert "The call has ended." in second
    assert '"pressed": "one"' in unescape(second)
    assert Contact.objects.get(pk=contact.pk).metadata == {"name": "Dara"}


def test_another_accounts_flow_is_not_found(member_client, other_account):
    foreign = call_flows.create_call_flow(account=other_account, data={"name": "Foreign", "document": MENU})
    assert member_client.get(reverse("dashboard:call_flow_detail", args=[foreign.pk])).status_code == 404
    assert member_client.get(reverse("dashboard:call_flow_try", args=[foreign.pk])).status_code == 404


def test_a_callout_runs_a_call_flow_chosen_in_its_form(member_client, account, call_flow):
    page = member_client.get(reverse("dashboard:callout_new")).content.decode()
    assert f'value="call_flow:{call_flow.pk}"' in page
    response = member_client.post(
        reverse("dashboard:callout_new"), {"call_flow_logic": f"call_flow:{call_flow.pk}"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    callout = Callout.objects.get(account=account)
    assert (callout.call_flow_logic, callout.call_flow_id) == ("CallFlowLogic::DataFlow", call_flow.pk)
    edit = member_client.get(reverse("dashboard:callout_edit", args=[callout.pk])).content.decode()
    assert f'value="call_flow:{call_flow.pk}" checked' in edit
