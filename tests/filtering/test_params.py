"""The `q[...]` query-string parser the API and the dashboard share."""

import pytest

from scfm.core.errors import BadRequest
from scfm.filtering.params import ParametersTooDeep, nested_query_params, parse_nested, split_key


def test_split_key_returns_each_bracketed_part():
    assert split_key("q[metadata][ids][]") == ["q", "metadata", "ids", ""]
    assert split_key("page") == ["page"]


def test_nested_query_params_builds_hashes_and_lists():
    parsed = nested_query_params("q[metadata][name]=Dara&q[ids][]=1&q[ids][]=2&page=2")
    assert parsed == {"q": {"metadata": {"name": "Dara"}, "ids": ["1", "2"]}, "page": "2"}


def test_a_key_without_a_value_is_none_and_encoding_is_decoded():
    parsed = nested_query_params("q[metadata][foo]&q[msisdn]=%2B855+1")
    assert parsed == {"q": {"metadata": {"foo": None}, "msisdn": "+855 1"}}


def test_parameters_nested_too_deeply_are_a_bad_request():
    with pytest.raises(ParametersTooDeep, match="nested more than 100 levels deep") as raised:
        parse_nested([("q" + "[a]" * 100, "1")])
    assert isinstance(raised.value, BadRequest)  # the API answers 400
    assert parse_nested([("q" + "[a]" * 99, "1")])  # 100 parts are allowed
