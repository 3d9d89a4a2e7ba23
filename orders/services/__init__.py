"""Order business logic, one module per idea (import the module you need):

- ``checkout``: ``place_order``, ``start_workflow_for``, ``start_pending_orders``
- ``paying``: the card's answer at checkout (early return) and paying again after a decline
- ``fulfilment``: the workflow's stock, shipment, delivery and closing steps
- ``billing``: authorize, capture, void (and charge/refund for older orders), once per key
- ``reconciliation``: provider money with no payment record
- ``emails``: the order's customer emails
- ``alerts``: staff alerts raised by the workflow
- ``tracking``: cancel, carrier events, mark delivered (pages, admin, API, webhook)
"""
