from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "scfm.accounts"
    label = "accounts"
