"""Dashboard: account settings (admins only) — provider, masked credentials, calling pace, call flow."""

import pytest
from django.test import Client
from django.urls import reverse

from scfm.accounts.models import Account
from tests import factories

pytestmark = pytest.mark.django_db

URL = reverse("dashboard:account")


def form(**overrides) -> dict:
    """A complete submission as the page posts it, with blank secrets (keep the stored ones)."""
    data = {
        "platform_provider_name": "somleng",
        "twilio_account_sid": "",
        "twilio_auth_token": "",
        "somleng_account_sid": "SL-ACCOUNT",
        "somleng_auth_token": "",
        "somleng_api_host": "https://api.somleng.example",
        "somleng_api_base_url": "https://api.somleng.example/2010-04-01",
        "from_phone_number": "1294",
        "phone_call_queue_limit": "60",
        "max_phone_calls_for_callout_participation": "4",
        "phone_call_retry_delay_seconds": "300",
        "call_flow_logic": "CallFlowLogic::PlayMessage",
        "settings-key": [],
        "settings-value": [],
    }
    data.update(overrides)
    return data


@pytest.fixture
def configured(account):
    account.somleng_auth_token = "somleng-secret-ABCD"
    account.twilio_auth_token = "twilio-secret-WXYZ"
    account.settings = {
        "from_phone_number": "1234",
        "phone_call_queue_limit": 200,
        "max_phone_calls_for_callout_participation": 3,
        "rapidpro": {"api_token": "rp-token", "flow_id": "flow-1"},
        "answer_limit": 5,
        "tags": ["a", "b"],
    }
    account.save()
    return account


def test_page_shows_settings_with_secrets_masked(admin_client, configured):
    response = admin_client.get(URL)

    assert response.status_code == 200
    content = response.content.decode()
    assert "somleng-secret-ABCD" not in content and "twilio-secret-WXYZ" not in content
    assert "••••ABCD" in content and "••••WXYZ" in content
    assert 'name="somleng_auth_token_clear"' in content
    assert 'value="200"' in content  # calls per minute
    assert 'value="rapidpro:api_token"' in content and 'value="answer_limit"' in content
    assert "rp-token" not in content and "••••oken" in content  # credentials among other settings too
    assert 'name="settings-key" value="phone_call_queue_limit"' not in content  # has its own field
    assert "Play Message and Start RapidPro Flow" in content


def test_save_writes_fields_and_settings(admin_client, configured):
    response = admin_client.post(URL, form())

    assert response.status_code == 302
    account = Account.objects.get(pk=configured.pk)
    assert account.platform_provider_name == "somleng"
    assert account.somleng_account_sid == "SL-ACCOUNT"
    assert account.somleng_api_host == "https://api.somleng.example"
    assert account.call_flow_logic == "CallFlowLogic::PlayMessage"
    assert account.settings == {
        "from_phone_number": "1294",
        "phone_call_queue_limit": 60,
        "max_phone_calls_for_callout_participation": 4,
        "phone_call_retry_delay_seconds": 300,
    }  # no rows were posted, so the other settings were removed
    assert account.int_setting("phone_call_queue_limit") == 60


def test_blank_secrets_keep_the_stored_ones(admin_client, configured):
    admin_client.post(URL, form())

    account = Account.objects.get(pk=configured.pk)
    assert account.somleng_auth_token == "somleng-secret-ABCD"
    assert account.twilio_auth_token == "twilio-secret-WXYZ"


def test_a_new_secret_replaces_and_clear_removes(admin_client, configured):
    admin_client.post(URL, form(somleng_auth_token="new-secret-1234", twilio_auth_token_clear="1"))

    account = Account.objects.get(pk=configured.pk)
    assert account.somleng_auth_token == "new-secret-1234"
    assert account.twilio_auth_token is None
    assert "••••1234" in admin_client.get(URL).content.decode()


def test_unchanged_rows_keep_other_settings_as_stored(admin_client, configured):
    page = admin_client.get(URL)
    rows = page.context["rows"]

    admin_client.post(
        URL,
        form(**{"settings-key": [key for key, _ in rows], "settings-value": [value for _, value in rows]}),
    )

    settings = Account.objects.get(pk=configured.pk).settings
    assert settings["rapidpro"] == {"api_token": "rp-token", "flow_id": "flow-1"}
    assert settings["answer_limit"] == 5  # still a number
    assert settings["tags"] == ["a", "b"]  # still a list


