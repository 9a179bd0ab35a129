from django.apps import AppConfig


class SimulatorAppConfig(AppConfig):
    name = "scfm.simulator"
    label = "simulator"
    verbose_name = "Telephony simulator"
