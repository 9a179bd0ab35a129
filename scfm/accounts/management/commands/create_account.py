import json

from django.core.management.base import BaseCommand

from scfm.accounts import services
from scfm.accounts.permissions import ALL_TOKEN_PERMISSIONS_MASK, mask_to_names


class Command(BaseCommand):
    help = "Create an account and an access token that holds every permission."

    def add_arguments(self, parser):
        parser.add_argument("--super-admin", action="store_true", help="May manage every account.")
        parser.add_argument(
            "--json", action="store_true", help='Print {"account_id": N, "access_token": "…"}.'
        )

    def handle(self, *args, **options):
        account = services.create_account(super_admin=options["super_admin"])
        token = services.create_access_token(
            account=account,
            created_by=account,
            data={"permissions": mask_to_names(ALL_TOKEN_PERMISSIONS_MASK)},
        )
        if options["json"]:
            self.stdout.write(json.dumps({"account_id": account.pk, "access_token": token.token}))
        else:
            kind = "super-admin account" if options["super_admin"] else "account"
            self.stdout.write(f"Created {kind} {account.pk}\nAccess token: {token.token}")
