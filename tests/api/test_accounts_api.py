import pytest

from scfm.accounts.models import Account
from tests import factories

pytestmark = pytest.mark.django_db

ACCOUNT_KEYS = [
    "id",
    "metadata",
    "settings",
    "twilio_account_sid",
    "somleng_account_sid",
    "twilio_auth_token",
    "somleng_auth_token",
    "permissions",
    "created_at",
    "updated_at",
    "call_flow_logic",
    "platform_provider_name",
    "somleng_api_host",
    "somleng_api_base_url",
    "phone_calls_count",
    "contacts_count",
]
DEFAULT_SETTINGS = {
    "from_phone_number": "1234",
    "phone_call_queue_limit": 200,
    "max_phone_calls_for_callout_participation": 3,
}


def test_retrieve_account_details(api):
    factories.ContactFactory(account=api.account)
    response = api.get("/api/account")
    assert response.status_code == 200
    assert response["Location"] == f"/api/accounts/{api.account.pk}"
    body = response.json()
    assert list(body) == ACCOUNT_KEYS
    assert body["settings"] == DEFAULT_SETTINGS
    assert body["permissions"] == []
    assert body["call_flow_logic"] == "CallFlowLogic::HelloWorld"
    assert body["contacts_count"] == 1 and body["phone_calls_count"] == 0


def test_update_account_details(api):
    response = api.patch(
        "/api/account", {"metadata": {"foo": "bar"}, "metadata_merge_mode": "replace"}, format="json"
    )
    assert response.status_code == 204
    assert response["Location"] == f"/api/accounts/{api.account.pk}"
    api.account.refresh_from_db()
    assert api.account.metadata == {"foo": "bar"}


def test_super_admin_creates_lists_updates_deletes_accounts(super_admin_api):
    response = super_admin_api.post("/api/accounts")
    assert response.status_code == 201
    body = response.json()
    assert response["Location"] == f"/api/accounts/{body['id']}"
    assert body["settings"] == DEFAULT_SETTINGS
    assert super_admin_api.get(f"/api/accounts/{body['id']}").status_code == 200

    settings = {"batch_operation_phone_call_queue_parameters": {"limit": "30"}}
    update = {
        "metadata": {"foo": "bar"},
        "metadata_merge_mode": "replace",
        "twilio_account_sid": "AC8",
        "somleng_account_sid": "fa855a55-4a3b-472a-b765-1454b621c69e",
        "twilio_auth_token": "t",
        "somleng_auth_token": "s",
        "call_flow_logic": "CallFlowLogic::HelloWorld",
        "platform_provider_name": "somleng",
        "settings": settings,
    }
    response = super_admin_api.patch(f"/api/accounts/{body['id']}", update, format="json")
    assert response.status_code == 204
    account = Account.objects.get(pk=body["id"])
    assert account.settings == settings
    # Missing keys still read as their defaults, so nothing downstream breaks.
    assert account.setting("from_phone_number") == "1234"
    assert account.int_setting("phone_call_queue_limit") == 200

    assert super_admin_api.get("/api/accounts?q[metadata][foo]=bar")["Total"] == "1"
    response = super_admin_api.delete(f"/api/accounts/{body['id']}")
    assert response.status_code == 204
    assert response["Location"] == "/api/accounts"


def test_delete_account_with_users_is_422(super_admin_api):
    user = factories.UserFactory()
    response = super_admin_api.delete(f"/api/accounts/{user.account_id}")
    assert response.status_code == 422
    assert response.json() == {"errors": {"base": ["Cannot delete record because dependent users exist"]}}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("platform_provider_name", "nexmo", "is not included in the list"),
        ("call_flow_logic", "CallFlowLogic::Nope", "is not included in the list"),
        ("metadata", ["x"], "is invalid"),
    ],
)
def test_invalid_account_update(api, field, value, message):
    response = api.patch("/api/account", {field: value}, format="json")
    assert response.status_code == 422
    assert response.json() == {"errors": {field: [message]}}


def test_account_sid_must_be_unique(api, other_account):
    other_account.twilio_account_sid = "AC123"
    other_account.save()
    response = api.patch("/api/account", {"twilio_account_sid": "ac123"}, format="json")
    assert response.status_code == 422
    assert response.json() == {"errors": {"twilio_account_sid": ["has already been taken"]}}
