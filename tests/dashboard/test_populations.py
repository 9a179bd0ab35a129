"""Dashboard callout population pages: list, filter builder with live preview, queue, progress."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from scfm.callouts.models import BatchOperation, CalloutParticipation
from scfm.callouts.populations import populate_callout
from scfm.calls.models import PhoneCall
from tests import factories

SIGN_IN = "/users/sign_in"


@pytest.fixture
def callout(account):
    return factories.CalloutFactory(account=account)


@pytest.fixture
def contacts(account):
    """Five contacts: three women (ages 20, 35, 50), two men; one in Siem Reap."""
    people = [
        ("f", "20", {"country": "KH", "province": "PP"}),
        ("f", "35", {"country": "KH", "province": "SR"}),
        ("f", "50", {"country": "KH", "province": "PP"}),
        ("m", "41", {"country": "KH", "province": "PP"}),
        ("m", "18", {"country": "TH", "province": "BK"}),
    ]
    return [
        factories.ContactFactory(account=account, metadata={"gender": g, "age": a, "location": loc})
        for g, a, loc in people
    ]


def population(callout, metadata_filter=None, **fields):
    return factories.BatchOperationFactory(
        callout=callout,
        parameters={"contact_filter_params": {"metadata": metadata_filter or {}}},
        **fields,
    )


def builder(*rows):
    """POST data of the filter builder for rows of (key, operator, cast, value)."""
    return {
        "filter-key": [row[0] for row in rows],
        "filter-operator": [row[1] for row in rows],
        "filter-cast": [row[2] for row in rows],
        "filter-value": [row[3] for row in rows],
    }


def detail_url(item):
    return reverse("dashboard:population_detail", args=[item.pk])


# --- access -----------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in(client, callout):
    item = population(callout)
    for url in (
        reverse("dashboard:populations"),
        reverse("dashboard:population_new", args=[callout.pk]),
        detail_url(item),
        reverse("dashboard:population_edit", args=[item.pk]),
        reverse("dashboard:population_progress", args=[item.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(SIGN_IN)


def test_other_accounts_get_404(other_client, callout):
    item = population(callout)
    for url in (
        reverse("dashboard:population_new", args=[callout.pk]),
        detail_url(item),
        reverse("dashboard:population_edit", args=[item.pk]),
        reverse("dashboard:population_progress", args=[item.pk]),
    ):
        assert other_client.get(url).status_code == 404, url
    for url in (
        reverse("dashboard:population_preview", args=[callout.pk]),
        reverse("dashboard:population_new", args=[callout.pk]),
        reverse("dashboard:population_edit", args=[item.pk]),
        reverse("dashboard:population_queue", args=[item.pk]),
        reverse("dashboard:population_delete", args=[item.pk]),
    ):
        assert other_client.post(url, builder(("gender", "eq", "", "f"))).status_code == 404, url
    item.refresh_from_db()
    assert item.status == "preview"
    assert BatchOperation.objects.count() == 1


def test_preview_of_another_accounts_population_is_404(admin_client, other_account, callout):
    foreign = population(factories.CalloutFactory(account=other_account))

    response = admin_client.post(
        reverse("dashboard:population_preview", args=[callout.pk]), {"population": foreign.pk}
    )

    assert response.status_code == 404


@pytest.mark.parametrize("name", ["population_queue", "population_delete"])
def test_state_changes_are_post_only(admin_client, callout, name):
    item = population(callout)

    assert admin_client.get(reverse(f"dashboard:{name}", args=[item.pk])).status_code == 405
    item.refresh_from_db()
    assert item.status == "preview"


def test_preview_is_post_only(admin_client, callout):
    assert admin_client.get(reverse("dashboard:population_preview", args=[callout.pk])).status_code == 405


def test_post_without_csrf_token_is_refused(admin_user, callout):
    item = population(callout)
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)

    assert client.post(reverse("dashboard:population_queue", args=[item.pk])).status_code == 403
    assert client.post(reverse("dashboard:population_preview", args=[callout.pk])).status_code == 403
    item.refresh_from_db()
    assert item.status == "preview"


def test_members_use_every_page(member_client, callout, contacts):
    item = population(callout)
    for url in (
        reverse("dashboard:populations"),
        reverse("dashboard:population_new", args=[callout.pk]),
        detail_url(item),
        reverse("dashboard:population_edit", args=[item.pk]),
        reverse("dashboard:population_progress", args=[item.pk]),
    ):
        assert member_client.get(url).status_code == 200, url
    assert member_client.post(reverse("dashboard:population_queue", args=[item.pk])).status_code == 302
    item.refresh_from_db()
    assert item.status == "queued"


# --- list -------------------------------------------------------------------------------------------


def test_list_shows_the_accounts_populations(admin_client, callout, other_account, contacts):
    first = population(callout, status="finished")
    populate_callout(population=first)
    second = population(factories.CalloutFactory(account=callout.account))
    foreign = population(factories.CalloutFactory(account=other_account))

    response = admin_client.get(reverse("dashboard:populations"))

    assert response.status_code == 200
    items = response.context["page"].items
    assert [item.pk for item in items] == [second.pk, first.pk]  # newest first
    assert [item.participations_count for item in items] == [0, 5]
    html = response.content.decode()
    assert detail_url(foreign) not in html
    assert response.context["callout"] is None


def test_list_filters_by_callout_and_status(admin_client, callout):
    mine = population(callout)
    queued = population(callout, status="queued")
    population(factories.CalloutFactory(account=callout.account))

    response = admin_client.get(reverse("dashboard:populations"), {"q[callout_id]": callout.pk})
    assert [item.pk for item in response.context["page"].items] == [queued.pk, mine.pk]
    assert response.context["callout"] == callout
    assert reverse("dashboard:population_new", args=[callout.pk]) in response.content.decode()

    response = admin_client.get(
        reverse("dashboard:populations"), {"q[callout_id]": callout.pk, "q[status]": "preview"}
    )
    assert [item.pk for item in response.context["page"].items] == [mine.pk]


def test_list_does_not_offer_new_for_another_accounts_callout(admin_client, other_account, callout):
    foreign = factories.CalloutFactory(account=other_account)
    population(foreign)

    response = admin_client.get(reverse("dashboard:populations"), {"q[callout_id]": foreign.pk})

    assert response.context["callout"] is None
    assert response.context["page"].items == []


def test_list_queries_do_not_grow_with_rows(admin_client, callout, django_assert_max_num_queries):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            admin_client.get(reverse("dashboard:populations"), {"q[callout_id]": callout.pk})
        return len(captured)

    population(callout)
    few = queries()
    for _ in range(30):
        population(callout, status="finished")

    assert queries() == few
    # session, user, count, page (participation counts are subqueries), the callout of q[callout_id]
    with django_assert_max_num_queries(5):
        response = admin_client.get(reverse("dashboard:populations"), {"q[callout_id]": callout.pk})
    assert len(response.context["page"].items) == 25


# --- new, preview, create -----------------------------------------------------------------------------


def test_new_form_shows_the_builder_and_a_preview_of_every_contact(admin_client, callout, contacts):
    response = admin_client.get(reverse("dashboard:population_new", args=[callout.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="filter-key"' in html
    assert f'hx-post="{reverse("dashboard:population_preview", args=[callout.pk])}"' in html
    assert 'hx-target="#population-preview"' in html
    assert response.context["preview"]["count"] == 5


@pytest.mark.parametrize(
    "rows,expected",
    [
        ([("gender", "eq", "", "f")], [0, 1, 2]),
        ([("gender", "eq", "", "f"), ("age", "gteq", "numeric", "35")], [1, 2]),
        ([("location:province", "in", "", "PP, SR")], [0, 1, 2, 3]),
        ([("location:country", "eq", "", "TH")], [4]),
        ([("age", "lt", "numeric", "19")], [4]),
        ([("nickname", "exists", "", "true")], []),
        ([], [0, 1, 2, 3, 4]),
    ],
)
def test_preview_counts_and_samples_matching_contacts_without_writing(
    admin_client, callout, contacts, rows, expected
):
    before = (BatchOperation.objects.count(), CalloutParticipation.objects.count(), PhoneCall.objects.count())

    response = admin_client.post(
        reverse("dashboard:population_preview", args=[callout.pk]), builder(*rows), HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    preview = response.context["preview"]
    assert preview["count"] == len(expected)
    assert [c.pk for c in preview["sample"]] == [contacts[i].pk for i in expected]
    html = response.content.decode()
    assert "<html" not in html
    assert f"<strong data-preview-count>{len(expected)}</strong>" in html
    for index in expected:
        assert contacts[index].msisdn in html
    assert (
        BatchOperation.objects.count(),
        CalloutParticipation.objects.count(),
        PhoneCall.objects.count(),
    ) == before


def test_preview_sample_is_ten_contacts(admin_client, account, callout):
    for _ in range(12):
        factories.ContactFactory(account=account, metadata={"gender": "f"})
    factories.ContactFactory(account=factories.AccountFactory(), metadata={"gender": "f"})  # another account

    response = admin_client.post(
        reverse("dashboard:population_preview", args=[callout.pk]), builder(("gender", "eq", "", "f"))
    )

    assert response.context["preview"]["count"] == 12
    assert len(response.context["preview"]["sample"]) == 10


@pytest.mark.parametrize(
    "rows",
    [
        [("age", "gt", "numeric", "old")],
        [("born", "gteq", "date", "yesterday")],
        [("flag", "exists", "", "maybe")],
    ],
)
def test_preview_of_a_bad_filter_shows_a_message(admin_client, callout, contacts, rows):
    response = admin_client.post(reverse("dashboard:population_preview", args=[callout.pk]), builder(*rows))

    assert response.status_code == 200
    html = response.content.decode()
    assert "data-preview-error" in html
    assert "The filter is not valid" in html
    assert BatchOperation.objects.count() == 0


def test_create_population_in_preview(admin_client, callout, contacts):
    response = admin_client.post(
        reverse("dashboard:population_new", args=[callout.pk]),
        builder(
            ("gender", "eq", "", "f"), ("age", "gteq", "numeric", "30"), ("location:country", "eq", "", "KH")
        ),
    )

    item = BatchOperation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail_url(item)
    assert item.callout == callout
    assert item.account == callout.account
    assert item.status == "preview"
    assert item.parameters == {
        "contact_filter_params": {
            "metadata": {"gender": "f", "age.numeric.gteq": "30", "location": {"country": "KH"}}
        }
    }
    assert CalloutParticipation.objects.count() == 0


def test_create_with_a_bad_filter_is_refused(admin_client, callout, contacts):
    response = admin_client.post(
        reverse("dashboard:population_new", args=[callout.pk]), builder(("age", "gt", "numeric", "old"))
    )

    assert response.status_code == 422
    assert "The contact filter is not valid." in response.content.decode()
    assert BatchOperation.objects.count() == 0


# --- detail, progress, queue, edit, delete -------------------------------------------------------------


def test_detail_shows_status_filter_count_and_actions_while_preview(admin_client, callout, contacts):
    item = population(callout, {"gender": "f", "age.numeric.gteq": "30"})

    response = admin_client.get(detail_url(item))

    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["preview"]["count"] == 2
    assert "<strong data-preview-count>2</strong>" in html
    assert 'id="population-filter"' in html
    assert "gender" in html and "age" in html and "&quot;age.numeric.gteq&quot;: &quot;30&quot;" in html
    assert reverse("dashboard:population_queue", args=[item.pk]) in html
    assert reverse("dashboard:population_edit", args=[item.pk]) in html
    assert reverse("dashboard:population_delete", args=[item.pk]) in html
    assert reverse("dashboard:callout_detail", args=[callout.pk]) in html
    assert "hx-trigger" not in html  # nothing to poll before it is started


def test_queue_starts_the_population_once(admin_client, callout, contacts):
    item = population(callout)
    url = reverse("dashboard:population_queue", args=[item.pk])

    response = admin_client.post(url, follow=True)
    item.refresh_from_db()
    assert item.status == "queued"
    assert "Event was successfully created." in response.content.decode()

    response = admin_client.post(url, follow=True)
    item.refresh_from_db()
    assert item.status == "queued"
    assert "could not be started" in response.content.decode()


def test_queued_population_polls_its_progress_without_start_or_edit(admin_client, callout, contacts):
    item = population(callout, status="queued")
    progress_url = reverse("dashboard:population_progress", args=[item.pk])

    html = admin_client.get(detail_url(item)).content.decode()

    assert f'hx-get="{progress_url}" hx-trigger="every 2s"' in html
    assert reverse("dashboard:population_queue", args=[item.pk]) not in html
    assert reverse("dashboard:population_edit", args=[item.pk]) not in html

    item.status = "running"
    item.save()
    populate_callout(population=item)
    partial = admin_client.get(progress_url, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial
    assert 'hx-trigger="every 2s"' in partial
    assert "5 participations created so far." in partial


def test_finished_population_shows_its_participations_and_stops_polling(admin_client, callout, contacts):
    item = population(callout, {"gender": "f"}, status="finished")
    populate_callout(population=item)

    partial = admin_client.get(reverse("dashboard:population_progress", args=[item.pk])).content.decode()

    assert "hx-trigger" not in partial
    assert "3 participations were created." in partial
    assert f"{reverse('dashboard:participations')}?q[callout_population_id]={item.pk}" in partial


def test_edit_changes_the_filter_and_keeps_other_parameters(admin_client, callout, contacts):
    item = factories.BatchOperationFactory(
        callout=callout,
        parameters={
            "contact_filter_params": {"metadata": {"gender": "m"}, "msisdn": contacts[3].msisdn},
            "x": 1,
        },
    )

    form = admin_client.get(reverse("dashboard:population_edit", args=[item.pk]))
    assert form.status_code == 200
    assert 'value="gender"' in form.content.decode()
    assert form.context["preview"]["count"] == 1  # the msisdn condition counts too

    response = admin_client.post(
        reverse("dashboard:population_edit", args=[item.pk]), builder(("age", "gteq", "numeric", "40"))
    )

    assert response.status_code == 302
    item.refresh_from_db()
    assert item.parameters == {
        "contact_filter_params": {"metadata": {"age.numeric.gteq": "40"}, "msisdn": contacts[3].msisdn},
        "x": 1,
    }


def test_edit_preview_uses_the_populations_other_parameters(admin_client, callout, contacts):
    item = factories.BatchOperationFactory(
        callout=callout, parameters={"contact_filter_params": {"msisdn": contacts[0].msisdn}}
    )

    response = admin_client.post(
        reverse("dashboard:population_preview", args=[callout.pk]),
        {"population": item.pk, **builder(("gender", "eq", "", "f"))},
    )

    assert response.context["preview"]["count"] == 1


@pytest.mark.parametrize("status", ["queued", "running", "finished"])
def test_edit_only_while_preview(admin_client, callout, status):
    item = population(callout, {"gender": "f"}, status=status)

    response = admin_client.post(
        reverse("dashboard:population_edit", args=[item.pk]), builder(("gender", "eq", "", "m")), follow=True
    )

    item.refresh_from_db()
    assert item.parameters == {"contact_filter_params": {"metadata": {"gender": "f"}}}
    assert "can only be edited before it is started" in response.content.decode()


def test_delete_a_population_in_preview(admin_client, callout):
    item = population(callout)

    response = admin_client.post(reverse("dashboard:population_delete", args=[item.pk]))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('dashboard:populations')}?q[callout_id]={callout.pk}"
    assert not BatchOperation.objects.filter(pk=item.pk).exists()


def test_delete_a_population_with_participations_is_refused(admin_client, callout, contacts):
    item = population(callout, status="finished")
    populate_callout(population=item)

    response = admin_client.post(reverse("dashboard:population_delete", args=[item.pk]), follow=True)

    assert BatchOperation.objects.filter(pk=item.pk).exists()
    assert "could not be deleted" in response.content.decode()


def test_the_list_of_a_callout_id_beyond_any_id_is_just_empty(member_client, account):
    response = member_client.get("/dashboard/batch_operations?q[callout_id]=" + "9" * 5000)
    assert response.status_code == 200
