"""Examples for `q[metadata][...]`: every operator, nesting, dotted keys and the reference's examples."""

import pytest

from scfm.core.errors import ValidationFailed

pytestmark = pytest.mark.django_db


def test_equality_compares_text_of_strings_numbers_and_booleans(contacts, matching):
    created = contacts(
        {"code": "123"},
        {"code": 123},
        {"code": 123.0},
        {"code": "0123"},
        {"code": True},
        {"code": "true"},
        {"code": None},
        {"other": "123"},
    )
    assert matching(created, {"code": "123"}) == [0, 1]
    assert matching(created, {"code": "123.0"}) == [2]
    assert matching(created, {"code": "true"}) == [4, 5]
    assert matching(created, {"code": 123}) == [0, 1]  # JSON bodies send numbers
    assert matching(created, {"code": True}) == [4, 5]


def test_equality_never_matches_objects_arrays_or_null(contacts, matching):
    created = contacts({"tags": ["a"]}, {"tags": {"a": 1}}, {"tags": None}, {"tags": "a"})
    assert matching(created, {"tags": "a"}) == [3]
    assert matching(created, {"tags": '["a"]'}) == []
    assert matching(created, {"tags": '{"a": 1}'}) == []
    assert matching(created, {"tags": '{"a":1}'}) == []


def test_ordinary_floats_match_their_printed_text(contacts, matching):
    created = contacts({"score": 1.5}, {"score": 12.25}, {"score": -0.5}, {"score": "1.5"})
    assert matching(created, {"score": "1.5"}) == [0, 3]
    assert matching(created, {"score": "12.25"}) == [1]
    assert matching(created, {"score": "-0.5"}) == [2]
    assert matching(created, {"score": 1.5}) == [0, 3]


def test_value_without_equals_sign_matches_missing_or_null(contacts, matching):
    created = contacts({"foo": None}, {}, {"foo": ""}, {"foo": "x"}, {"foo": {}}, {"bar": 1})
    assert matching(created, {"foo": None}) == [0, 1, 5]


def test_nested_paths_and_in(contacts, matching):
    created = contacts(
        {"address": {"city": "PP"}},
        {"address": {"city": "SR"}},
        {"address": {"city": "KP"}},
        {"address": "PP"},
        {"city": "PP"},
    )
    assert matching(created, {"address": {"city.in": ["PP", "SR"]}}) == [0, 1]
    assert matching(created, {"address": {"city": "PP"}}) == [0]
    assert matching(created, {"address": {"city.in": "PP,SR"}}) == []  # a scalar is one value, no split
    assert matching(created, {"address": {"city.in": []}}) == []


def test_dots_are_literal_key_characters_and_never_nest(contacts, matching):
    created = contacts(
        {"date.of.birth": "2000-05-01"},
        {"date.of.birth": "2001-05-01"},
        {"date": {"of": {"birth": "2000-05-01"}}},
        {"a.b": "x"},
        {"a": {"b": "x"}},
    )
    assert matching(created, {"date.of.birth.date.lteq": "2000-12-31"}) == [0]
    assert matching(created, {"a.b": "x"}) == [3]
    assert matching(created, {"a.b.in": ["x"]}) == [3]


def test_integer_like_keys_are_object_keys_not_array_indexes(contacts, matching):
    created = contacts({"list": ["x", "y"]}, {"list": {"0": "x"}}, {"0": "x"})
    assert matching(created, {"list": {"0": "x"}}) == [1]
    assert matching(created, {"0": "x"}) == [2]
    assert matching(created, {"list": {"0.exists": "true"}}) == [1]


def test_unusual_keys(contacts, matching):
    created = contacts(
        {"é": "x"}, {'say "hi"': "x"}, {"": "x"}, {"a\\b": "x"}, {"k'y": 1.5}, {'q"': {"n": 7}}
    )
    assert matching(created, {"é": "x"}) == [0]
    assert matching(created, {'say "hi"': "x"}) == [1]
    assert matching(created, {"": "x"}) == [2]
    assert matching(created, {"a\\b": "x"}) == [3]
    assert matching(created, {"k'y.gt": "1"}) == [4]
    assert matching(created, {'q"': {"n.gteq": "7"}}) == [5]
    assert matching(created, {'q"': {"n": "7"}}) == [5]


def test_any_matches_string_elements_of_arrays(contacts, matching):
    created = contacts(
        {"registered_districts": ["1401", "1405"]},
        {"registered_districts": ["1402"]},
        {"registered_districts": [1401]},
        {"registered_districts": "1401"},
        {"registered_districts": {"1401": True}},
        {"registered_districts": [["1401"]]},
        {},
    )
    query = {"registered_districts.any": ["1402", "1401"]}
    assert matching(created, query) == [0, 1]
    assert matching(created, {"registered_districts.any": "1405"}) == [0]
    assert matching(created, {"registered_districts.any": []}) == []


@pytest.mark.parametrize(
    ("operator", "expected"), [("lt", [0, 3]), ("lteq", [0, 1, 3, 4]), ("gt", [2, 5]), ("gteq", [1, 2, 4, 5])]
)
def test_numeric_comparisons(contacts, matching, operator, expected):
    created = contacts(
        {"age": 9},
        {"age": 10},
        {"age": 10.5},
        {"age": "-3"},
        {"age": "10.0"},
        {"age": "11"},
        {"age": "ten"},
        {"age": "1e3"},
        {"age": True},
        {"age": None},
        {"age": ["10"]},
        {},
    )
    assert matching(created, {f"age.{operator}": "10"}) == expected
    assert matching(created, {f"age.numeric.{operator}": "10"}) == expected


