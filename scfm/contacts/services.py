"""Every write to contacts. Contact input follows the reference's stricter contact schema."""

from typing import Any

from django.db import transaction

from scfm.accounts.models import Account
from scfm.contacts.models import Contact
from scfm.contacts.msisdn import EXTENSION_MESSAGE, has_extension, is_plausible_msisdn, normalize_msisdn
from scfm.core.errors import BadRequest, ValidationFailed
from scfm.core.locks import lock_account_references
from scfm.core.metadata import MERGE_MODES, merge_metadata
from scfm.core.validation import Errors


def _validate_contact_input(
    data: dict[str, Any], errors: Errors, *, allow_empty_metadata: bool = False
) -> str | None:
    """Check the shapes the contact schema checks; return the normalised msisdn if one was sent.

    The API's schema refuses an empty metadata hash; the dashboard's editor may empty it on purpose.
    """
    msisdn = None
    if "msisdn" in data:
        raw = data["msisdn"]
        if raw is None or raw == "":
            errors.add("msisdn", "must be filled")
        elif not isinstance(raw, str | int):
            errors.add("msisdn", "must be a string")
        elif has_extension(raw):
            errors.add("msisdn", EXTENSION_MESSAGE)
        else:
            msisdn = normalize_msisdn(raw)
            if not is_plausible_msisdn(msisdn):
                errors.add("msisdn", "is invalid")
    if "metadata" in data:
        if not isinstance(data["metadata"], dict):
            errors.add("metadata", "must be a hash")
        elif not data["metadata"] and not allow_empty_metadata:
            errors.add("metadata", "must be filled")
    mode = data.get("metadata_merge_mode")
    if mode is not None and mode not in MERGE_MODES:
        errors.add("metadata_merge_mode", "must be one of: replace, merge, deep_merge")
    return msisdn


@transaction.atomic
def create_contact(*, account: Account, data: dict[str, Any], allow_empty_metadata: bool = False) -> Contact:
    errors = Errors()
    msisdn = _validate_contact_input(data, errors, allow_empty_metadata=allow_empty_metadata)
    if "msisdn" not in data:
        errors.add("msisdn", "can't be blank")
    elif msisdn and Contact.objects.for_account(account).filter(msisdn=msisdn).exists():
        errors.add("msisdn", "must be unique")
    errors.raise_if_any()
    return Contact.objects.create(account=account, msisdn=msisdn, metadata=data.get("metadata", {}))


@transaction.atomic
def update_contact(*, contact: Contact, data: dict[str, Any], allow_empty_metadata: bool = False) -> Contact:
    errors = Errors()
    msisdn = _validate_contact_input(data, errors, allow_empty_metadata=allow_empty_metadata)
    if (
        msisdn
        and msisdn != contact.msisdn
        and (Contact.objects.for_account(contact.account_id).filter(msisdn=msisdn).exists())
    ):
        errors.add("msisdn", "must be unique")
    errors.raise_if_any()
    fields = ["updated_at"]
    if msisdn:
        contact.msisdn = msisdn
        fields.append("msisdn")
    if "metadata" in data:
        contact.metadata = merge_metadata(contact.metadata, data["metadata"], data.get("metadata_merge_mode"))
        fields.append("metadata")
    contact.save(update_fields=fields)
    return contact


@transaction.atomic
def upsert_contact(*, account: Account, data: dict[str, Any]) -> Contact:
    """Create the contact with `msisdn`, or update the one that has it (`POST /api/contact_data`)."""
    raw = data.get("msisdn")
    if raw is None or raw == "":
        raise BadRequest("msisdn is required")
    if has_extension(raw):
        raise ValidationFailed.single("msisdn", EXTENSION_MESSAGE)
    msisdn = normalize_msisdn(raw) if isinstance(raw, str | int) else ""
    if not is_plausible_msisdn(msisdn):
        raise ValidationFailed.single("msisdn", "is an invalid number")
    contact = Contact.objects.for_account(account).select_for_update().filter(msisdn=msisdn).first()
    if contact is None:
        contact = Contact(account=account, msisdn=msisdn, metadata={})
    metadata = merge_metadata(contact.metadata, data.get("metadata", {}), data.get("metadata_merge_mode"))
    if not isinstance(metadata, dict):
        raise ValidationFailed.single("metadata", "is invalid")
    contact.metadata = metadata
    if contact._state.adding:
        contact.save()
    else:
        contact.save(update_fields=["metadata", "updated_at"])  # the only column an upsert changes
    return contact


@transaction.atomic
def delete_contact(*, contact: Contact) -> None:
    # Participations and phone calls reference their contact without a database constraint:
    # wait for whoever is inserting some, then look (see core.locks).
    lock_account_references(contact.account_id)
    if contact.callout_participations.exists():
        raise ValidationFailed.single(
            "base", "Cannot delete record because dependent callout participations exist"
        )
    if contact.phone_calls.exists():
        raise ValidationFailed.single("base", "Cannot delete record because dependent phone calls exist")
    contact.delete()
