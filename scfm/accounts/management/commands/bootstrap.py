import secrets

from django.conf import settings
from django.core.management.base import BaseCommand

from scfm.accounts import services
from scfm.accounts.models import Account, User, UserRole
from scfm.accounts.permissions import ALL_TOKEN_PERMISSIONS_MASK, mask_to_names


class Command(BaseCommand):
    help = "On a fresh installation, create the super-admin account and print its token and the URLs."

    def handle(self, *args, **options):
        base = settings.SCFM_PUBLIC_URL
        if Account.objects.exists():
            self.stdout.write(f"SCFM is already set up. API: {base}/api  docs: {base}/api/docs")
            return
        # The first account calls through the built-in simulator, so a new installation can run a
        # callout end to end without a provider account.
        account = services.create_account(
            super_admin=True,
            data={
                "platform_provider_name": "somleng",
                "somleng_account_sid": settings.SIMULATOR_ACCOUNT_SID,
                "somleng_auth_token": settings.SIMULATOR_AUTH_TOKEN,
                "somleng_api_base_url": f"http://127.0.0.1:{settings.SIMULATOR_PORT}",
            },
        )
        token = services.create_access_token(
            account=account,
            created_by=account,
            data={"permissions": mask_to_names(ALL_TOKEN_PERMISSIONS_MASK)},
        )
        # The first person: an admin of the account, and staff of the installation (/admin/).
        password = secrets.token_urlsafe(12)
        user = User.objects.create_superuser(
            settings.SCFM_BOOTSTRAP_ADMIN_EMAIL, password, account=account, role=UserRole.ADMIN
        )
        self.stdout.write(
            "\nCreated the super-admin account "
            f"{account.pk}.\n"
            f"  Dashboard:    {base}/dashboard  (sign in as {user.email} / {password})\n"
            f"  Access token: {token.token}\n"
            f"  API:          {base}/api\n"
            f"  Try:          curl -H 'Authorization: Bearer {token.token}' {base}/api/account\n"
            f"  API docs:     {base}/api/docs\n"
            f"  Admin:        {base}/admin/\n"
            f"  Simulator:    http://127.0.0.1:{settings.SIMULATOR_PORT}/simulator/calls "
            "(the account's provider: calls ring, answer, fail and retry here)\n"
            "Keep the password and token: they are shown once here. Change the password in the dashboard.\n"
        )
