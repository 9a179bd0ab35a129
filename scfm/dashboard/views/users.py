"""Users of the account (admins only): invite, change role, resend the invitation, remove."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from scfm.accounts import memberships, services
from scfm.accounts.models import User, UserRole
from scfm.core.errors import ValidationFailed
from scfm.dashboard.access import admin_required
from scfm.dashboard.forms.users import UserInviteForm, UserRoleForm
from scfm.dashboard.labels import ROLE_LABELS
from scfm.dashboard.lists import list_page
from scfm.filtering.specs import USER_FILTERS


def _users(request):
    return User.objects.for_account(request.user.account)


def _roles() -> list[tuple[str, str]]:
    return [(role, ROLE_LABELS.get(role, role)) for role in UserRole.values]


def _describe(user: User) -> User:
    """Attach what the templates show: the translated role and whether the invitation is pending."""
    user.role_label = ROLE_LABELS.get(user.role, user.role)
    # Invited users get no password until they accept; users created another way can sign in already.
    user.invitation_pending = user.invitation_accepted_at is None and not user.has_usable_password()
    return user


def _error_messages(error: ValidationFailed) -> str:
    """The services' messages, in the reader's language (labels.SERVICE_MESSAGES marks them)."""
    return " ".join(_(message) for messages_ in error.errors.values() for message in messages_)


def _invitation_sent(user: User) -> str:
    return _("An invitation email has been sent to %(email)s.") % {"email": user.email}


@admin_required
def user_list(request):
    page = list_page(request, _users(request), USER_FILTERS)
    for user in page.items:
        _describe(user)
    return render(request, "dashboard/users/list.html", {"page": page})


@admin_required
def user_invite(request):
    form = UserInviteForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            user = memberships.invite_new_user(
                account=request.user.account,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                invited_by=request.user,
            )
        except ValidationFailed as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _invitation_sent(user))
            return redirect("dashboard:users")
    return render(
        request,
        "dashboard/users/invite.html",
        {
            "email": form.shown("email"),
            "role": form.shown("role"),
            "roles": _roles(),
            "errors": form.errors_by_field(),
        },
        status=422 if form.errors else 200,
    )


@admin_required
def user_detail(request, pk):
    user = _describe(get_object_or_404(_users(request).select_related("invited_by"), pk=pk))
    return render(request, "dashboard/users/detail.html", {"shown_user": user, "roles": _roles()})


@require_POST
@admin_required
def user_role(request, pk):
    user = get_object_or_404(_users(request), pk=pk)
    form = UserRoleForm(request.POST)
    form.is_valid()  # any text: the service refuses a role that does not exist
    try:
        memberships.change_user_role(user=user, role=form.cleaned_data["role"])
    except ValidationFailed as error:
        messages.error(request, _error_messages(error))
        return redirect("dashboard:user_detail", pk=pk)
    messages.success(request, _("User was successfully updated."))
    if user.pk == request.user.pk and user.role != UserRole.ADMIN:
        return redirect("dashboard:home")  # no longer allowed to see the users page
    return redirect("dashboard:user_detail", pk=pk)


@require_POST
@admin_required
def user_reinvite(request, pk):
    user = _describe(get_object_or_404(_users(request), pk=pk))
    if not user.invitation_pending:
        messages.error(request, _("This user has already accepted the invitation."))
    else:
        services.invite_user(user=user, invited_by=request.user)
        messages.success(request, _invitation_sent(user))
    return redirect("dashboard:user_detail", pk=pk)


@require_POST
@admin_required
def user_delete(request, pk):
    user = get_object_or_404(_users(request), pk=pk)
    try:
        memberships.remove_user(user=user, removed_by=request.user)
    except ValidationFailed as error:
        messages.error(request, _error_messages(error))
        return redirect("dashboard:user_detail", pk=pk)
    messages.success(request, _("User was successfully removed."))
    return redirect("dashboard:users")


urlpatterns = [
    path("dashboard/users", user_list, name="users"),
    path("dashboard/users/invite", user_invite, name="user_invite"),
    path("dashboard/users/<int:pk>", user_detail, name="user_detail"),
    path("dashboard/users/<int:pk>/role", user_role, name="user_role"),
    path("dashboard/users/<int:pk>/reinvite", user_reinvite, name="user_reinvite"),
    path("dashboard/users/<int:pk>/delete", user_delete, name="user_delete"),
]
