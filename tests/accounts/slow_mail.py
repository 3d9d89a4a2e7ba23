"""An email backend as slow as a distant SMTP server (tests of what the answer's timing tells)."""

import time

from django.core.mail.backends.locmem import EmailBackend

SEND_SECONDS = 1.0


class SlowEmailBackend(EmailBackend):
    def send_messages(self, messages):
        time.sleep(SEND_SECONDS)
        return super().send_messages(messages)
