from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "scfm.api"
    label = "api"
