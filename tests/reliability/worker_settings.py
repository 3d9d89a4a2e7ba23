"""Settings of the ``runworker`` subprocesses started by the reliability tests: the shop's own,
plus the workflow's timeouts and retry intervals read from the environment so a test can make a
killed worker's activity time out (and be retried) in seconds instead of the default 30."""

from shop.settings import *  # noqa: F403
from shop.settings import env

ORDER_ACTIVITY_TIMEOUT_SECONDS = env.float("ORDER_ACTIVITY_TIMEOUT_SECONDS", default=30.0)
ORDER_RETRY_INITIAL_INTERVAL_SECONDS = env.float(
    "ORDER_RETRY_INITIAL_INTERVAL_SECONDS", default=1.0
)
ORDER_RETRY_MAXIMUM_INTERVAL_SECONDS = env.float(
    "ORDER_RETRY_MAXIMUM_INTERVAL_SECONDS", default=60.0
)
