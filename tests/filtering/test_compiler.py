"""Attribute, msisdn, timestamp, range and related-model filters, and what each resource accepts."""

import datetime as dt

import pytest

from scfm.accounts.models import AccessToken, Account, User
from scfm.callouts.models import BatchOperation, Callout, CalloutParticipation
from scfm.calls.models import PhoneCall, RemotePhoneCallEvent
from scfm.contacts.models import Contact
from scfm.core.errors import ValidationFailed
from scfm.filtering import specs
from scfm.filtering.compiler import apply_filters
from tests import factories

pytestmark = pytest.mark.django_db


def ids(queryset) -> set[int]:
    return set(queryset.values_list("id", flat=True))


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def errors_for(queryset, q, spec) -> list[str]:
    with pytest.raises(ValidationFailed) as failure:
        apply_filters(queryset, q, spec)
    return failure.value.errors["q"]


@pytest.mark.parametrize("q", [None, "status=running", ["status"], 3])
def test_q_that_is_not_a_hash_is_ignored(account, q):
    callout = factories.CalloutFactory(account=account)
    assert ids(apply_filters(Callout.objects.all(), q, specs.CALLOUT_FILTERS)) == {callout.id}


def test_unknown_keys_are_ignored(account):
    callout = factories.CalloutFactory(account=account)
    q = {"answered": "true", "remote_request_params": {"a": "b"}, "sort": "id", "msisdn": "1"}
    assert ids(apply_filters(Callout.objects.all(), q, specs.CALLOUT_FILTERS)) == {callout.id}


def test_exact_lists_split_on_commas_and_drop_blanks(account):
    running = factories.CalloutFactory(account=account, status="running")
    stopped = factories.CalloutFactory(account=account, status="stopped")
    factories.CalloutFactory(account=account, status="paused")
    callouts = Callout.objects.all()
    assert ids(apply_filters(callouts, {"status": " running , stopped,,"}, specs.CALLOUT_FILTERS)) == {
        running.id,
        stopped.id,
    }
    assert ids(apply_filters(callouts, {"status": ["running", "stopped"]}, specs.CALLOUT_FILTERS)) == {
        running.id,
        stopped.id,
    }
    assert ids(apply_filters(callouts, {"status": ""}, specs.CALLOUT_FILTERS)) == set()
    assert ids(apply_filters(callouts, {"status": " , "}, specs.CALLOUT_FILTERS)) == set()
    assert ids(apply_filters(callouts, {"status": None}, specs.CALLOUT_FILTERS)) == set()


def test_exact_lists_on_integer_columns(account):
    first, second = factories.CalloutFactory.create_batch(2, account=account)
    population = factories.BatchOperationFactory(callout=first)
    factories.BatchOperationFactory(callout=second)
    batch_operations = BatchOperation.objects.all()
    spec = specs.BATCH_OPERATION_FILTERS
    assert ids(apply_filters(batch_operations, {"callout_id": f"{first.id}"}, spec)) == {population.id}
    assert ids(apply_filters(batch_operations, {"callout_id": first.id}, spec)) == {population.id}
    assert ids(apply_filters(batch_operations, {"callout_id": "99999999999999999999999"}, spec)) == set()
    assert errors_for(batch_operations, {"callout_id": f"{first.id},abc"}, spec) == [
        "q[callout_id]: 'abc' is not a valid integer"
    ]


def test_msisdn_is_normalised_and_not_split(account):
    contact = factories.ContactFactory(account=account, msisdn="+252662345993")
    factories.ContactFactory(account=account, msisdn="+252662345994")
    contacts = Contact.objects.all()
    assert ids(apply_filters(contacts, {"msisdn": "252662345993"}, specs.CONTACT_FILTERS)) == {contact.id}
    assert ids(apply_filters(contacts, {"msisdn": "+252 66 234 5993"}, specs.CONTACT_FILTERS)) == {contact.id}
    assert (
        ids(apply_filters(contacts, {"msisdn": "252662345993,252662345994"}, specs.CONTACT_FILTERS)) == set()
    )
    assert ids(apply_filters(contacts, {"msisdn": 252662345993}, specs.CONTACT_FILTERS)) == {contact.id}


def test_msisdn_is_ignored_where_the_spec_does_not_allow_it(account):
    callout = factories.CalloutFactory(account=account)
    assert ids(apply_filters(Callout.objects.all(), {"msisdn": "1"}, specs.CALLOUT_FILTERS)) == {callout.id}


@pytest.fixture
def timed_callouts(account):
    """Callouts created just before, at, during and just after 2023-09-17 (UTC)."""
    moments = [
        at(2023, 9, 16, 23, 59, 59),
        at(2023, 9, 17),
        at(2023, 9, 17, 10),
        at(2023, 9, 17, 23, 59, 59),
        at(2023, 9, 18),
    ]
    callouts = factories.CalloutFactory.create_batch(len(moments), account=account)
    for callout, moment in zip(callouts, moments, strict=True):
        Callout.objects.filter(pk=callout.pk).update(created_at=moment)
    return [callout.id for callout in callouts]


