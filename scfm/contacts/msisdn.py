"""Phone number normalisation: E.164 with a leading '+', as the reference stores them."""

import re

import phonenumbers

_NON_DIGITS = re.compile(r"\D")


def normalize_msisdn(raw: object) -> str:
    """Return `raw` as '+' followed by its digits (`"(855) 97 2345 678"` → `"+855972345678"`).

    Numbers are read as international: a leading 0 or 00 trunk/exit prefix is dropped the way
    phony does, so `0085597...` becomes `+85597...`.
    """
    if raw is None:
        return ""
    digits = _NON_DIGITS.sub("", str(raw))
    if digits.startswith("00"):
        digits = digits[2:]
    return f"+{digits}" if digits else ""


def is_plausible_msisdn(msisdn: str) -> bool:
    """Return whether a normalised number is a possible number of its country's numbering plan."""
    if not msisdn or not msisdn.startswith("+") or len(msisdn) < 4:
        return False
    try:
        number = phonenumbers.parse(msisdn, None)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_possible_number(number) and phonenumbers.is_valid_number(number)
