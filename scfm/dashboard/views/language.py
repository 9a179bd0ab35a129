from django.shortcuts import redirect
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from scfm.accounts import memberships
from scfm.dashboard.access import member_required


@require_POST
@member_required
def change_language(request):
    """Keep the chosen language on the user, so it follows them to every device."""
    memberships.change_locale(user=request.user, locale=request.POST.get("locale") or "")
    target = request.POST.get("next") or "/dashboard/callouts"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/dashboard/callouts"
    return redirect(target)


urlpatterns = [path("dashboard/locale", change_language, name="language")]
