from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "scfm.dashboard"
    label = "dashboard"
    verbose_name = "Dashboard"
