from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "scfm.core"
    label = "core"
