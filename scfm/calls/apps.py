from django.apps import AppConfig


class CallsConfig(AppConfig):
    name = "scfm.calls"
    label = "calls"
