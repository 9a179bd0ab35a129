"""What the dashboard's forms share: hashes and metadata filters edited as rows, services' errors on a form.

The pages draw their own inputs (templates keep their markup), so the widgets here only read the posted
data; forms parse and check its shape, services apply every business rule.
"""

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext as _

from scfm.core.errors import ValidationFailed
from scfm.dashboard import filter_builder
from scfm.dashboard.keyvalues import restore_types, rows_from_post, rows_to_dict


class DashboardForm(forms.Form):
    """A form whose errors are listed as the pages show them, services' errors included."""

    # Keys of the `settings` JSON edited with fields of their own (a calling window, a time zone…):
    # the services report them under `settings`, as "calling_window to must be after from".
    settings_keys: tuple[str, ...] = ()

    def add_service_errors(self, error: ValidationFailed) -> None:
        """Show a service's refusal on the form, each message under the field the service named, and a
        message about a setting with a field of its own under that field."""
        for field, messages in error.errors.items():
            if field == "settings" and self.settings_keys:
                messages = self._add_setting_errors(messages)
                if not messages:
                    continue
            if field in self.fields:
                self.add_error(field, list(messages))
            else:
                # `base`, or a field the page has no input of its own for: its name is kept for the list.
                self.errors.setdefault(field, self.error_class()).extend(messages)

    def _add_setting_errors(self, messages) -> list[str]:
        """Add each message that names one of `settings_keys` to its field, without the name (the
        page shows the field's label); return the others."""
        others = []
        for message in messages:
            key = next((key for key in self.settings_keys if message.startswith(f"{key} ")), None)
            if key is None:
                others.append(message)
            else:
                self.add_error(key, message[len(key) + 1 :])
        return others

    def shown(self, name: str):
        """Return what field `name` shows again: the posted value as the field reads it, or the initial."""
        return self.fields[name].to_python(self[name].value())

    def errors_by_field(self) -> dict[str, list[str]]:
        """Return {field: [messages]}, the form's own non-field errors under `base` (the services' name)."""
        return {
            ("base" if field == NON_FIELD_ERRORS else field): list(messages)
            for field, messages in self.errors.items()
        }


class KeyValueRowsWidget(forms.Widget):
    """Read a hash editor's rows, its `<name>-key` and `<name>-value` lists (the template draws them)."""

    def value_from_datadict(self, data, files, name):
        return rows_from_post(data, name)

    def value_omitted_from_data(self, data, files, name):
        return False


class KeyValueField(forms.Field):
    """A JSON hash edited as (key, value) rows, where `a:b` nests; cleaned into the nested dict.

    Its value (`form[name].value()`) is the rows: the posted ones, or the initial ones before a post.
    """

    widget = KeyValueRowsWidget

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)  # no rows is an empty hash
        super().__init__(**kwargs)

    def to_python(self, rows):
        return list(rows or [])

    def clean(self, rows) -> dict:
        nested, problems = rows_to_dict(self.to_python(rows))
        if problems:
            raise ValidationError(problems)
        return nested


class FilterRowsWidget(forms.Widget):
    """Read the metadata filter builder's rows (`<name>-key`, `-operator`, `-cast`, `-value`)."""

    def value_from_datadict(self, data, files, name):
        return filter_builder.rows_from_request(data, prefix=name)

    def value_omitted_from_data(self, data, files, name):
        return False


class MetadataFilterField(forms.Field):
    """A metadata filter built from rows of conditions; cleaned into the filter hash the API takes.

    Its value (`form[name].value()`) is the rows (FilterRow): the posted ones, or the initial ones.
    """

    widget = FilterRowsWidget

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)  # no condition matches every contact
        super().__init__(**kwargs)

    def to_python(self, rows):
        return list(rows or [])

    def clean(self, rows) -> dict:
        return filter_builder.rows_to_filter(self.to_python(rows))


class SettingsRowsField(KeyValueField):
    """The rows of the settings without a field of their own: a row naming one of `own_keys` is
    refused, and a row not changed keeps its stored type (a number, a list…)."""

    def __init__(self, *, stored: dict, own_keys):
        super().__init__()
        self.stored = stored
        self.own_keys = tuple(own_keys)

    def clean(self, rows) -> dict:
        other, problems = rows_to_dict(self.to_python(rows))
        problems += [
            _("Set “%(key)s” with its own field above.") % {"key": key}
            for key in other
            if key in self.own_keys
        ]
        if problems:
            raise ValidationError(problems)
        return restore_types(other, self.stored)
