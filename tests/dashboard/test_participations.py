"""Dashboard: callout participations list, detail and delete."""

import pytest
from django.test import Client
from django.urls import reverse

from scfm.callouts.models import CalloutParticipation
from tests import factories

pytestmark = pytest.mark.django_db

LIST = reverse("dashboard:participations")


@pytest.fixture
def participation(account):
    callout = factories.CalloutFactory(account=account)
    population = factories.BatchOperationFactory(callout=callout)
    return factories.CalloutParticipationFactory(callout=callout, callout_population=population)


def detail_url(participation):
    return reverse("dashboard:participation_detail", args=[participation.pk])


def delete_url(participation):
    return reverse("dashboard:participation_delete", args=[participation.pk])


def test_list_shows_the_accounts_participations_newest_first(member_client, account, other_account):
    older = factories.CalloutParticipationFactory(callout__account=account)
    newer = factories.CalloutParticipationFactory(callout__account=account)
    foreign = factories.CalloutParticipationFactory(callout__account=other_account)

    response = member_client.get(LIST)

    assert response.status_code == 200
    ids = [item.pk for item in response.context["page"].items]
    assert ids == [newer.pk, older.pk]
    assert foreign.pk not in ids
    content = response.content.decode()
    assert older.msisdn in content and foreign.msisdn not in content


def test_list_filters_as_the_api_does(member_client, account):
    first = factories.CalloutParticipationFactory(callout__account=account)
    second = factories.CalloutParticipationFactory(callout__account=account)

    by_callout = member_client.get(LIST, {"q[callout_id]": first.callout_id})
    by_contact = member_client.get(LIST, {"q[contact_id]": second.contact_id})
    by_msisdn = member_client.get(LIST, {"q[msisdn]": second.msisdn})

    assert [p.pk for p in by_callout.context["page"].items] == [first.pk]
    assert [p.pk for p in by_contact.context["page"].items] == [second.pk]
    assert [p.pk for p in by_msisdn.context["page"].items] == [second.pk]


def test_list_filters_by_population(member_client, participation, account):
    factories.CalloutParticipationFactory(callout=participation.callout)

    response = member_client.get(LIST, {"q[callout_population_id]": participation.callout_population_id})

    assert [p.pk for p in response.context["page"].items] == [participation.pk]


def test_blank_filter_fields_are_dropped_not_matched(member_client, participation):
    response = member_client.get(LIST + "?q[msisdn]=&q[callout_id]=&page=1")

    assert response.status_code == 200
    assert [p.pk for p in response.context["page"].items] == [participation.pk]


def test_malformed_filter_shows_a_message_not_an_error(member_client, participation):
    response = member_client.get(LIST, {"q[callout_id]": "abc"})

    assert response.status_code == 200
    assert response.context["page"].items == []
    assert "not a valid integer" in response.content.decode()


def test_list_is_paginated(member_client, account):
    callout = factories.CalloutFactory(account=account)
    factories.CalloutParticipationFactory.create_batch(27, callout=callout)

    first = member_client.get(LIST)
    second = member_client.get(LIST, {"page": 2})

    assert len(first.context["page"].items) == 25
    assert len(second.context["page"].items) == 2
    assert first.context["page"].total == 27


def test_list_query_count_does_not_grow_with_rows(member_client, account, django_assert_max_num_queries):
    callout = factories.CalloutFactory(account=account)
    population = factories.BatchOperationFactory(callout=callout)
    factories.CalloutParticipationFactory.create_batch(30, callout=callout, callout_population=population)

    with django_assert_max_num_queries(5):
        response = member_client.get(LIST)

    assert len(response.context["page"].items) == 25


def test_detail_links_to_its_neighbours(member_client, participation):
    phone_call = factories.PhoneCallFactory(callout_participation=participation)

    response = member_client.get(detail_url(participation))

    assert response.status_code == 200
    content = response.content.decode()
    assert reverse("dashboard:callout_detail", args=[participation.callout_id]) in content
    assert reverse("dashboard:contact_detail", args=[participation.contact_id]) in content
    assert reverse("dashboard:population_detail", args=[participation.callout_population_id]) in content
    assert reverse("dashboard:phone_call_detail", args=[phone_call.pk]) in content
    assert f"{reverse('dashboard:phone_calls')}?q[callout_participation_id]={participation.pk}" in content


def test_detail_query_count_is_fixed(member_client, participation, django_assert_max_num_queries):
    factories.PhoneCallFactory.create_batch(12, callout_participation=participation)

    with django_assert_max_num_queries(5):
        response = member_client.get(detail_url(participation))

    assert len(response.context["phone_calls"]) == 10


def test_delete_removes_a_participation_without_calls(member_client, participation):
    response = member_client.post(delete_url(participation))

    assert response.status_code == 302
    assert response.url == LIST
    assert not CalloutParticipation.objects.filter(pk=participation.pk).exists()


def test_delete_refuses_a_participation_with_calls(member_client, participation):
    factories.PhoneCallFactory(callout_participation=participation)

    response = member_client.post(delete_url(participation), follow=True)

    assert CalloutParticipation.objects.filter(pk=participation.pk).exists()
    assert "could not be deleted" in response.content.decode()


def test_delete_is_post_only(member_client, participation):
    assert member_client.get(delete_url(participation)).status_code == 405


def test_delete_needs_the_csrf_token(member_user, participation):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member_user)

    assert client.post(delete_url(participation)).status_code == 403
    assert CalloutParticipation.objects.filter(pk=participation.pk).exists()


def test_other_accounts_cannot_see_or_delete(other_client, participation):
    assert other_client.get(detail_url(participation)).status_code == 404
    assert other_client.post(delete_url(participation)).status_code == 404
    assert other_client.get(LIST).context["page"].items == []
    assert CalloutParticipation.objects.filter(pk=participation.pk).exists()


def test_anonymous_visitors_are_sent_to_sign_in(client, participation):
    for url in (LIST, detail_url(participation)):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith("/users/sign_in")
    assert client.post(delete_url(participation)).url.startswith("/users/sign_in")
