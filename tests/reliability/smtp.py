"""A real SMTP server for the reliability tests (aiosmtpd on 127.0.0.1, a free port): it
counts what arrives at the wire, by ``Message-ID``, and can hang or run a fault (kill a
worker, cut its database connections) the moment a message's data arrived, before it answers.
"""

from __future__ import annotations

import email
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller

from workflows.devserver import free_port


@dataclass
class Received:
    message_id: str
    subject: str
    to: list[str]


@dataclass
class RecordingHandler:
    """Keeps every message it accepted. ``hang`` holds each DATA until released; ``on_data``
    runs (once) after a message arrived and before the server answers 250."""

    received: list[Received] = field(default_factory=list)
    hang: threading.Event | None = None  # set: answer; unset: hold the client
    on_data: Callable[[Received], None] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd API
        message = email.message_from_bytes(envelope.content)
        item = Received(
            message_id=message.get("Message-ID", ""),
            subject=str(message.get("Subject", "")),
            to=list(envelope.rcpt_tos),
        )
        with self.lock:
            self.received.append(item)
            fault, self.on_data = self.on_data, None
        if fault is not None:
            fault(item)
        while self.hang is not None and not self.hang.is_set():
            time.sleep(0.05)  # blocks the server's loop: a truly hung mail server
        return "250 Message accepted for delivery"

    def message_ids(self, subject_part: str = "") -> list[str]:
        with self.lock:
            return [r.message_id for r in self.received if subject_part in r.subject]


class SmtpServer:
    def __init__(self, handler: RecordingHandler | None = None) -> None:
        self.handler = handler or RecordingHandler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.handler.hang is not None:
            self.handler.hang.set()
        self.controller.stop()
