"""The callout population form: the builder's metadata conditions, which become the contact filter.

A new population starts from the account's default parameters; an edited one keeps every parameter
but the contact filter's metadata.
"""

import copy

from django.utils.translation import gettext as _

from scfm.callouts import populations as services
from scfm.callouts.models import BatchOperation
from scfm.core.errors import ValidationFailed
from scfm.core.metadata import deep_merge
from scfm.dashboard import filter_builder
from scfm.dashboard.forms.base import DashboardForm, MetadataFilterField


def stored_metadata_filter(population: BatchOperation | None) -> dict:
    stored = population.contact_filter_params.get("metadata") if population else None
    return stored if isinstance(stored, dict) else {}


def parameters_with_filter(base, metadata_filter: dict) -> dict:
    """`base` parameters with the contact filter's metadata replaced by the builder's (other keys kept)."""
    parameters = copy.deepcopy(base) if isinstance(base, dict) else {}
    contact_filter_params = parameters.get("contact_filter_params")
    contact_filter_params = dict(contact_filter_params) if isinstance(contact_filter_params, dict) else {}
    contact_filter_params["metadata"] = metadata_filter
    parameters["contact_filter_params"] = contact_filter_params
    return parameters


def new_parameters(account, metadata_filter: dict) -> dict:
    """What create_population will store: the account's default parameters under the builder's filter."""
    parameters = {"contact_filter_params": {"metadata": metadata_filter}}
    defaults = (
        account.settings.get(services.ACCOUNT_DEFAULT_PARAMETERS_KEY)
        if isinstance(account.settings, dict)
        else None
    )
    return deep_merge(defaults, parameters) if isinstance(defaults, dict) else parameters


class PopulationForm(DashboardForm):
    filter = MetadataFilterField()

    def __init__(self, data=None, *, population: BatchOperation | None = None):
        self.population = population
        rows = filter_builder.filter_to_rows(stored_metadata_filter(population))
        super().__init__(data, initial={"filter": rows})

    def metadata_filter(self) -> dict:
        """Return the filter the rows describe, posted or not."""
        return filter_builder.rows_to_filter(self.shown("filter"))

    def parameters(self, account) -> dict:
        """Return the parameters the population has once saved: what the preview counts."""
        if self.population is None:
            return new_parameters(account, self.metadata_filter() if self.is_bound else {})
        if not self.is_bound:
            return self.population.parameters
        return parameters_with_filter(self.population.parameters, self.metadata_filter())

    def service_data(self) -> dict:
        """Return what create_population (a new population) or update_population (an edit) takes."""
        if self.population is None:
            return {"parameters": {"contact_filter_params": {"metadata": self.cleaned_data["filter"]}}}
        return {"parameters": parameters_with_filter(self.population.parameters, self.cleaned_data["filter"])}

    def add_service_errors(self, error: ValidationFailed) -> None:
        errors = dict(error.errors)
        if "contact_filter_params" in errors:
            # The service names what is wrong in the hash; the page has rows, not a hash, to point at.
            errors["contact_filter_params"] = [_("The contact filter is not valid.")]
        super().add_service_errors(ValidationFailed(errors))
