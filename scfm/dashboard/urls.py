"""Every dashboard page. Each resource module lists its own routes; lists take the API's `q[...]` filters."""

from django.urls import path
from django.views.generic import RedirectView

from scfm.dashboard.views import (
    access_tokens,
    account,
    call_flows,
    callouts,
    contacts,
    events,
    language,
    participations,
    phone_calls,
    populations,
    recordings,
    users,
)

app_name = "dashboard"
urlpatterns = [
    path("dashboard", RedirectView.as_view(pattern_name="dashboard:callouts"), name="home"),
    *language.urlpatterns,
    *callouts.urlpatterns,
    *call_flows.urlpatterns,
    *populations.urlpatterns,
    *contacts.urlpatterns,
    *participations.urlpatterns,
    *phone_calls.urlpatterns,
    *events.urlpatterns,
    *recordings.urlpatterns,
    *users.urlpatterns,
    *access_tokens.urlpatterns,
    *account.urlpatterns,
]