@pytest.mark.parametrize(
    ("key", "positions"),
    [
        ("created_at_after", [4]),
        ("created_at_or_after", [1, 2, 3, 4]),
        ("created_at_before", [0]),
        ("created_at_or_before", [0, 1, 2, 3]),
    ],
)
def test_date_only_values_compare_the_utc_date(timed_callouts, key, positions):
    matched = ids(apply_filters(Callout.objects.all(), {key: "2023-09-17"}, specs.CALLOUT_FILTERS))
    assert matched == {timed_callouts[p] for p in positions}


@pytest.mark.parametrize(
    ("key", "value", "positions"),
    [
        ("created_at_after", "2023-09-17T10:00:00Z", [3, 4]),
        ("created_at_or_after", "2023-09-17T10:00:00Z", [2, 3, 4]),
        ("created_at_before", "2023-09-17T10:00:00", [0, 1]),  # naive means UTC
        ("created_at_or_before", "2023-09-17 17:00:00+07:00", [0, 1, 2]),
        ("created_at_after", "2023-09-17T00:00:00Z", [2, 3, 4]),  # a time, so not a date comparison
    ],
)
def test_times_compare_the_moment(timed_callouts, key, value, positions):
    matched = ids(apply_filters(Callout.objects.all(), {key: value}, specs.CALLOUT_FILTERS))
    assert matched == {timed_callouts[p] for p in positions}


def test_timestamp_bounds_at_the_end_of_the_calendar(timed_callouts):
    callouts = Callout.objects.all()
    assert ids(apply_filters(callouts, {"created_at_after": "9999-12-31"}, specs.CALLOUT_FILTERS)) == set()
    everything = set(timed_callouts)
    assert (
        ids(apply_filters(callouts, {"created_at_or_before": "9999-12-31"}, specs.CALLOUT_FILTERS))
        == everything
    )


def test_blank_timestamp_and_range_values_are_ignored(timed_callouts):
    q = {"created_at_after": "", "updated_at_before": None}
    assert ids(apply_filters(Callout.objects.all(), q, specs.CALLOUT_FILTERS)) == set(timed_callouts)


def test_bad_timestamps_are_validation_errors(account):
    assert errors_for(
        Callout.objects.all(),
        {"created_at_after": "yesterday", "updated_at_before": "2023-02-30"},
        specs.CALLOUT_FILTERS,
    ) == [
        "q[created_at_after]: 'yesterday' is not a valid date or ISO 8601 time",
        "q[updated_at_before]: '2023-02-30' is not a valid date",
    ]


def test_phone_call_filters(account):
    early = factories.PhoneCallFactory(
        callout_participation__callout__account=account,
        status="completed",
        duration=30,
        remote_response={"status": "completed", "price": "-0.05"},
        remote_call_id="CA1",
    )
    late = factories.PhoneCallFactory(
        callout_participation__callout__account=account,
        status="failed",
        duration=10,
        remote_queue_response={"sid": "CA2"},
        remote_call_id="CA2",
    )
    PhoneCall.objects.filter(pk=early.pk).update(remotely_queued_at=at(2023, 9, 1, 10))
    PhoneCall.objects.filter(pk=late.pk).update(remotely_queued_at=at(2023, 9, 1, 9, 59))
    calls = PhoneCall.objects.all()
    spec = specs.PHONE_CALL_FILTERS

    def select(q):
        return ids(apply_filters(calls, q, spec))

    assert select({"duration_gteq": "30", "remotely_queued_at_or_after": "2023-09-01T10:00:00Z"}) == {
        early.id
    }
    assert select({"duration_lt": 30}) == {late.id}
    assert select({"duration_gt": "99999999999"}) == set()
    assert select({"duration_lteq": "99999999999"}) == {early.id, late.id}
    assert select({"duration": "10,30"}) == {early.id, late.id}
    assert select({"status": "completed,failed", "remote_call_id": "CA2"}) == {late.id}
    assert select({"remote_response": {"price.lt": "0"}}) == {early.id}
    assert select({"remote_queue_response": {"sid": "CA2"}}) == {late.id}
    assert select({"msisdn": early.msisdn.removeprefix("+")}) == {early.id}
    assert select({"contact_id": f"{late.contact_id}"}) == {late.id}
    assert errors_for(calls, {"duration_gt": "3.5", "duration": "ten"}, spec) == [
        "q[duration]: 'ten' is not a valid integer",
        "q[duration_gt]: '3.5' is not a valid integer",
    ]


