from django.apps import AppConfig


class EngineConfig(AppConfig):
    name = "scfm.engine"
    label = "engine"
