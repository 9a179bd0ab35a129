"""Dashboard: phone call events list and detail."""

import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db

LIST = reverse("dashboard:events")


@pytest.fixture
def event(account):
    return factories.RemotePhoneCallEventFactory(
        phone_call__callout_participation__callout__account=account,
        details={"CallStatus": "completed", "CallSid": "CA999"},
        call_duration=7,
    )


def detail_url(event):
    return reverse("dashboard:event_detail", args=[event.pk])


def ids(response):
    return [item.pk for item in response.context["page"].items]


def test_list_shows_the_accounts_events_newest_first(member_client, account, other_account, event):
    newer = factories.RemotePhoneCallEventFactory(phone_call=event.phone_call)
    foreign = factories.RemotePhoneCallEventFactory(
        phone_call__callout_participation__callout__account=other_account
    )

    response = member_client.get(LIST)

    assert response.status_code == 200
    assert ids(response) == [newer.pk, event.pk]
    assert foreign.pk not in ids(response)
    assert reverse("dashboard:phone_call_detail", args=[event.phone_call_id]) in response.content.decode()


def test_list_filters_by_phone_call(member_client, account, event):
    other = factories.RemotePhoneCallEventFactory(phone_call__callout_participation__callout__account=account)

    response = member_client.get(LIST, {"q[phone_call_id]": other.phone_call_id})

    assert ids(response) == [other.pk]


def test_blank_filters_are_dropped(member_client, event):
    response = member_client.get(LIST + "?q[phone_call_id]=")

    assert ids(response) == [event.pk]


def test_list_query_count_does_not_grow_with_rows(member_client, event, django_assert_max_num_queries):
    factories.RemotePhoneCallEventFactory.create_batch(30, phone_call=event.phone_call)

    with django_assert_max_num_queries(5):
        response = member_client.get(LIST)

    assert len(response.context["page"].items) == 25


def test_detail_shows_details_json_and_the_phone_call(member_client, event, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        response = member_client.get(detail_url(event))

    assert response.status_code == 200
    content = response.content.decode()
    assert reverse("dashboard:phone_call_detail", args=[event.phone_call_id]) in content
    assert "&quot;CallSid&quot;: &quot;CA999&quot;,\n  &quot;CallStatus&quot;" in content
    assert "7 seconds" in content


def test_other_accounts_get_404_and_an_empty_list(other_client, event):
    assert other_client.get(detail_url(event)).status_code == 404
    assert other_client.get(LIST).context["page"].items == []


def test_anonymous_visitors_are_sent_to_sign_in(client, event):
    for url in (LIST, detail_url(event)):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith("/users/sign_in")
