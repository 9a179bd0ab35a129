"""API keys (admins only): create with chosen permissions, show with a copy button, revoke."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from scfm.accounts import permissions, services
from scfm.accounts.models import AccessToken
from scfm.core.errors import ValidationFailed
from scfm.dashboard.access import admin_required
from scfm.dashboard.forms.access_tokens import AccessTokenForm
from scfm.dashboard.lists import list_page
from scfm.filtering.specs import ACCESS_TOKEN_FILTERS

RESOURCE_LABELS = {
    "access_tokens": gettext_lazy("API keys"),
    "accounts": gettext_lazy("Accounts"),
    "batch_operations": gettext_lazy("Callout populations"),
    "callout_participations": gettext_lazy("Callout participations"),
    "callouts": gettext_lazy("Callouts"),
    "contacts": gettext_lazy("Contacts"),
    "phone_calls": gettext_lazy("Phone calls"),
    "recordings": gettext_lazy("Recordings"),  # read only: there is no recordings_write
    "remote_phone_call_events": gettext_lazy("Phone call events"),
    "users": gettext_lazy("Users"),
}


def permission_groups(chosen: set[str]) -> list[dict]:
    """One row per resource, in the bitmask's order: its label and its read and write permissions."""
    groups: dict[str, dict] = {}
    for name in permissions.TOKEN_PERMISSIONS:
        resource, access = name.rsplit("_", 1)
        label = RESOURCE_LABELS.get(resource, resource)
        group = groups.setdefault(resource, {"resource": resource, "label": label})
        group[access] = {"name": name, "checked": name in chosen}
    return list(groups.values())


def _access_tokens(request):
    return AccessToken.objects.filter(resource_owner=request.user.account)


@admin_required
def access_token_list(request):
    page = list_page(request, _access_tokens(request), ACCESS_TOKEN_FILTERS)
    return render(request, "dashboard/access_tokens/list.html", {"page": page})


@admin_required
def access_token_new(request):
    form = AccessTokenForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        account = request.user.account
        try:
            token = services.create_access_token(
                account=account, created_by=account, data={"permissions": form.cleaned_data["permissions"]}
            )
        except ValidationFailed as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("API key was successfully created."))
            return redirect("dashboard:access_token_detail", pk=token.pk)
    return render(
        request,
        "dashboard/access_tokens/new.html",
        {"groups": permission_groups(form.chosen()), "errors": form.errors_by_field()},
        status=422 if form.errors else 200,
    )


@admin_required
def access_token_detail(request, pk):
    token = get_object_or_404(_access_tokens(request), pk=pk)
    return render(
        request,
        "dashboard/access_tokens/detail.html",
        {"token": token, "groups": permission_groups(set(token.permission_names))},
    )


@require_POST
@admin_required
def access_token_delete(request, pk):
    token = get_object_or_404(_access_tokens(request), pk=pk)
    # The API lets only a token's creator delete it; an account's admin may always revoke its keys.
    services.delete_access_token(access_token=token, destroyer=None)
    messages.success(request, _("API key was successfully revoked."))
    return redirect("dashboard:access_tokens")


urlpatterns = [
    path("dashboard/access_tokens", access_token_list, name="access_tokens"),
    path("dashboard/access_tokens/new", access_token_new, name="access_token_new"),
    path("dashboard/access_tokens/<int:pk>", access_token_detail, name="access_token_detail"),
    path("dashboard/access_tokens/<int:pk>/delete", access_token_delete, name="access_token_delete"),
]
