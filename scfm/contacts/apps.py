from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "scfm.contacts"
    label = "contacts"
