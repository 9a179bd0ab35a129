"""A callout's audio: checks on an uploaded file or an audio URL, and storing or removing the file.

Files go through Django's storage API (local files or S3); `CallFlowLogic::PlayMessage` plays the
file from its public URL (scfm.call_flows.logics.callout_audio_url).
"""

import os
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.utils.translation import gettext as _

from scfm.callouts.models import Callout

# The extension decides the type the file is later served with, so it is required; a content type
# the browser reports must also be an audio one (or a generic binary type).
AUDIO_EXTENSIONS = (
    ".mp3",
    ".wav",
    ".ogg",
    ".oga",
    ".opus",
    ".m4a",
    ".aac",
    ".flac",
    ".gsm",
    ".ulaw",
    ".aiff",
)
GENERIC_CONTENT_TYPES = ("", "application/octet-stream", "video/ogg", "video/mp4")


def upload_problems(upload) -> list[str]:
    """Why an uploaded file cannot be a callout's audio (an empty list when it can)."""
    problems = []
    extension = os.path.splitext(upload.name or "")[1].lower()
    content_type = (upload.content_type or "").split(";")[0].strip().lower()
    if extension not in AUDIO_EXTENSIONS or not (
        content_type.startswith("audio/") or content_type in GENERIC_CONTENT_TYPES
    ):
        problems.append(
            _("The audio file must be an audio file (%(extensions)s).")
            % {"extensions": ", ".join(ext.lstrip(".") for ext in AUDIO_EXTENSIONS)}
        )
    limit = settings.SCFM_MAX_AUDIO_UPLOAD_BYTES
    if upload.size > limit:
        problems.append(
            _("The audio file is too large (%(size).1f MB); the limit is %(limit).1f MB.")
            % {"size": upload.size / 1024 / 1024, "limit": limit / 1024 / 1024}
        )
    elif upload.size == 0:
        problems.append(_("The audio file is empty."))
    return problems


def url_problems(audio_url: str) -> list[str]:
    """The dashboard asks for a web address the provider can fetch (the API accepts any text)."""
    if not audio_url:
        return []
    try:
        URLValidator(schemes=["http", "https"])(audio_url)
    except ValidationError:
        return [_("The audio URL must be an http:// or https:// address.")]
    return []


def delete_file_after_commit(field: FieldFile) -> None:
    """Delete the stored file once the transaction that dropped it commits (never before)."""
    if field and field.name:
        storage, name = field.storage, field.name
        transaction.on_commit(lambda: storage.delete(name))


@transaction.atomic
def replace_audio_file(*, callout: Callout, upload) -> None:
    """Store `upload` as the callout's audio (None removes it); the old file goes after the commit."""
    delete_file_after_commit(callout.audio_file)
    if upload is None:
        callout.audio_file = None
    else:
        # A name nobody can guess (the file is public), keeping the original name for people.
        callout.audio_file.save(f"{uuid.uuid4().hex}-{os.path.basename(upload.name)}", upload, save=False)
    callout.save(update_fields=["audio_file", "updated_at"])
