"""Dashboard: phone calls list (status and other filters) and detail."""

import pytest
from django.urls import reverse

from scfm.calls.states import PhoneCallStatus
from tests import factories

pytestmark = pytest.mark.django_db

LIST = reverse("dashboard:phone_calls")


@pytest.fixture
def phone_call(account):
    return factories.PhoneCallFactory(
        callout_participation__callout__account=account,
        status=PhoneCallStatus.COMPLETED,
        remote_call_id="CA123",
        remote_status="completed",
        remote_direction="outbound-api",
        remote_response={"sid": "CA123", "status": "completed"},
        remote_queue_response={"queued": True},
        duration=42,
    )


def detail_url(phone_call):
    return reverse("dashboard:phone_call_detail", args=[phone_call.pk])


def ids(response):
    return [item.pk for item in response.context["page"].items]


def test_list_shows_the_accounts_calls_newest_first(member_client, account, other_account, phone_call):
    newer = factories.PhoneCallFactory(callout_participation__callout__account=account)
    foreign = factories.PhoneCallFactory(callout_participation__callout__account=other_account)

    response = member_client.get(LIST)

    assert response.status_code == 200
    assert ids(response) == [newer.pk, phone_call.pk]
    assert foreign.pk not in ids(response)
    assert "42 seconds" in response.content.decode()


def test_status_filter_offers_all_and_every_status(member_client, phone_call):
    content = member_client.get(LIST).content.decode()

    assert '<option value="">All</option>' in content
    for status in PhoneCallStatus.values:
        assert f'<option value="{status}"' in content


def test_status_filter_works(member_client, account, phone_call):
    failed = factories.PhoneCallFactory(
        callout_participation__callout__account=account, status=PhoneCallStatus.FAILED
    )

    completed_only = member_client.get(LIST, {"q[status]": "completed"})
    failed_only = member_client.get(LIST, {"q[status]": "failed"})

    assert ids(completed_only) == [phone_call.pk]
    assert ids(failed_only) == [failed.pk]
    assert '<option value="failed" selected>' in failed_only.content.decode()


def test_choosing_all_statuses_drops_the_filter(member_client, phone_call):
    response = member_client.get(LIST + "?q[status]=&q[msisdn]=")

    assert ids(response) == [phone_call.pk]


def test_other_filters_work(member_client, account, phone_call):
    other = factories.PhoneCallFactory(callout_participation__callout__account=account)

    assert ids(member_client.get(LIST, {"q[callout_id]": phone_call.callout_id})) == [phone_call.pk]
    assert ids(member_client.get(LIST, {"q[contact_id]": other.contact_id})) == [other.pk]
    participation_filter = {"q[callout_participation_id]": phone_call.callout_participation_id}
    assert ids(member_client.get(LIST, participation_filter)) == [phone_call.pk]
    assert ids(member_client.get(LIST, {"q[msisdn]": other.msisdn})) == [other.pk]


def test_list_query_count_does_not_grow_with_rows(member_client, account, django_assert_max_num_queries):
    participation = factories.CalloutParticipationFactory(callout__account=account)
    factories.PhoneCallFactory.create_batch(30, callout_participation=participation)

    with django_assert_max_num_queries(5):
        response = member_client.get(LIST)

    assert len(response.context["page"].items) == 25


def test_detail_shows_remote_fields_and_links(member_client, phone_call):
    event = factories.RemotePhoneCallEventFactory(phone_call=phone_call)

    response = member_client.get(detail_url(phone_call))

    assert response.status_code == 200
    content = response.content.decode()
    assert reverse("dashboard:callout_detail", args=[phone_call.callout_id]) in content
    assert reverse("dashboard:participation_detail", args=[phone_call.callout_participation_id]) in content
    assert reverse("dashboard:contact_detail", args=[phone_call.contact_id]) in content
    assert reverse("dashboard:event_detail", args=[event.pk]) in content
    assert f"{reverse('dashboard:events')}?q[phone_call_id]={phone_call.pk}" in content
    assert "CA123" in content and "outbound-api" in content
    assert "&quot;sid&quot;: &quot;CA123&quot;,\n  &quot;status&quot;" in content  # pretty-printed JSON


def test_detail_query_count_is_fixed(member_client, phone_call, django_assert_max_num_queries):
    factories.RemotePhoneCallEventFactory.create_batch(12, phone_call=phone_call)

    factories.RecordingFactory.create_batch(3, phone_call=phone_call)

    # The sixth query reads the call's recordings, each shown with its player.
    with django_assert_max_num_queries(6):
        response = member_client.get(detail_url(phone_call))

    assert len(response.context["events"]) == 10


def test_other_accounts_get_404_and_an_empty_list(other_client, phone_call):
    assert other_client.get(detail_url(phone_call)).status_code == 404
    assert other_client.get(LIST).context["page"].items == []


def test_anonymous_visitors_are_sent_to_sign_in(client, phone_call):
    for url in (LIST, detail_url(phone_call)):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith("/users/sign_in")
