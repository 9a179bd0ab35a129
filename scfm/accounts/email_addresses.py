"""Which e-mail addresses SCFM accepts for its users."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import EmailValidator

# No host-only domains such as `localhost`: invitations and password resets must reach a real mailbox.
_email_validator = EmailValidator(allowlist=[])


def is_valid_email(email: str) -> bool:
    """Whether `email` is an address mail can be sent to.

    EmailValidator accepts quoted local parts holding control characters (`"\x01"@example.com`),
    which end up in mail headers, so anything unprintable or any whitespace is refused first.
    """
    if not email.isprintable() or any(char.isspace() for char in email):
        return False
    try:
        _email_validator(email)
    except DjangoValidationError:
        return False
    return True
