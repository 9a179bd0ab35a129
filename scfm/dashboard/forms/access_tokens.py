"""The API key form: the permissions chosen from the bitmask's list."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from scfm.accounts import permissions
from scfm.dashboard.forms.base import DashboardForm


class AccessTokenForm(DashboardForm):
    permissions = forms.Field(required=False, widget=forms.SelectMultiple)

    def chosen(self) -> set[str]:
        """Return the names ticked, to show them ticked again."""
        return set(self.shown("permissions") or ())

    def clean(self):
        # Raised here, not in clean_permissions: the page lists these as the form's own (`base`).
        names = self.cleaned_data.get("permissions") or []
        if not names:
            raise ValidationError(_("Choose at least one permission."))
        # Keep the bitmask's order so the stored names read the same as everywhere else.
        ordered = [name for name in permissions.TOKEN_PERMISSIONS if name in set(names)]
        if len(ordered) != len(set(names)):
            raise ValidationError(_("A chosen permission does not exist."))
        self.cleaned_data["permissions"] = ordered
        return self.cleaned_data
