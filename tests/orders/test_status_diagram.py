"""The status drawing in docs/ORDER_STATUSES.md is the transitions table in orders/status.py."""

import re
from pathlib import Path

from orders.status import ALLOWED_TRANSITIONS, OrderStatus

DOC = Path(__file__).resolve().parents[2] / "docs" / "ORDER_STATUSES.md"
ARROW = re.compile(r"^\s+(\w+) --> (\w+)\s*$")


def test_the_documented_moves_are_the_allowed_transitions():
    # Given the drawing's arrows between statuses (not the start and end markers)
    drawn = {
        match.groups()
        for line in DOC.read_text().splitlines()
        if (match := ARROW.match(line)) and "[*]" not in line
    }

    # When the declared transitions are listed
    declared = {(str(src), str(dst)) for src, dsts in ALLOWED_TRANSITIONS.items() for dst in dsts}

    # Then both say the same, and every status is drawn
    assert drawn == declared
    assert {s for pair in drawn for s in pair} == {s.value for s in OrderStatus}
