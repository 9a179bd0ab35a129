from django.apps import AppConfig


class CalloutsConfig(AppConfig):
    name = "scfm.callouts"
    label = "callouts"
