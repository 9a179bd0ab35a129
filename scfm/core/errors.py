"""Domain errors. Services raise them; the API and dashboard turn them into responses."""


class DomainError(Exception):
    """A request that cannot be carried out as asked."""


class ValidationFailed(DomainError):
    """Input or state that breaks a rule; `errors` maps a field to its messages (reference shape)."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors

    @classmethod
    def single(cls, field: str, message: str) -> "ValidationFailed":
        return cls({field: [message]})


class BadRequest(DomainError):
    """A required parameter is missing (the reference answers 400)."""
