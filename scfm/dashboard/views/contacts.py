"""Contacts: list with filters, create, edit, delete, CSV import (preview first) and CSV export."""

import uuid

from django.contrib import messages
from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from scfm.contacts import exports, imports, services
from scfm.contacts.models import Contact
from scfm.core.csv_export import csv_lines
from scfm.core.errors import BadRequest, ValidationFailed
from scfm.dashboard import filter_builder
from scfm.dashboard.access import member_required
from scfm.dashboard.forms.contacts import ContactForm, ContactImportForm
from scfm.dashboard.lists import filtered, list_page
from scfm.filtering.compiler import apply_filters
from scfm.filtering.specs import CONTACT_FILTERS

IMPORT_SIGNING_SALT = "scfm.dashboard.contact-import"
IMPORT_MAX_AGE_SECONDS = 60 * 60


def _contacts(request):
    return Contact.objects.for_account(request.user.account)


def _builder_context(request) -> dict:
    """The list's filter form: the API's `q[...]` parameters plus the builder's metadata rows."""
    rows = filter_builder.rows_from_request(request.GET)
    return {
        "filter_rows": rows,
        "operators": filter_builder.OPERATORS,
        "casts": filter_builder.CASTS,
        "builder_filter": filter_builder.rows_to_filter(rows),
    }


def _filtered_contacts(request):
    """The account's contacts narrowed by `q[...]` and by the builder's rows."""
    builder = _builder_context(request)
    contacts, error = filtered(request, _contacts(request), CONTACT_FILTERS)
    if builder["builder_filter"] and error is None:
        try:
            contacts = apply_filters(contacts, {"metadata": builder["builder_filter"]}, CONTACT_FILTERS)
        except ValidationFailed:
            contacts, error = contacts.none(), _("a metadata condition is not valid")
    return contacts, error, builder


@member_required
def contact_list(request):
    contacts, error, builder = _filtered_contacts(request)
    page = list_page(request, contacts, None)  # already filtered above
    page.filter_error = error
    return render(request, "dashboard/contacts/list.html", {"page": page, **builder})


@member_required
def contact_detail(request, pk):
    contact = get_object_or_404(_contacts(request), pk=pk)
    return render(request, "dashboard/contacts/detail.html", {"contact": contact})


def _contact_form(request, contact: Contact | None):
    """Create (contact is None) or edit; metadata rows replace the stored metadata, as in the reference."""
    form = ContactForm(request.POST if request.method == "POST" else None, contact=contact)
    if form.is_valid():
        try:
            if contact is None:
                contact = services.create_contact(
                    account=request.user.account, data=form.service_data(), allow_empty_metadata=True
                )
                messages.success(request, _("Contact was successfully created."))
            else:
                services.update_contact(contact=contact, data=form.service_data(), allow_empty_metadata=True)
                messages.success(request, _("Contact was successfully updated."))
            return redirect("dashboard:contact_detail", pk=contact.pk)
        except ValidationFailed as error:
            form.add_service_errors(error)
    return render(
        request,
        "dashboard/contacts/form.html",
        {
            "contact": contact,
            "msisdn": form.shown("msisdn"),
            "rows": form.shown("metadata") or [("", "")],
            "errors": form.errors_by_field(),
        },
        status=422 if form.errors else 200,
    )


@member_required
def contact_new(request):
    return _contact_form(request, None)


@member_required
def contact_edit(request, pk):
    return _contact_form(request, get_object_or_404(_contacts(request), pk=pk))


@require_POST
@member_required
def contact_delete(request, pk):
    contact = get_object_or_404(_contacts(request), pk=pk)
    try:
        services.delete_contact(contact=contact)
    except ValidationFailed:
        messages.error(request, _("Contact could not be deleted: it is part of a callout."))
        return redirect("dashboard:contact_detail", pk=pk)
    messages.success(request, _("Contact was successfully deleted."))
    return redirect("dashboard:contacts")


@member_required
def contact_export(request):
    """Every contact of the current filter, as the import reads them."""
    contacts, _error, _builder = _filtered_contacts(request)
    response = StreamingHttpResponse(
        csv_lines(exports.export_rows(contacts)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="contacts.csv"'
    return response


def _import_key(request) -> str:
    return f"contact-imports/{request.user.account_id}/{uuid.uuid4().hex}.csv"


@member_required
def contact_import(request):
    """Upload a CSV and see what it would do: counts, the first rows and every row's problem."""
    context: dict = {}
    if request.method == "POST":
        form = ContactImportForm(request.POST, request.FILES)
        if form.is_valid():
            context = _import_preview(request, form.cleaned_data["content"], form.cleaned_data["parsed"])
        else:
            context["error"] = form.errors["file"][0]
    status = 422 if context.get("error") else 200
    return render(request, "dashboard/contacts/import.html", context, status=status)


def _import_preview(request, content: bytes, parsed: imports.ParsedImport) -> dict:
    """Keep the upload for the confirmation and describe what importing it would do."""
    name = default_storage.save(_import_key(request), ContentFile(content))
    existing = imports.count_existing(account=request.user.account, parsed=parsed)
    return {
        "parsed": parsed,
        "existing": existing,
        "new": len(parsed.valid_rows) - existing,
        "sample": parsed.rows[:20],
        "token": signing.dumps({"name": name, "account": request.user.account_id}, salt=IMPORT_SIGNING_SALT),
    }


@require_POST
@member_required
def contact_import_confirm(request):
    """Write the previewed file; the signed token proves it was this account's own upload."""
    try:
        token = signing.loads(
            request.POST.get("token", ""), salt=IMPORT_SIGNING_SALT, max_age=IMPORT_MAX_AGE_SECONDS
        )
        if token["account"] != request.user.account_id:
            raise BadRequest("not this account's upload")
        with default_storage.open(token["name"], "rb") as stored:
            parsed = imports.parse_csv(stored.read())
    except (signing.BadSignature, BadRequest, OSError, KeyError, imports.ImportFileInvalid):
        messages.error(request, _("The import has expired or is not valid. Upload the file again."))
        return redirect("dashboard:contact_import")
    result = imports.import_contacts(account=request.user.account, parsed=parsed)
    default_storage.delete(token["name"])
    messages.success(
        request,
        _("Import finished: %(created)d created, %(updated)d updated, %(skipped)d rows skipped.")
        % {"created": result.created, "updated": result.updated, "skipped": result.skipped},
    )
    return redirect("dashboard:contacts")


urlpatterns = [
    path("dashboard/contacts", contact_list, name="contacts"),
    path("dashboard/contacts/new", contact_new, name="contact_new"),
    path("dashboard/contacts/export.csv", contact_export, name="contact_export"),
    path("dashboard/contacts/import", contact_import, name="contact_import"),
    path("dashboard/contacts/import/confirm", contact_import_confirm, name="contact_import_confirm"),
    path("dashboard/contacts/<int:pk>", contact_detail, name="contact_detail"),
    path("dashboard/contacts/<int:pk>/edit", contact_edit, name="contact_edit"),
    path("dashboard/contacts/<int:pk>/delete", contact_delete, name="contact_delete"),
]
