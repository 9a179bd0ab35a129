"""Who may open a dashboard page: signed-in users of an account; some pages are for its admins only."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from scfm.accounts.models import UserRole


def member_required(view):
    """Any signed-in user; the view sees only `request.user.account`'s data."""
    return login_required(view)


def admin_required(view):
    """Users, API keys and account settings are for the account's admins (403 for members)."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.user.role != UserRole.ADMIN:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped
