from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "scfm.api"
    label = "api"

    def ready(self) -> None:
        from scfm.api import schema  # noqa: F401  (registers the OpenAPI authentication scheme)
