"""Provider error codes that say a number can never be called: such a call is not retried.

Twilio answers a refused `POST /Calls` with an error code (https://www.twilio.com/docs/api/errors);
Somleng, which implements Twilio's API, answers with the same codes for the same causes (its
`ApplicationError` codes reuse Twilio's numbering; 13224 and 21215 are the two it sends for a
number it cannot call). A busy line or a provider hiccup is retried; these are not, because every
retry would fail the same way and spend the participation's attempts (and, at Twilio, money).
"""

TERMINAL_ERROR_CODES: dict[int, str] = {
    # https://www.twilio.com/docs/api/errors/13223
    13223: "Dial: invalid phone number format",
    # https://www.twilio.com/docs/api/errors/13224 — also Somleng's "calling this number is
    # unsupported or the number is invalid"
    13224: "the number is invalid or calling it is not supported",
    # https://www.twilio.com/docs/api/errors/21211
    21211: "invalid 'To' phone number",
    # https://www.twilio.com/docs/api/errors/21214
    21214: "'To' phone number cannot be reached",
    # https://www.twilio.com/docs/api/errors/21215 — also Somleng's answer for a destination no
    # gateway of the account serves
    21215: "the account is not allowed to call this number (geographic permissions)",
    # https://www.twilio.com/docs/api/errors/21216
    21216: "the account is not allowed to call this number (blocked destination)",
    # https://www.twilio.com/docs/api/errors/21217
    21217: "the phone number does not appear to be valid",
    # https://www.twilio.com/docs/api/errors/21219 (trial accounts call verified numbers only)
    21219: "'To' phone number not verified",
    # https://www.twilio.com/docs/api/errors/21401
    21401: "invalid phone number",
}


def is_terminal(code: int | None) -> bool:
    """Return whether a provider error `code` says the number can never be called."""
    return code in TERMINAL_ERROR_CODES
