from rest_framework.permissions import BasePermission

READ_ACTIONS = {"list", "retrieve"}


class HasTokenPermission(BasePermission):
    """Require `<resource>_read` or `<resource>_write` on the token, per the view's `resource`.

    Views may name the permission outright with `required_permission`, and set
    `super_admin_only` for the `/api/accounts` routes.
    """

    def has_permission(self, request, view) -> bool:
        principal = request.user
        if principal is None or not getattr(principal, "is_authenticated", False):
            return False
        permission = getattr(view, "required_permission", None)
        if permission is None:
            suffix = "read" if getattr(view, "action", None) in READ_ACTIONS else "write"
            permission = f"{view.resource}_{suffix}"
        if getattr(view, "super_admin_only", False) and not principal.account.is_super_admin:
            return False
        return principal.access_token.has_permission(permission)
