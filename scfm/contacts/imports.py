"""CSV import of contacts: one phone number column plus metadata columns, upserted by phone number.

Parsing is separate from writing so the dashboard can show a preview with every row's problems
before anything is written. Metadata column names nest with a colon (`location:country`), as in
the dashboard's key/value editors; empty cells are left out.
"""

import csv
import io
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from scfm.accounts.models import Account
from scfm.contacts.models import Contact
from scfm.contacts.msisdn import has_extension, is_plausible_msisdn, normalize_msisdn
from scfm.core.metadata import MAX_NESTING

PHONE_COLUMNS = ("msisdn", "phone_number", "phone number", "phone", "mobile", "telephone")
# Columns of SCFM's own export that are not metadata, so an export re-imports as it is.
RESERVED_COLUMNS = ("id", "created_at", "updated_at")
MAX_ROWS = 100_000
BATCH_SIZE = 1_000


class ImportFileInvalid(ValueError):
    """The file cannot be read as a contacts CSV at all (as opposed to single bad rows)."""


@dataclass
class ImportRow:
    line: int  # line number in the file, header = 1
    msisdn: str
    metadata: dict
    error: str | None = None


@dataclass
class ParsedImport:
    phone_column: str
    metadata_columns: list[str]
    rows: list[ImportRow] = field(default_factory=list)

    @property
    def valid_rows(self) -> list[ImportRow]:
        return [row for row in self.rows if row.error is None]

    @property
    def invalid_rows(self) -> list[ImportRow]:
        return [row for row in self.rows if row.error is not None]


@dataclass
class ImportResult:
    created: int
    updated: int
    skipped: int


def _nest(metadata: dict, column: str, value: str) -> None:
    *parents, name = column.split(":")
    node = metadata
    for part in parents:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[name] = value


def parse_csv(content: bytes) -> ParsedImport:
    """Read the file; raise ImportFileInvalid when it has no phone number column or is not text."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFileInvalid(_("The file is not UTF-8 text.")) from error
    if "\x00" in text:  # a binary file that happens to decode; PostgreSQL stores no NUL either
        raise ImportFileInvalid(_("The file is not UTF-8 text."))
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    header = [name.strip() for name in next(reader, [])]
    phone_index = next((index for index, name in enumerate(header) if name.lower() in PHONE_COLUMNS), None)
    if phone_index is None:
        raise ImportFileInvalid(
            _("No phone number column: name one of the columns %(names)s.")
            % {"names": ", ".join(PHONE_COLUMNS[:3])}
        )
    metadata_columns = [
        (index, name)
        for index, name in enumerate(header)
        if index != phone_index and name and name.lower() not in RESERVED_COLUMNS
    ]
    if too_deep := next((name for _, name in metadata_columns if name.count(":") >= MAX_NESTING), None):
        raise ImportFileInvalid(
            _("The column “%(name)s” nests more than %(max)d levels deep.")
            % {"name": f"{too_deep[:40]}…", "max": MAX_NESTING}
        )
    parsed = ParsedImport(phone_column=header[phone_index], metadata_columns=[n for _, n in metadata_columns])
    seen: dict[str, int] = {}
    for line, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(parsed.rows) >= MAX_ROWS:
            raise ImportFileInvalid(_("The file has more than %(max)d rows; split it.") % {"max": MAX_ROWS})
        raw = cells[phone_index].strip() if phone_index < len(cells) else ""
        msisdn = normalize_msisdn(raw) if raw else ""
        metadata: dict = {}
        for index, name in metadata_columns:
            value = cells[index].strip() if index < len(cells) else ""
            if value:
                _nest(metadata, name, value)
        row = ImportRow(line=line, msisdn=msisdn, metadata=metadata)
        if not raw:
            row.error = _("Phone number is missing.")
        elif has_extension(raw):
            row.error = _("“%(number)s” has an extension; only the number can be called.") % {"number": raw}
        elif not is_plausible_msisdn(msisdn):
            row.error = _("“%(number)s” is not a valid phone number.") % {"number": raw}
        elif msisdn in seen:
            row.error = _("Same phone number as line %(line)d.") % {"line": seen[msisdn]}
        else:
            seen[msisdn] = line
        parsed.rows.append(row)
    return parsed


def count_existing(*, account: Account, parsed: ParsedImport) -> int:
    """How many of the valid rows will update a contact that already exists."""
    numbers = [row.msisdn for row in parsed.valid_rows]
    return sum(
        Contact.objects.for_account(account).filter(msisdn__in=numbers[i : i + BATCH_SIZE]).count()
        for i in range(0, len(numbers), BATCH_SIZE)
    )


@transaction.atomic
def import_contacts(*, account: Account, parsed: ParsedImport) -> ImportResult:
    """Create or update (metadata merged, file wins) one contact per valid row, all or nothing."""
    created = updated = 0
    valid = parsed.valid_rows
    now = timezone.now()
    for start in range(0, len(valid), BATCH_SIZE):
        batch = valid[start : start + BATCH_SIZE]
        existing = {
            contact.msisdn: contact
            for contact in Contact.objects.for_account(account)
            .select_for_update()
            .filter(msisdn__in=[row.msisdn for row in batch])
        }
        to_create, to_update = [], []
        for row in batch:
            contact = existing.get(row.msisdn)
            if contact is None:
                to_create.append(Contact(account=account, msisdn=row.msisdn, metadata=row.metadata))
            else:
                contact.metadata = {**contact.metadata, **row.metadata}
                contact.updated_at = now
                to_update.append(contact)
        Contact.objects.bulk_create(to_create)
        Contact.objects.bulk_update(to_update, ["metadata", "updated_at"])
        created += len(to_create)
        updated += len(to_update)
    return ImportResult(created=created, updated=updated, skipped=len(parsed.invalid_rows))
