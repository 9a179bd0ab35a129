"""Which requests machines make: the API and the provider webhooks (JSON errors, no translation)."""

MACHINE_PATH_PREFIXES = ("/api/", "/twilio_webhooks/")


def is_machine_path(path: str) -> bool:
    return path.startswith(MACHINE_PATH_PREFIXES)
