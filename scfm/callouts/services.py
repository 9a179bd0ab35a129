"""Every write to callouts and callout participations."""

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from scfm.accounts.models import Account, User
from scfm.accounts.settings import MAX_PHONE_CALLS_PER_PARTICIPATION
from scfm.call_flows import data_flow
from scfm.call_flows.registry import is_registered
from scfm.callouts import audio
from scfm.callouts.call_flows import assign_callout_flow
from scfm.callouts.content import content_settings_errors
from scfm.callouts.delivery import callout_settings_errors
from scfm.callouts.models import Callout, CalloutParticipation
from scfm.callouts.states import CALLOUT_MACHINE
from scfm.contacts.models import Contact
from scfm.contacts.msisdn import EXTENSION_MESSAGE, has_extension, is_plausible_msisdn, normalize_msisdn
from scfm.core.errors import ValidationFailed
from scfm.core.locks import lock_account_references, share_account_references
from scfm.core.metadata import merge_metadata
from scfm.core.validation import Errors, blank_to_none


def _validate_call_flow_logic(value: str | None, errors: Errors) -> None:
    if not value:
        errors.add("call_flow_logic", "can't be blank")
    elif not is_registered(value) and value != data_flow.NAME:
        errors.add("call_flow_logic", "is not included in the list")


def _assign_callout_fields(callout: Callout, data: dict[str, Any], errors: Errors) -> list[str]:
    """Set the columns `data` names on `callout`; return them (what an update must save)."""
    assigned = [field for field in ("call_flow_logic", "audio_url", "metadata", "settings") if field in data]
    if "call_flow_logic" in data:
        callout.call_flow_logic = blank_to_none(data["call_flow_logic"])
    if "call_flow_id" in data or "call_flow_logic" in data:
        assign_callout_flow(callout, data, errors)
        assigned = list(dict.fromkeys([*assigned, "call_flow_logic", "call_flow"]))
    if "audio_url" in data:
        callout.audio_url = blank_to_none(data["audio_url"])
    if "metadata" in data:
        callout.metadata = merge_metadata(callout.metadata, data["metadata"], data.get("metadata_merge_mode"))
        if not isinstance(callout.metadata, dict):
            errors.add("metadata", "is invalid")
    if "settings" in data:
        callout.settings = data["settings"]  # replaced wholesale, as the reference does
        if not isinstance(callout.settings, dict):
            errors.add("settings", "is invalid")
        for message in callout_settings_errors(callout.settings) + content_settings_errors(callout.settings):
            errors.add("settings", message)
    if callout.audio_url is not None and not isinstance(callout.audio_url, str):
        errors.add("audio_url", "is invalid")
    return assigned


@transaction.atomic
def create_callout(*, account: Account, data: dict[str, Any], created_by: User | None = None) -> Callout:
    callout = Callout(account=account, created_by=created_by)
    errors = Errors()
    _assign_callout_fields(callout, data, errors)
    if not callout.call_flow_logic:
        callout.call_flow_logic = account.call_flow_logic
    _validate_call_flow_logic(callout.call_flow_logic, errors)
    errors.raise_if_any()
    callout.save()
    return callout


@transaction.atomic
def update_callout(*, callout: Callout, data: dict[str, Any]) -> Callout:
    errors = Errors()
    previous_settings = callout.settings
    assigned = _assign_callout_fields(callout, data, errors)
    _validate_call_flow_logic(callout.call_flow_logic, errors)
    errors.raise_if_any()
    window_changed = "settings" in assigned and _window_settings_changed(callout)
    # Only the columns sent: `callout` may be stale, and its status is moved by conditional
    # UPDATEs (fire_callout_event) that a full save would undo.
    callout.save(update_fields=[*assigned, "updated_at"])
    if "settings" in assigned:
        audio.delete_dropped_language_files(callout=callout, previous_settings=previous_settings)
    if window_changed:
        # Calls held for the old window (`created`: a phone call's first status; scfm.calls sits
        # above this layer) are judged again by the new one at the dial loop's next claim.
        callout.phone_calls.filter(status="created", window_opens_at__isnull=False).update(
            window_opens_at=None
        )
    return callout


# The callout settings that decide when its calls may go out: its window, and its priority (an
# emergency ignores the account's default window).
WINDOW_SETTINGS = ("calling_window", "priority")


def _window_settings_changed(callout: Callout) -> bool:
    """Return whether `callout`'s new settings change its calling window, compared with what is
    stored. Taken under the account's row lock, which the dial loop holds while it holds calls for
    their window: its claim under the old settings is over, and the next one reads the new ones."""
    Account.objects.select_for_update().filter(pk=callout.account_id).values_list("pk").first()
    stored = Callout.objects.filter(pk=callout.pk).values_list("settings", flat=True).first()
    return _window_settings(stored) != _window_settings(callout.settings)


def _window_settings(settings: Any) -> tuple[Any, ...]:
    settings = settings if isinstance(settings, dict) else {}
    return tuple(settings.get(key) for key in WINDOW_SETTINGS)


@transaction.atomic
def delete_callout(*, callout: Callout) -> None:
    # Participations reference their callout without a database constraint (see core.locks).
    lock_account_references(callout.account_id)
    for label, related in (
        ("callout participations", callout.callout_participations),
        ("batch operations", callout.batch_operations),
        ("phone calls", callout.phone_calls),
    ):
        if related.exists():
            raise ValidationFailed.single("base", f"Cannot delete record because dependent {label} exist")
    callout.delete()


