"""Emails against a real SMTP server (aiosmtpd, counting at the wire) and real ``runworker``
processes, with faults through real interfaces: the worker SIGKILLed the moment its message
reached the mail server, its database connections cut during the send, a hung mail server
during a drain and while orders keep coming. Never two messages with different
``Message-ID``s for one order and kind; no message lost; a stop bounded in time; orders still
ship while the mail server hangs (emails run on their own task queue)."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest
from django.db import connection

from orders.models import EmailNotification, Order
from orders.services.checkout import start_workflow_for
from tests.factories import ProductFactory, set_stock
from tests.reliability.harness import make_order, wait_until
from tests.reliability.smtp import RecordingHandler, SmtpServer

pytestmark = [
    pytest.mark.postgres(reason="a worker subprocess can't see SQLite's in-memory test database"),
    pytest.mark.temporal,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]

CONFIRMATION = "is confirmed"  # in the confirmation's subject


def _mail_env(smtp: SmtpServer, **extra: str) -> dict[str, str]:
    return {
        "EMAIL_URL": smtp.url,
        "EMAIL_TIMEOUT": "2",
        "EMAIL_SEND_LEASE_SECONDS": "3",
        "TEMPORAL_EMAIL_TASK_QUEUE": "",
        **extra,
    }


def _expected_id(order: Order) -> str:
    return f"<order-{order.number}-confirmation@example.com>"


def _confirmation_sent(order: Order) -> bool:
    return EmailNotification.objects.filter(
        order=order, kind="confirmation", sent_at__isnull=False
    ).exists()


def _order() -> Order:
    return make_order(set_stock(ProductFactory(), 5), quantity=1)


def test_worker_killed_once_the_message_reached_the_server_resends_the_same_message_id(
    temporal, worker_process
):
    # Given a worker, and a mail server that SIGKILLs it right after the confirmation arrived
    # (before answering, so the worker never learns it was accepted)
    handler = RecordingHandler()
    with SmtpServer(handler) as smtp:
        worker = worker_process(env=_mail_env(smtp))
        handler.on_data = lambda item: os.killpg(worker.process.pid, signal.SIGKILL)
        order = _order()

        # When the order runs, the worker dies mid-send and is started again
        assert start_workflow_for(order) is True
        worker.wait_exit(timeout=30)
        worker.start()
        wait_until(lambda: _confirmation_sent(order), timeout=60, message=worker.log_tail)

    # Then the server got the confirmation twice with one and the same Message-ID (mail
    # systems collapse it), and the shop recorded one email
    assert handler.message_ids(CONFIRMATION) == [_expected_id(order)] * 2
    note = EmailNotification.objects.get(order=order, kind="confirmation")
    assert (note.message_id, note.attempts) == (_expected_id(order), 2)


def test_database_cut_during_the_send_never_gives_a_second_message_id(temporal, worker_process):
    # Given a mail server that, when the confirmation arrives, cuts every database connection
    # of the worker (pg_terminate_backend) before answering
    handler = RecordingHandler()
    database = connection.settings_dict["NAME"]
    test_pid = connection.cursor().connection.info.backend_pid

    def cut_worker_connections(item) -> None:
        # Runs on the mail server's thread, with a connection of its own.
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s "
                    "AND pid NOT IN (pg_backend_pid(), %s)",
                    [database, test_pid],
                )
        finally:
            connection.close()

    with SmtpServer(handler) as smtp:
        handler.on_data = cut_worker_connections
        worker = worker_process(env=_mail_env(smtp))
        order = _order()

        # When the order runs through its confirmation
        assert start_workflow_for(order) is True
        wait_until(lambda: _confirmation_sent(order), timeout=60, message=worker.log_tail)

    # Then no message went out with another Message-ID, and none was lost
    ids = handler.message_ids(CONFIRMATION)
    assert set(ids) == {_expected_id(order)}
    assert 1 <= len(ids) <= 2


def test_a_hung_mail_server_does_not_hold_a_stopping_worker(temporal, worker_process):
    # Given a mail server that never answers, and an order whose confirmation is being sent
    handler = RecordingHandler(hang=threading.Event())
    with SmtpServer(handler) as smtp:
        worker = worker_process(env=_mail_env(smtp, EMAIL_TIMEOUT="60"))
        order = _order()
        assert start_workflow_for(order) is True
        wait_until(lambda: handler.received, timeout=60, message=worker.log_tail)

        # When the worker is asked to stop (runworker's drain time: 30 s by default)
        started = time.monotonic()
        worker.process.send_signal(signal.SIGTERM)
        worker.wait_exit(timeout=60)
        took = time.monotonic() - started

    # Then it left within its drain time plus the 5 s bound, whatever the mail server does
    assert took < 30 + 5 + 3, worker.log_tail()


def test_orders_ship_while_the_mail_server_hangs_and_get_their_emails_after(
    temporal, worker_process, settings
):
    # Given emails on their own task queue, a worker per queue (the email pool has 2 slots,
    # the orders pool 3), and a mail server that hangs
    emails_queue = f"{settings.TEMPORAL_TASK_QUEUE}-emails"
    settings.TEMPORAL_EMAIL_TASK_QUEUE = emails_queue
    handler = RecordingHandler(hang=threading.Event())
    with SmtpServer(handler) as smtp:
        env = _mail_env(smtp, EMAIL_TIMEOUT="30", TEMPORAL_EMAIL_TASK_QUEUE=emails_queue)
        orders_worker = worker_process(env=env, max_concurrent_activities=3)
        worker_process(env=env, task_queue=emails_queue, max_concurrent_activities=2)
        product = set_stock(ProductFactory(), 20)
        orders = [make_order(product, quantity=1) for _ in range(10)]

        # When 10 orders are placed
        for order in orders:
            assert start_workflow_for(order) is True

        # Then all 10 ship and are captured while their confirmations wait
        def shipped() -> bool:
            statuses = Order.objects.filter(pk__in=[o.pk for o in orders]).values_list(
                "status", flat=True
            )
            return all(status == "shipped" for status in statuses)

        wait_until(shipped, timeout=90, message=orders_worker.log_tail)
        assert EmailNotification.objects.filter(sent_at__isnull=False).count() == 0

        # And once the mail server answers again, each order gets its confirmation once
        handler.hang.set()
        wait_until(lambda: all(_confirmation_sent(o) for o in orders), timeout=120)
    ids = handler.message_ids(CONFIRMATION)
    assert sorted(set(ids)) == sorted(_expected_id(o) for o in orders)
