"""Order business logic, one module per idea (import the module you need):

- ``checkout``: ``place_order``, ``start_workflow_for``, ``start_pending_orders``
- ``fulfilment``: the workflow's stock, shipment, delivery and closing steps
- ``billing``: charge and refund, exactly once per order
- ``emails``: the order's customer emails
- ``alerts``: staff alerts raised by the workflow
- ``tracking``: cancel, carrier events, mark delivered (pages, admin, API, webhook)
"""
