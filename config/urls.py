from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from django.views.static import serve

handler500 = "scfm.core.views.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("scfm.telephony.urls")),
    path("", include("scfm.api.urls")),
    path("", include("scfm.dashboard.views.users_auth")),
    path("", include("scfm.dashboard.urls")),
    path("", RedirectView.as_view(pattern_name="dashboard:callouts"), name="root"),
]

if "FileSystemStorage" in settings.STORAGES["default"]["BACKEND"]:
    # Uploaded audio must be reachable by the provider at its public URL; with local storage the
    # web process serves it (read-only, from MEDIA_ROOT only). S3 serves its own files.
    media_prefix = settings.MEDIA_URL.lstrip("/")
    urlpatterns.append(
        re_path(rf"^{media_prefix}(?P<path>.+)$", serve, {"document_root": settings.MEDIA_ROOT})
    )
