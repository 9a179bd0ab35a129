"""User forms: an invitation (email and role) and a role change; the services check both."""

from django import forms

from scfm.accounts.models import UserRole
from scfm.dashboard.forms.base import DashboardForm


class UserInviteForm(DashboardForm):
    email = forms.CharField(required=False)
    role = forms.CharField(required=False, strip=False, initial=UserRole.MEMBER)


class UserRoleForm(DashboardForm):
    role = forms.CharField(required=False, strip=False)
