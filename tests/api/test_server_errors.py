"""What clients see when a request fails unexpectedly: 503 while the database is unreachable,
the reference's 500 body otherwise, never a traceback (bench/db_outage.py restarts a real
PostgreSQL under load; here the lost connection is simulated where each kind of page meets it)."""

import sqlite3

import psycopg
import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import InterfaceError, OperationalError
from django.test import Client

from scfm.api.authentication import AccessTokenAuthentication
from scfm.core.views import is_database_unavailable

pytestmark = pytest.mark.django_db

CONNECTION_LOST = OperationalError("server closed the connection unexpectedly")


@pytest.fixture
def client():
    return Client(raise_request_exception=False)


def fail_with(error):
    def fail(*args, **kwargs):
        raise error

    return fail


@pytest.mark.parametrize("error", [CONNECTION_LOST, InterfaceError("connection already closed")])
def test_the_api_answers_503_while_the_database_is_unreachable(client, monkeypatch, error):
    monkeypatch.setattr(AccessTokenAuthentication, "authenticate", fail_with(error))

    response = client.get("/api/contacts", HTTP_AUTHORIZATION="Bearer any")

    assert response.status_code == 503
    assert response.json() == {"status": 503, "error": "Service Unavailable"}
    assert response["Retry-After"] == "5"


def test_any_other_api_failure_is_the_reference_500(client, monkeypatch):
    monkeypatch.setattr(AccessTokenAuthentication, "authenticate", fail_with(RuntimeError("a bug")))

    response = client.get("/api/contacts", HTTP_AUTHORIZATION="Bearer any")

    assert response.status_code == 500
    assert response.json() == {"status": 500, "error": "Internal Server Error"}


def test_a_provider_webhook_answers_503_so_the_provider_may_retry(client, monkeypatch):
    monkeypatch.setattr("scfm.telephony.webhooks.find_account_for_sid", fail_with(CONNECTION_LOST))

    response = client.post("/twilio_webhooks/phone_call_events", {"AccountSid": "AC1", "CallSid": "CA1"})

    assert response.status_code == 503
    assert response.json() == {"status": 503, "error": "Service Unavailable"}


def test_a_dashboard_page_says_to_try_again(client, monkeypatch):
    # The session is read by middleware before any view runs: the lost connection surfaces there.
    monkeypatch.setattr(SessionStore, "load", fail_with(CONNECTION_LOST))
    client.cookies["sessionid"] = "s" * 32

    response = client.get("/dashboard/callouts")

    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/plain")
    assert b"try again" in response.content
    assert b"Traceback" not in response.content and b"OperationalError" not in response.content


def test_any_other_dashboard_failure_is_a_plain_500_page(client, monkeypatch):
    monkeypatch.setattr(SessionStore, "load", fail_with(RuntimeError("a bug")))
    client.cookies["sessionid"] = "s" * 32

    response = client.get("/dashboard/callouts")

    assert response.status_code == 500
    assert b"RuntimeError" not in response.content


def real_sqlite_error(sql: str) -> OperationalError:
    """Return Django's error for `sql` run by SQLite itself, with the driver's error as its cause."""
    try:
        sqlite3.connect(":memory:").execute(sql)
    except sqlite3.OperationalError as driver_error:
        error = OperationalError(*driver_error.args)
        error.__cause__ = driver_error
        return error
    raise AssertionError("the statement did not fail")


def test_a_query_error_is_a_500_not_an_outage(client, monkeypatch):
    # SQLite raises OperationalError for a bad row or argument too; a 503 with Retry-After told
    # clients to retry what would fail forever (a date filter over a malformed row did).
    error = real_sqlite_error("select json_extract('{', '$.a')")
    monkeypatch.setattr(AccessTokenAuthentication, "authenticate", fail_with(error))

    response = client.get("/api/contacts", HTTP_AUTHORIZATION="Bearer any")

    assert response.status_code == 500
    assert response.json() == {"status": 500, "error": "Internal Server Error"}
    assert "Retry-After" not in response


@pytest.mark.parametrize(
    ("cause", "unavailable"),
    [
        (psycopg.OperationalError("consuming input failed: server closed the connection"), True),
        (psycopg.errors.AdminShutdown("terminating connection due to administrator command"), True),
        (psycopg.errors.ConnectionFailure("connection failure"), True),
        (psycopg.errors.TooManyConnections("sorry, too many clients already"), True),
        (psycopg.errors.InvalidDatetimeFormat("invalid input syntax for type date"), False),
        (psycopg.errors.QueryCanceled("canceling statement due to user request"), False),
    ],
)
def test_postgres_errors_are_told_apart_by_their_sqlstate(cause, unavailable):
    error = OperationalError(str(cause))
    error.__cause__ = cause
    assert is_database_unavailable(error) is unavailable


def test_a_locked_sqlite_database_is_an_outage(tmp_path):
    path = tmp_path / "db.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("begin exclusive")
    try:
        error = None
        try:
            sqlite3.connect(path, timeout=0).execute("select 1 from sqlite_master")
        except sqlite3.OperationalError as driver_error:
            error = OperationalError(*driver_error.args)
            error.__cause__ = driver_error
        assert error is not None and is_database_unavailable(error)
    finally:
        holder.execute("rollback")
    assert not is_database_unavailable(real_sqlite_error("select no_such_function()"))