def fire_callout_event(*, callout: Callout, event: Any) -> Callout:
    """Move the callout by `event` with one conditional UPDATE; 422 when not allowed from its status."""
    if event not in CALLOUT_MACHINE.events_from(callout.status, public_only=True):
        raise ValidationFailed.single("event", "is not included in the list")
    now = timezone.now()
    if not CALLOUT_MACHINE.fire(Callout.objects.filter(pk=callout.pk), event, updated_at=now):
        # Another request changed the status between the read and this write.
        raise ValidationFailed.single("event", "is not included in the list")
    callout.status, callout.updated_at = CALLOUT_MACHINE.target(event), now
    return callout


def _participation_msisdn(raw: Any, errors: Errors) -> str | None:
    if raw is None or raw == "":
        errors.add("msisdn", "can't be blank")
        return None
    if has_extension(raw):
        errors.add("msisdn", EXTENSION_MESSAGE)
        return None
    msisdn = normalize_msisdn(raw) if isinstance(raw, str | int) else ""
    if not is_plausible_msisdn(msisdn):
        errors.add("msisdn", "is an invalid number")
    return msisdn


@transaction.atomic
def create_participation(*, callout: Callout, data: dict[str, Any]) -> CalloutParticipation:
    """Add a contact to a callout with its first `created` phone call, as populations do."""
    # Taken before the contact and callout are read: neither may be deleted until this commits.
    share_account_references(callout.account_id)
    errors = Errors()
    if not Callout.objects.filter(pk=callout.pk).exists():
        raise ValidationFailed.single("callout", "must exist")  # deleted since the request read it
    contact = None
    contact_id = data.get("contact_id")
    if contact_id not in (None, ""):
        try:
            contact = Contact.objects.for_account(callout.account_id).filter(pk=int(contact_id)).first()
        except (TypeError, ValueError):
            contact = None
    raw_msisdn = data.get("msisdn") or (contact.msisdn if contact else None)
    msisdn = _participation_msisdn(raw_msisdn, errors)
    if contact is None:
        errors.add("contact", "must exist")
    call_flow_logic = blank_to_none(data.get("call_flow_logic")) or callout.call_flow_logic
    _validate_call_flow_logic(call_flow_logic, errors)
    metadata = merge_metadata({}, data.get("metadata", {}), data.get("metadata_merge_mode"))
    if not isinstance(metadata, dict):
        errors.add("metadata", "is invalid")
    if contact and callout.callout_participations.filter(contact=contact).exists():
        errors.add("contact", "has already been taken")
    if msisdn and callout.callout_participations.filter(msisdn=msisdn).exists():
        errors.add("msisdn", "has already been taken")
    errors.raise_if_any()
    try:
        with transaction.atomic():
            participation = CalloutParticipation.objects.create(
                callout=callout,
                contact=contact,
                msisdn=msisdn,
                call_flow_logic=call_flow_logic,
                metadata=metadata,
                phone_calls_count=1,
            )
    except IntegrityError as error:  # a concurrent request added the same contact first
        raise ValidationFailed.single("contact", "has already been taken") from error
    # Through the reverse relation: phone calls (scfm.calls) sit above callouts, which never
    # import them.
    participation.phone_calls.create(
        callout=callout,
        contact=contact,
        account_id=callout.account_id,
        msisdn=msisdn,
        call_flow_logic=call_flow_logic,
    )
    return participation


@transaction.atomic
def update_participation(
    *, participation: CalloutParticipation, data: dict[str, Any]
) -> CalloutParticipation:
    errors = Errors()
    assigned = [field for field in ("msisdn", "call_flow_logic", "metadata") if field in data]
    if "msisdn" in data:
        msisdn = _participation_msisdn(data["msisdn"], errors)
        if (
            msisdn
            and participation.callout.callout_participations.exclude(pk=participation.pk)
            .filter(msisdn=msisdn)
            .exists()
        ):
            errors.add("msisdn", "has already been taken")
        participation.msisdn = msisdn
    if "call_flow_logic" in data:
        participation.call_flow_logic = blank_to_none(data["call_flow_logic"])
        _validate_call_flow_logic(participation.call_flow_logic, errors)
    if "metadata" in data:
        participation.metadata = merge_metadata(
            participation.metadata, data["metadata"], data.get("metadata_merge_mode")
        )
        if not isinstance(participation.metadata, dict):
            errors.add("metadata", "is invalid")
    errors.raise_if_any()
    # Only the columns sent: `answered` and `phone_calls_count` belong to the engine and webhooks,
    # which move them with conditional UPDATEs that a full save of a stale row would undo.
    participation.save(update_fields=[*assigned, "updated_at"])
    return participation


@transaction.atomic
def delete_participation(*, participation: CalloutParticipation) -> None:
    # Locked first: phone calls reference their participation without a database constraint
    # (see PhoneCall), and the retry loop adds a call while holding this lock.
    CalloutParticipation.objects.select_for_update().filter(pk=participation.pk).exists()
    if participation.phone_calls.exists():
        raise ValidationFailed.single("base", "Cannot delete record because dependent phone calls exist")
    participation.delete()


def max_phone_calls(account: Account, callout: Callout | None = None) -> int:
    """Return how many attempts a participation gets: callout setting, else account's; at most 10."""
    value = None
    if callout is not None and isinstance(callout.settings, dict):
        value = callout.settings.get("max_phone_calls_for_callout_participation")
    try:
        limit = (
            int(value)
            if value not in (None, "")
            else account.int_setting("max_phone_calls_for_callout_participation")
        )
    except (TypeError, ValueError):
        limit = account.int_setting("max_phone_calls_for_callout_participation")
    return max(1, min(limit, MAX_PHONE_CALLS_PER_PARTICIPATION))
