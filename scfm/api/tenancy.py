from django.shortcuts import get_object_or_404

from scfm.accounts.models import Account


def specified_or_current_account(view) -> Account:
    """Return the account a super admin names with `account_id`, else the caller's own.

    For other callers `account_id` is ignored, as in the reference (access tokens and users).
    """
    account = view.account
    if not account.is_super_admin:
        return account
    account_id = view.kwargs.get("account_id")
    if account_id is None:
        data = view.request.data if view.request.method in ("POST", "PATCH", "PUT") else {}
        account_id = (
            data.get("account_id") if isinstance(data, dict) else None
        ) or view.request.query_params.get("account_id")
    if account_id in (None, ""):
        return account
    try:
        return get_object_or_404(Account, pk=int(account_id))
    except (TypeError, ValueError):
        return get_object_or_404(Account, pk=0)


def location_in_account(view, instance, account_id: int) -> str:
    """Return the member URL of `instance`, naming its account when it is not the caller's.

    A super admin's record of another account is only found with `account_id`; without it the
    `Location` of a record created with `account_id` would answer 404.
    """
    url = f"/api/{view.resource}/{instance.pk}"
    return url if account_id == view.account.pk else f"{url}?account_id={account_id}"
