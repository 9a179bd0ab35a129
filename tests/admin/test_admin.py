"""The staff admin at /admin/: read-mostly views over every account, search, filters, actions."""

import pytest
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from scfm.accounts.models import AccessToken, Account, User
from scfm.callouts.models import BatchOperation, Callout, CalloutParticipation
from scfm.calls.models import PhoneCall, RemotePhoneCallEvent
from scfm.contacts.models import Contact
from scfm.core.admin import LargeTablePaginator
from tests import factories

TWILIO_AUTH_TOKEN = "twilio-secret-token-ABCD"
SOMLENG_AUTH_TOKEN = "somleng-secret-token-WXYZ"
INVITATION_TOKEN = "invitation-secret-token-9876"

MODELS = [
    Account,
    User,
    AccessToken,
    Callout,
    BatchOperation,
    CalloutParticipation,
    Contact,
    PhoneCall,
    RemotePhoneCallEvent,
]


def changelist_url(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def change_url(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


@pytest.fixture
def staff(db):
    return User.objects.create_superuser("ops@example.com", "secret123")


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def data(db):
    account = factories.AccountFactory(
        platform_provider_name="twilio",
        twilio_account_sid="AC0123456789abcdef",
        twilio_auth_token=TWILIO_AUTH_TOKEN,
        somleng_auth_token=SOMLENG_AUTH_TOKEN,
        metadata={"name": "Ministry"},
    )
    user = factories.UserFactory(
        account=account,
        email="field.officer@example.org",
        role="admin",
        invitation_token=INVITATION_TOKEN,
    )
    token = factories.AccessTokenFactory(resource_owner=account, permissions=0b1001)
    callout = factories.CalloutFactory(account=account, created_by=user, status="running")
    population = factories.BatchOperationFactory(callout=callout)
    participation = factories.CalloutParticipationFactory(
        callout=callout,
        callout_population=population,
        contact=factories.ContactFactory(account=account, msisdn="+85512345678"),
    )
    phone_call = factories.PhoneCallFactory(
        callout_participation=participation, status="completed", remote_call_id="CA0000aaaa1111"
    )
    event = factories.RemotePhoneCallEventFactory(phone_call=phone_call, remote_call_id="CA0000aaaa1111")
    return {
        Account: account,
        User: user,
        AccessToken: token,
        Callout: callout,
        BatchOperation: population,
        CalloutParticipation: participation,
        Contact: participation.contact,
        PhoneCall: phone_call,
        RemotePhoneCallEvent: event,
    }


def result_ids(response):
    return {obj.pk for obj in response.context["cl"].result_list}


def test_site_header(staff_client):
    response = staff_client.get("/admin/")
    assert response.status_code == 200
    assert b"SCFM administration" in response.content


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_changelist_lists_records(staff_client, data, model):
    response = staff_client.get(changelist_url(model))
    assert response.status_code == 200
    assert data[model].pk in result_ids(response)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_change_page_shows_record(staff_client, data, model):
    response = staff_client.get(change_url(data[model]))
    assert response.status_code == 200
    assert response.context["original"] == data[model]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_nothing_can_be_added(staff_client, model):
    response = staff_client.get(changelist_url(model) + "add/")
    assert response.status_code == 403


@pytest.mark.parametrize("model", [m for m in MODELS if m not in (User, AccessToken)])
def test_records_are_view_only(staff_client, data, model):
    obj = data[model]
    response = staff_client.post(change_url(obj), {"metadata": "{}"})
    assert response.status_code == 403
    delete_url = change_url(obj).replace("/change/", "/delete/")
    assert staff_client.post(delete_url, {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=obj.pk).exists()


def test_non_staff_user_is_sent_to_login(client, data):
    client.force_login(data[User])  # an ordinary dashboard user
    for model in MODELS:
        response = client.get(changelist_url(model))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(changelist_url(PhoneCall))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


# --- search ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "term"),
    [
        (Contact, "+85512345678"),
        (Contact, "85512345678"),
        (CalloutParticipation, "85512345678"),
        (PhoneCall, "+85512345678"),
        (PhoneCall, "CA0000aaaa1111"),
        (RemotePhoneCallEvent, "CA0000aaaa1111"),
        (User, "field.officer"),
        (Account, "0123456789ABC"),  # part of the SID, any case
    ],
)
def test_search_finds_record(staff_client, data, model, term):
    factories.ContactFactory(msisdn="+85599999999")
    factories.PhoneCallFactory(remote_call_id="CAother")
    factories.UserFactory(email="someone.else@example.org")
    factories.AccountFactory(twilio_account_sid="ACffffffff")
    response = staff_client.get(changelist_url(model), {"q": term})
    assert response.status_code == 200
    assert result_ids(response) == {data[model].pk}


def test_search_by_id(staff_client, data):
    other = factories.PhoneCallFactory()
    response = staff_client.get(changelist_url(PhoneCall), {"q": str(other.pk)})
    assert result_ids(response) == {other.pk}


def test_access_tokens_search_by_account(staff_client, data):
    token = data[AccessToken]
    factories.AccessTokenFactory()
    term = token.resource_owner_id
    response = staff_client.get(changelist_url(AccessToken), {"q": str(term)})
    # A number matches a token id or an account id.
    expected = set(
        AccessToken.objects.filter(Q(pk=term) | Q(resource_owner_id=term)).values_list("pk", flat=True)
    )
    assert token.pk in result_ids(response)
    assert result_ids(response) == expected
    # Searching by a token value finds nothing: secrets are not search terms (they'd be logged).
    assert result_ids(staff_client.get(changelist_url(AccessToken), {"q": token.token})) == set()


@pytest.mark.parametrize("model", [Contact, Callout, BatchOperation, RemotePhoneCallEvent])
def test_search_with_no_match_is_empty(staff_client, data, model):
    response = staff_client.get(changelist_url(model), {"q": "no-such-thing"})
    assert response.status_code == 200
    assert result_ids(response) == set()


# --- filters --------------------------------------------------------------------------------------


def test_phone_call_status_and_provider_filters(staff_client, data):
    other = factories.PhoneCallFactory(status="failed")
    url = changelist_url(PhoneCall)
    assert result_ids(staff_client.get(url, {"status__exact": "completed"})) == {data[PhoneCall].pk}
    assert result_ids(staff_client.get(url, {"status__exact": "failed"})) == {other.pk}
    by_provider = staff_client.get(url, {"account__platform_provider_name__exact": "twilio"})
    assert result_ids(by_provider) == {data[PhoneCall].pk}


def test_filter_by_account_id_from_related_links(staff_client, data):
    factories.PhoneCallFactory()
    account = data[Account]
    response = staff_client.get(changelist_url(PhoneCall), {"account__id__exact": account.pk})
    assert result_ids(response) == {data[PhoneCall].pk}
    detail = staff_client.get(change_url(account)).content.decode()
    assert f"{changelist_url(PhoneCall)}?account__id__exact={account.pk}" in detail


def test_created_at_filter(staff_client, data):
    response = staff_client.get(changelist_url(Contact), {"created_at__gte": "2000-01-01 00:00:00+00:00"})
    assert data[Contact].pk in result_ids(response)
    response = staff_client.get(changelist_url(Contact), {"created_at__gte": "2999-01-01 00:00:00+00:00"})
    assert result_ids(response) == set()


def test_user_role_and_staff_filters(staff_client, data, staff):
    url = changelist_url(User)
    assert result_ids(staff_client.get(url, {"role__exact": "admin"})) == {data[User].pk}
    assert result_ids(staff_client.get(url, {"is_staff__exact": "1"})) == {staff.pk}


def test_super_admin_filter(staff_client, data):
    super_admin = factories.AccountFactory(permissions=1)
    url = changelist_url(Account)
    assert result_ids(staff_client.get(url, {"super_admin": "yes"})) == {super_admin.pk}
    assert super_admin.pk not in result_ids(staff_client.get(url, {"super_admin": "no"}))
    assert data[Account].pk in result_ids(staff_client.get(url, {"super_admin": "no"}))


def test_callout_status_filter(staff_client, data):
    factories.CalloutFactory(status="paused")
    response = staff_client.get(changelist_url(Callout), {"status__exact": "running"})
    assert result_ids(response) == {data[Callout].pk}


# --- super admin actions ---------------------------------------------------------------------------


def run_action(client, action, accounts):
    return client.post(
        changelist_url(Account),
        {"action": action, "_selected_action": [account.pk for account in accounts]},
    )


def test_grant_and_revoke_super_admin(staff_client, staff, db):
    # Bit 0 is super_admin; other bits must survive.
    plain = factories.AccountFactory(permissions=0b100)
    already = factories.AccountFactory(permissions=0b1)
    untouched = factories.AccountFactory(permissions=0)

    response = run_action(staff_client, "grant_super_admin", [plain, already])
    assert response.status_code == 302
    for account in (plain, already, untouched):
        account.refresh_from_db()
    assert plain.permissions == 0b101 and plain.is_super_admin
    assert already.permissions == 0b1
    assert untouched.permissions == 0
    assert LogEntry.objects.filter(object_id=str(plain.pk), change_message="Granted super admin").exists()
    assert not LogEntry.objects.filter(object_id=str(already.pk)).exists()  # it did not change

    run_action(staff_client, "revoke_super_admin", [plain, already])
    plain.refresh_from_db()
    already.refresh_from_db()
    assert plain.permissions == 0b100 and not plain.is_super_admin
    assert already.permissions == 0
    assert LogEntry.objects.filter(object_id=str(plain.pk), change_message="Revoked super admin").exists()


def test_permission_columns_are_readable(staff_client, data):
    factories.AccountFactory(permissions=1)
    accounts = staff_client.get(changelist_url(Account)).content.decode()
    assert "super_admin" in accounts
    tokens = staff_client.get(changelist_url(AccessToken)).content.decode()
    # 0b1001: bits 0 and 3
    assert "access_tokens_read, accounts_write" in tokens


# --- users ----------------------------------------------------------------------------------------


def test_staff_flags_and_role_are_editable_but_nothing_else(staff_client, data):
    user = data[User]
    response = staff_client.post(
        change_url(user),
        {
            "role": "member",
            "is_staff": "on",
            "is_active": "",
            "email": "changed@example.org",
            "locale": "km",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    user.refresh_from_db()
    assert user.role == "member"
    assert user.is_staff is True
    assert user.is_active is False
    assert user.email == "field.officer@example.org"
    assert user.locale == "en"


def test_user_page_shows_invitation_and_login_info(staff_client, data):
    content = staff_client.get(change_url(data[User])).content.decode()
    assert "Invitation sent at" in content
    assert "Last login" in content
    assert "Invited by" in content


# --- secrets --------------------------------------------------------------------------------------


def test_secrets_never_appear_in_lists(staff_client, data):
    secrets = [
        TWILIO_AUTH_TOKEN,
        SOMLENG_AUTH_TOKEN,
        INVITATION_TOKEN,
        data[AccessToken].token,
        data[User].password,
    ]
    for model in MODELS:
        content = staff_client.get(changelist_url(model)).content.decode()
        for secret in secrets:
            assert secret not in content


def test_secrets_masked_on_detail_pages(staff_client, data):
    account = staff_client.get(change_url(data[Account])).content.decode()
    assert TWILIO_AUTH_TOKEN not in account and SOMLENG_AUTH_TOKEN not in account
    assert "••••••••ABCD" in account and "••••••••WXYZ" in account

    token = data[AccessToken].token
    detail = staff_client.get(change_url(data[AccessToken])).content.decode()
    assert token not in detail
    assert f"••••••••{token[-4:]}" in detail

    user = staff_client.get(change_url(data[User])).content.decode()
    assert INVITATION_TOKEN not in user
    assert "••••••••9876" in user
    assert data[User].password not in user  # the password hash


def test_access_token_can_be_deleted(staff_client, data):
    token = data[AccessToken]
    response = staff_client.post(change_url(token).replace("/change/", "/delete/"), {"post": "yes"})
    assert response.status_code == 302
    assert not AccessToken.objects.filter(pk=token.pk).exists()


# --- query budgets --------------------------------------------------------------------------------

ROWS = 30
BUDGET = 12


def make_rows(n):
    account = factories.AccountFactory(platform_provider_name="somleng")
    for _ in range(n):
        user = factories.UserFactory(account=account, invited_by=None)
        factories.AccessTokenFactory(resource_owner=account)
        factories.AccountFactory()
        callout = factories.CalloutFactory(account=account, created_by=user)
        factories.BatchOperationFactory(callout=callout)
        event = factories.RemotePhoneCallEventFactory(phone_call__callout_participation__callout=callout)
        assert event.phone_call.account_id == account.pk


def count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_changelist_query_budget(staff_client, model, django_assert_max_num_queries):
    make_rows(1)
    url = changelist_url(model)
    few = count_queries(staff_client, url)
    make_rows(ROWS - 1)
    assert model.objects.count() >= ROWS
    with django_assert_max_num_queries(BUDGET):
        response = staff_client.get(url)
    assert len(response.context["cl"].result_list) >= ROWS
    assert count_queries(staff_client, url) == few  # no query per row


# --- large tables ----------------------------------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="estimates come from pg_class")
def test_unfiltered_big_list_uses_planner_estimate(data, monkeypatch):
    monkeypatch.setattr(LargeTablePaginator, "ESTIMATE_ABOVE", -1)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE phone_calls")
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'phone_calls'")
        estimate = cursor.fetchone()[0]
    with CaptureQueriesContext(connection) as ctx:
        count = LargeTablePaginator(PhoneCall.objects.order_by("-id"), 50).count
    assert count == estimate
    assert not any("COUNT(" in q["sql"].upper() for q in ctx.captured_queries)
    # A filtered list counts exactly.
    assert LargeTablePaginator(PhoneCall.objects.filter(status="completed").order_by("-id"), 50).count == 1


def test_small_or_filtered_lists_count_exactly(data):
    assert LargeTablePaginator(PhoneCall.objects.order_by("-id"), 50).count == 1


@pytest.mark.parametrize("model", [Contact, CalloutParticipation, PhoneCall, RemotePhoneCallEvent])
def test_big_lists_do_not_scan_for_filter_options_or_counts(staff_client, data, model):
    url = changelist_url(model)
    with CaptureQueriesContext(connection) as ctx:
        response = staff_client.get(url, {"_facets": "1"})  # facets asked for, and refused
    assert response.status_code == 200
    sql = [q["sql"].upper() for q in ctx.captured_queries]
    assert not any("DISTINCT" in s for s in sql)
    assert sum("COUNT(" in s for s in sql) <= 1  # the list's own count; no full-table or facet counts
    assert b"Show counts" not in response.content


def test_call_flow_logic_and_direction_filters(staff_client, data):
    event = data[RemotePhoneCallEvent]
    other = factories.RemotePhoneCallEventFactory(
        remote_direction="outbound-api", call_flow_logic="CallFlowLogic::PlayMessage"
    )
    url = changelist_url(RemotePhoneCallEvent)
    assert result_ids(staff_client.get(url, {"remote_direction": "inbound"})) == {event.pk}
    assert result_ids(staff_client.get(url, {"call_flow_logic": "CallFlowLogic::PlayMessage"})) == {other.pk}
    calls = staff_client.get(changelist_url(PhoneCall), {"call_flow_logic": "CallFlowLogic::HelloWorld"})
    assert result_ids(calls) == {event.phone_call_id, other.phone_call_id}
