import pytest

from scfm.callouts.models import CalloutParticipation
from scfm.callouts.populations import populate_callout
from scfm.calls.models import PhoneCall
from tests import factories

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture
def population(account):
    callout = factories.CalloutFactory(account=account, call_flow_logic="CallFlowLogic::PlayMessage")
    return factories.BatchOperationFactory(
        callout=callout,
        status="running",
        parameters={"contact_filter_params": {"metadata": {"gender": "f"}}},
    )


def test_adds_matching_contacts_with_a_first_call(population, account, other_account):
    women = [factories.ContactFactory(account=account, metadata={"gender": "f"}) for _ in range(3)]
    factories.ContactFactory(account=account, metadata={"gender": "m"})
    factories.ContactFactory(account=other_account, metadata={"gender": "f"})

    assert populate_callout(population=population) == 3

    participations = CalloutParticipation.objects.filter(callout=population.callout)
    assert sorted(p.contact_id for p in participations) == sorted(c.pk for c in women)
    for participation in participations:
        assert participation.callout_population_id == population.pk
        assert participation.msisdn == participation.contact.msisdn
        assert participation.call_flow_logic == "CallFlowLogic::PlayMessage"
        assert participation.phone_calls_count == 1
        assert participation.answered is False
        call = participation.phone_calls.get()
        assert (call.status, call.account_id, call.callout_id, call.msisdn) == (
            "created",
            account.pk,
            population.callout_id,
            participation.msisdn,
        )


def test_running_again_is_harmless(population, account):
    factories.ContactFactory(account=account, metadata={"gender": "f"})
    populate_callout(population=population)
    factories.ContactFactory(account=account, metadata={"gender": "f"})
    assert populate_callout(population=population) == 1
    assert CalloutParticipation.objects.count() == 2
    assert PhoneCall.objects.count() == 2


def test_skips_contacts_already_in_the_callout(population, account):
    existing = factories.CalloutParticipationFactory(
        callout=population.callout,
        contact=factories.ContactFactory(account=account, metadata={"gender": "f"}),
    )
    assert populate_callout(population=population) == 0
    assert existing.phone_calls.count() == 0  # only this population's participations get calls


def test_empty_filter_takes_every_contact_of_the_account(account):
    population = factories.BatchOperationFactory(callout__account=account, parameters={})
    factories.ContactFactory.create_batch(4, account=account)
    assert populate_callout(population=population) == 4


def test_a_contact_matched_twice_is_added_once(population, account, monkeypatch):
    """The fast way inserts without ON CONFLICT; a collision falls back to it, with the same result."""
    from scfm.callouts import populations
    from scfm.contacts.models import Contact

    contact = factories.ContactFactory(account=account, metadata={"gender": "f"})
    for _ in range(2):  # the join below yields the contact once per other callout
        factories.CalloutParticipationFactory(
            callout=factories.CalloutFactory(account=account), contact=contact, msisdn=contact.msisdn
        )
    monkeypatch.setattr(
        populations,
        "contacts_matching",
        lambda **kwargs: Contact.objects.filter(account=account, callout_participations__isnull=False),
    )
    assert populate_callout(population=population) == 1
    participation = CalloutParticipation.objects.get(callout=population.callout)
    assert participation.contact_id == contact.pk
    assert participation.phone_calls.count() == 1
