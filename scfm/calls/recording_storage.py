"""Where recordings' audio is kept: through Django's storage API, but never publicly.

Callout audio lives in the default storage, which is public on purpose (the provider fetches it
without credentials: files under MEDIA_ROOT are served at MEDIA_URL, S3 objects are public-read).
A recording is a contact's voice, so it gets a private storage of its own:

- locally, files under `SCFM_RECORDINGS_ROOT` (default `<var>/recordings`), outside MEDIA_ROOT, so
  no URL serves them; the web process streams them after its own access checks;
- with S3 (`SCFM_S3_BUCKET`), the same bucket under `recordings/`, private objects, and URLs that
  are signed and expire (`SCFM_RECORDING_URL_SECONDS`, default 600).

A `STORAGES["recordings"]` entry in the settings replaces both.
"""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.utils.module_loading import import_string

RECORDINGS_STORAGE_ALIAS = "recordings"
DEFAULT_URL_SECONDS = 600


class PrivateFileSystemStorage(FileSystemStorage):
    """Local files with no URL: `url()` refuses, so nothing links to them by mistake."""

    def url(self, name: str | None) -> str:
        raise ValueError("recordings kept on local disk have no public URL; stream them instead")


def _build_storage() -> Storage:
    if RECORDINGS_STORAGE_ALIAS in settings.STORAGES:
        configured: Storage = storages[RECORDINGS_STORAGE_ALIAS]
        return configured
    if getattr(settings, "SCFM_S3_BUCKET", ""):
        default_options: Any = settings.STORAGES["default"].get("OPTIONS", {})
        options: dict[str, Any] = dict(default_options)
        options.update(
            location="recordings",
            default_acl="private",
            querystring_auth=True,
            querystring_expire=getattr(settings, "SCFM_RECORDING_URL_SECONDS", DEFAULT_URL_SECONDS),
            file_overwrite=False,
        )
        s3_storage: Storage = import_string("storages.backends.s3.S3Storage")(**options)
        return s3_storage
    root = getattr(settings, "SCFM_RECORDINGS_ROOT", None) or Path(settings.VAR_DIR) / "recordings"
    return PrivateFileSystemStorage(location=root)


_storage: Storage | None = None


def recording_storage() -> Storage:
    """Return the storage of recordings' audio (a callable, so migrations do not freeze it)."""
    global _storage
    if _storage is None:
        _storage = _build_storage()
    return _storage


def provider_free_url(name: str) -> str | None:
    """Return a URL the audio can be fetched from without our access checks (S3's signed, expiring
    URL), or None when the storage has none (local disk: the web process streams the file)."""
    try:
        url: str = recording_storage().url(name)
    except ValueError:
        return None
    return url
