"""Customer returns' writes.

- ``requesting``: who may return what (window, quantities), ``request_return`` under the
  order's row lock, starting the return's workflow on commit, the sweeper's
  ``start_pending_returns``;
- ``staff``: approve, reject, mark received (signals to the return's workflow), the carrier's
  events for a return's tracking number;
- ``steps``: what the workflow's activities do (status moves, receipt with restock, refund);
- ``refunding``: the one call into ``refunds.services``;
- ``emails``: the return's emails, each sent once.
"""