def test_a_credential_row_takes_a_new_value_when_one_is_typed(admin_client, configured):
    admin_client.post(
        URL,
        form(
            **{"settings-key": ["rapidpro:api_token", "rapidpro:flow_id"], "settings-value": ["new-rp", "f"]}
        ),
    )

    assert Account.objects.get(pk=configured.pk).settings["rapidpro"] == {
        "api_token": "new-rp",
        "flow_id": "f",
    }


def test_rows_change_and_remove_other_settings(admin_client, configured):
    admin_client.post(
        URL, form(**{"settings-key": ["rapidpro:flow_id", "new_key"], "settings-value": ["flow-2", "x"]})
    )

    settings = Account.objects.get(pk=configured.pk).settings
    assert settings["rapidpro"] == {"flow_id": "flow-2"}
    assert settings["new_key"] == "x"
    assert "answer_limit" not in settings and "tags" not in settings


def test_blank_numbers_fall_back_to_the_defaults(admin_client, configured):
    admin_client.post(URL, form(phone_call_queue_limit="", phone_call_retry_delay_seconds=""))

    account = Account.objects.get(pk=configured.pk)
    assert "phone_call_queue_limit" not in account.settings
    assert account.int_setting("phone_call_queue_limit") == 200
    assert account.int_setting("phone_call_retry_delay_seconds") == 900


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("max_phone_calls_for_callout_participation", "11", "Attempts per participant"),
        ("max_phone_calls_for_callout_participation", "0", "from 1 to 10"),
        ("phone_call_queue_limit", "abc", "Calls per minute"),
        ("phone_call_queue_limit", "0", "must be a whole number"),
        ("phone_call_retry_delay_seconds", "-5", "Seconds between attempts"),
        ("call_flow_logic", "CallFlowLogic::Nope", "Choose one of the call flows"),
        ("platform_provider_name", "acme", "Choose Twilio or Somleng"),
        ("somleng_api_host", "h" * 256, "is too long"),
    ],
)
def test_invalid_values_are_refused_with_a_clear_message(admin_client, configured, field, value, message):
    response = admin_client.post(URL, form(**{field: value}, somleng_auth_token="typed-secret"))

    assert response.status_code == 422
    content = response.content.decode()
    assert message in content
    assert 'aria-invalid="true"' in content
    assert 'value="typed-secret"' in content  # what was typed is not lost
    account = Account.objects.get(pk=configured.pk)
    assert account.settings["phone_call_queue_limit"] == 200  # nothing was saved
    assert account.somleng_auth_token == "somleng-secret-ABCD"


def test_a_taken_account_sid_is_reported(admin_client, configured):
    factories.AccountFactory(somleng_account_sid="TAKEN")

    response = admin_client.post(URL, form(somleng_account_sid="taken"))

    assert response.status_code == 422
    assert "Somleng account SID" in response.content.decode()
    assert "has already been taken" in response.content.decode()
    assert Account.objects.get(pk=configured.pk).somleng_account_sid is None


def test_a_settings_row_cannot_shadow_a_field(admin_client, configured):
    response = admin_client.post(
        URL, form(**{"settings-key": ["phone_call_queue_limit"], "settings-value": ["5"]})
    )

    assert response.status_code == 422
    assert Account.objects.get(pk=configured.pk).settings["phone_call_queue_limit"] == 200


def test_page_query_count(admin_client, configured, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        assert admin_client.get(URL).status_code == 200


def test_post_needs_the_csrf_token(admin_user, configured):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)

    assert client.post(URL, form()).status_code == 403
    assert Account.objects.get(pk=configured.pk).platform_provider_name is None


def test_members_are_forbidden(member_client, configured):
    assert member_client.get(URL).status_code == 403
    assert member_client.post(URL, form()).status_code == 403
    assert Account.objects.get(pk=configured.pk).platform_provider_name is None


def test_each_admin_edits_only_their_own_account(other_client, other_account, configured):
    response = other_client.get(URL)
    assert "••••ABCD" not in response.content.decode()

    other_client.post(URL, form())

    assert Account.objects.get(pk=configured.pk).platform_provider_name is None
    assert Account.objects.get(pk=other_account.pk).platform_provider_name == "somleng"


def test_anonymous_visitors_are_sent_to_sign_in(client, configured):
    assert client.get(URL).url.startswith("/users/sign_in")
    assert client.post(URL, form()).url.startswith("/users/sign_in")