def test_remote_phone_call_event_filters(account):
    short = factories.RemotePhoneCallEventFactory(
        phone_call__callout_participation__callout__account=account,
        call_duration=5,
        details={"CallStatus": "busy"},
    )
    long = factories.RemotePhoneCallEventFactory(
        phone_call__callout_participation__callout__account=account,
        call_duration=50,
        remote_direction="outbound",
    )
    events = RemotePhoneCallEvent.objects.all()
    spec = specs.REMOTE_PHONE_CALL_EVENT_FILTERS
    assert ids(apply_filters(events, {"call_duration_gt": "5"}, spec)) == {long.id}
    assert ids(apply_filters(events, {"call_duration": "5"}, spec)) == {short.id}
    assert ids(apply_filters(events, {"details": {"CallStatus": "busy"}}, spec)) == {short.id}
    assert ids(apply_filters(events, {"remote_direction": "outbound"}, spec)) == {long.id}
    assert ids(apply_filters(events, {"phone_call_id": f"{short.phone_call_id}"}, spec)) == {short.id}


def test_batch_operation_parameters_filter(account):
    callout = factories.CalloutFactory(account=account)
    population = factories.BatchOperationFactory(
        callout=callout, parameters={"contact_filter_params": {"metadata": {"gender": "f"}}}
    )
    factories.BatchOperationFactory(callout=callout)
    q = {"parameters": {"contact_filter_params": {"metadata": {"gender": "f"}}}}
    assert ids(apply_filters(BatchOperation.objects.all(), q, specs.BATCH_OPERATION_FILTERS)) == {
        population.id
    }


def test_callout_filter_params_filter_participations_by_their_callout(account):
    running = factories.CalloutFactory(account=account, status="running", metadata={"region": "north"})
    stopped = factories.CalloutFactory(account=account, status="stopped", metadata={"region": "north"})
    in_running = factories.CalloutParticipationFactory(callout=running)
    in_stopped = factories.CalloutParticipationFactory(callout=stopped)
    participations = CalloutParticipation.objects.for_account(account)
    spec = specs.CALLOUT_PARTICIPATION_FILTERS

    def select(q):
        return ids(apply_filters(participations, q, spec))

    assert select({"callout_filter_params": {"status": "running"}}) == {in_running.id}
    assert select({"callout_filter_params": {"metadata": {"region": "north"}}}) == {
        in_running.id,
        in_stopped.id,
    }
    assert select({"callout_filter_params": {"metadata": {"region": "north"}, "status": "stopped"}}) == {
        in_stopped.id
    }
    assert select({"callout_filter_params": {"status": ""}}) == set()
    assert select({"callout_filter_params": {}}) == {in_running.id, in_stopped.id}
    assert select(
        {"callout_filter_params": {"created_at_after": "2000-01-01"}, "metadata": {"x.exists": "0"}}
    ) == {
        in_running.id,
        in_stopped.id,
    }
    assert select({"msisdn": in_stopped.msisdn, "callout_id": f"{stopped.id},{running.id}"}) == {
        in_stopped.id
    }
    assert errors_for(participations, {"callout_filter_params": {"metadata": {"n.gt": "x"}}}, spec) == [
        "q[callout_filter_params][metadata][n.gt]: 'x' is not a valid number"
    ]
    assert errors_for(participations, {"callout_filter_params": "running"}, spec) == [
        "q[callout_filter_params] must be a hash of filters"
    ]


@pytest.mark.parametrize("metadata", ["foo", ["foo"], 1])
def test_json_column_filter_must_be_a_hash(account, metadata):
    assert errors_for(Contact.objects.all(), {"metadata": metadata}, specs.CONTACT_FILTERS) == [
        "q[metadata] must be a hash of keys and values"
    ]


@pytest.mark.parametrize(
    ("model", "spec"),
    [
        (AccessToken, specs.ACCESS_TOKEN_FILTERS),
        (Account, specs.ACCOUNT_FILTERS),
        (User, specs.USER_FILTERS),
        (Contact, specs.CONTACT_FILTERS),
        (Callout, specs.CALLOUT_FILTERS),
        (BatchOperation, specs.BATCH_OPERATION_FILTERS),
        (CalloutParticipation, specs.CALLOUT_PARTICIPATION_FILTERS),
        (PhoneCall, specs.PHONE_CALL_FILTERS),
        (RemotePhoneCallEvent, specs.REMOTE_PHONE_CALL_EVENT_FILTERS),
    ],
)
def test_every_key_of_every_spec_runs(model, spec):
    """Use every key a spec accepts at once, so a misspelt column fails here rather than in the API."""
    q: dict = {column: "1" for column in spec.exact}
    q |= {
        f"{column}_{suffix}": "2023-09-17"
        for column in spec.timestamps
        for suffix in ("before", "or_before", "after", "or_after")
    }
    q |= {f"{column}_{suffix}": "1" for column in spec.ranges for suffix in ("gt", "gteq", "lt", "lteq")}
    q |= {column: {"a": {"b.numeric.gt": "1"}} for column in spec.json_columns}
    q |= {key: {"metadata": {"a": "b"}} for key in spec.related}
    if spec.msisdn:
        q["msisdn"] = "855"
    assert list(apply_filters(model.objects.all(), q, spec)) == []