@pytest.mark.parametrize(
    ("operator", "expected"), [("lt", [0]), ("lteq", [0, 1, 2]), ("gt", [3]), ("gteq", [1, 2, 3])]
)
def test_date_comparisons(contacts, matching, operator, expected):
    created = contacts(
        {"dob": "2022-01-14"},
        {"dob": "2022-01-15"},
        {"dob": "2022-01-15T23:00:00Z"},
        {"dob": "2024-02-29"},
        {"dob": "2023-02-29"},
        {"dob": "2022-13-01"},
        {"dob": "0000-01-01"},
        {"dob": 20220115},
        {"dob": "x"},
        {"dob": "22-01-15"},
    )
    assert matching(created, {f"dob.date.{operator}": "2022-01-15"}) == expected


def test_reference_example_gender_and_birth_month(account, contacts, matching):
    created = contacts(
        {"gender": "f", "date_of_birth": "2022-01-15"},
        {"gender": "m", "date_of_birth": "2022-01-15"},
        {"gender": "f", "date_of_birth": "2022-02-01"},
        {"gender": "f", "date_of_birth": "2021-12-31"},
        {"gender": "f"},
    )
    query = {"gender": "f", "date_of_birth.date.gt": "2022-01-01", "date_of_birth.date.lt": "2022-02-01"}
    assert matching(created, query) == [0]


def test_exists_true_and_false_including_missing_parents(contacts, matching):
    created = contacts(
        {"details": {"deregistered_at": "2023-01-01"}},
        {"details": {"deregistered_at": None}},
        {"details": {}},
        {"details": "text"},
        {},
        {"deregistered_at": "2023-01-01"},
    )
    assert matching(created, {"details": {"deregistered_at.exists": "true"}}) == [0, 1]
    # Rows without `details` match exists=false (the reference excluded them, defect #10).
    assert matching(created, {"details": {"deregistered_at.exists": "false"}}) == [2, 3, 4, 5]
    assert matching(created, {"details": {"deregistered_at.exists": False}}) == [2, 3, 4, 5]
    assert matching(created, {"details": {"deregistered_at.exists": ""}}) == [2, 3, 4, 5]
    assert matching(created, {"details": {"deregistered_at.exists": None}}) == [2, 3, 4, 5]
    assert matching(created, {"deregistered_at.exists": "yes"}) == [5]
    assert matching(created, {"details.exists": "1"}) == [0, 1, 2, 3]


def test_population_contact_filter_params_from_json_body(contacts, matching):
    created = contacts(
        {"gender": "f", "date_of_birth": "2022-01-01"},
        {"gender": "f", "date_of_birth": "2022-01-31", "deregistered_at": "2023-01-01"},
        {"gender": "f", "date_of_birth": "2022-02-01"},
    )
    params = {
        "gender": "f",
        "date_of_birth.date.gteq": "2022-01-01",
        "date_of_birth.date.lt": "2022-02-01",
        "deregistered_at.exists": False,
    }
    assert matching(created, params) == [0]


def test_type_suffix_without_operator_is_stripped(contacts, matching):
    created = contacts({"dob": "2022-01-01"}, {"dob.date": "2022-01-01"})
    assert matching(created, {"dob.date": "2022-01-01"}) == [0]


def test_empty_hash_adds_no_condition(contacts, matching):
    created = contacts({"a": 1}, {})
    assert matching(created, {}) == [0, 1]
    assert matching(created, {"a": {}}) == [0, 1]


@pytest.mark.parametrize(
    ("metadata_filter", "message"),
    [
        ({"age.gt": "abc"}, "q[metadata][age.gt]: 'abc' is not a valid number"),
        ({"age.gt": "1e5000"}, "q[metadata][age.gt]: '1e5000' is not a valid number"),
        ({"age.gt": None}, "q[metadata][age.gt] must be a single numeric value"),
        ({"age.gt": ["1"]}, "q[metadata][age.gt] must be a single numeric value"),
        (
            {"dob.date.lt": "2022-02-30"},
            "q[metadata][dob.date.lt]: '2022-02-30' is not a valid date (YYYY-MM-DD)",
        ),
        (
            {"dob.date.lt": "01/02/2022"},
            "q[metadata][dob.date.lt]: '01/02/2022' is not a valid date (YYYY-MM-DD)",
        ),
        ({"dob.exists": "maybe"}, "q[metadata][dob.exists]: 'maybe' is not true or false"),
        ({"tags": ["a", "b"]}, "q[metadata][tags] must be a single value (use `tags.in` to match a list)"),
        ({"a": "x\x00"}, "q[metadata][a] must not contain NUL characters"),
        ({"a.in": [{"b": 1}]}, "q[metadata][a.in] must be a single value"),
    ],
)
def test_invalid_values_are_validation_errors(contacts, matching, metadata_filter, message):
    with pytest.raises(ValidationFailed) as failure:
        matching([], metadata_filter)
    assert failure.value.errors == {"q": [message]}


def test_date_bounds_may_be_times(contacts, matching):
    created = contacts({"dob": "2022-01-15"}, {"dob": "2022-01-16"})
    assert matching(created, {"dob.date.lteq": "2022-01-15T10:00:00Z"}) == [0]


def test_every_bad_value_is_reported(contacts, matching):
    with pytest.raises(ValidationFailed) as failure:
        matching([], {"a.gt": "x", "b.date.lt": "y"})
    assert len(failure.value.errors["q"]) == 2
