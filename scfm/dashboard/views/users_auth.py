"""Signing in and out, password reset and change, and accepting an invitation (`/users/...`).

There is no public sign-up: people join an account by invitation.
"""

from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import SetPasswordForm
from django.shortcuts import redirect, render
from django.urls import path, reverse_lazy
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from scfm.accounts import memberships, sign_in
from scfm.accounts.models import User


class SignInForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Email"), max_length=255)
    password = forms.CharField(label=gettext_lazy("Password"), widget=forms.PasswordInput, max_length=128)


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def sign_in_view(request):
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    form = SignInForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].strip().lower()
        # The lock-out (scfm.accounts.sign_in, through axes) refuses this while the account or this
        # client on it is locked, and axes' middleware then answers with locked_out_response.
        user = authenticate(request, email=email, password=form.cleaned_data["password"])
        if user is None:
            error = _("Invalid email or password.")
        else:
            login(request, user)
            return redirect(_safe_next(request, settings.LOGIN_REDIRECT_URL))
    status = 200 if error is None else 400
    return render(
        request,
        "users/sign_in.html",
        {"form": form, "error": error, "next": request.GET.get("next", "")},
        status=status,
    )


def locked_out_response(request, original_response, credentials):
    """Answer a locked sign-in, from the dashboard or /admin/, with the sign-in page and when to retry.

    The same answer whether the password was right or wrong and whether the e-mail exists, so a
    lock can be used to probe neither. axes calls this (AXES_LOCKOUT_CALLABLE) for any locked attempt.
    """
    # None: the lock ran out between the attempt and now, so now is when to try again.
    until = sign_in.locked_until(request, credentials) or timezone.now()
    error = _("Too many failed attempts. Try again after %(time)s.") % {
        "time": date_format(timezone.localtime(until), "H:i e")
    }
    form = SignInForm(initial={"email": sign_in.account_key(request, credentials) or ""})
    return render(
        request,
        "users/sign_in.html",
        {"form": form, "error": error, "next": ""},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )


@require_POST
def sign_out_view(request):
    logout(request)
    messages.info(request, _("Signed out successfully."))
    return redirect("users:sign_in")


class InvitationAcceptForm(SetPasswordForm):
    pass


@sensitive_post_parameters("new_password1", "new_password2")
@csrf_protect
@never_cache
def accept_invitation_view(request):
    """Set a password from the link in the invitation email, then sign in."""
    token = request.POST.get("invitation_token") or request.GET.get("invitation_token") or ""
    valid_after = timezone.now() - timedelta(days=settings.SCFM_INVITATION_VALID_DAYS)
    user = (
        User.objects.filter(
            invitation_token=token, is_active=True, invitation_sent_at__gte=valid_after
        ).first()
        if token
        else None
    )
    if user is None:
        return render(request, "users/invitation_invalid.html", status=404)
    form = InvitationAcceptForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        memberships.accept_invitation(user=user, password=form.cleaned_data["new_password1"])
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Your password was set successfully. You are now signed in."))
        return redirect(settings.LOGIN_REDIRECT_URL)
    return render(request, "users/invitation_accept.html", {"form": form, "token": token, "invited": user})


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "users/password_reset.html"
    email_template_name = "users/password_reset_email.txt"
    subject_template_name = "users/password_reset_subject.txt"
    success_url = reverse_lazy("users:password_reset_sent")

    def form_valid(self, form):
        # Links point at the public address, not whatever Host the request came in with.
        self.extra_email_context = {"public_url": settings.SCFM_PUBLIC_URL}
        return super().form_valid(form)


class PasswordResetSentView(auth_views.PasswordResetDoneView):
    template_name = "users/password_reset_sent.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "users/password_reset_confirm.html"
    success_url = reverse_lazy("users:sign_in")
    post_reset_login = False

    def form_valid(self, form):
        response = super().form_valid(form)
        sign_in.lift_lock(form.user.email)  # the link proved the mailbox is theirs
        messages.success(self.request, _("Your password has been changed. You can sign in now."))
        return response


class ChangePasswordView(auth_views.PasswordChangeView):
    template_name = "users/change_password.html"
    success_url = reverse_lazy("dashboard:callouts")

    def form_valid(self, form):
        messages.success(self.request, _("Your password has been changed."))
        return super().form_valid(form)


app_name = "users"
urlpatterns = [
    path("users/sign_in", sign_in_view, name="sign_in"),
    path("users/sign_out", sign_out_view, name="sign_out"),
    path("users/password/new", PasswordResetView.as_view(), name="password_reset"),
    path("users/password/sent", PasswordResetSentView.as_view(), name="password_reset_sent"),
    path(
        "users/password/edit/<uidb64>/<token>",
        PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("users/edit", ChangePasswordView.as_view(), name="change_password"),
    path("users/invitation/accept", accept_invitation_view, name="accept_invitation"),
]
