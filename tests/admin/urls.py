"""Just the admin site (as config.urls mounts it), so these tests don't depend on other routes."""

from django.contrib import admin
from django.urls import path

urlpatterns = [path("admin/", admin.site.urls)]
