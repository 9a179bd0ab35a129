from scfm.accounts.models import UserRole


def dashboard(request) -> dict:
    """What every dashboard template needs to draw the navigation."""
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    return {"is_account_admin": signed_in and user.role == UserRole.ADMIN}
