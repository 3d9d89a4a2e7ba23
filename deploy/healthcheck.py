"""Container health check: GET /healthz on the local gunicorn; exit 0 only on HTTP 200.

Sends a Host header Django accepts (the first ALLOWED_HOSTS entry) so the check works whatever
hostnames the site is configured for. Standard library only; no curl in the slim image.
"""

import os
import sys
import urllib.error
import urllib.request


def main() -> int:
    hosts = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
    host = next((h.lstrip(".") for h in hosts if h != "*"), "localhost")
    port = os.environ.get("PORT", "8000")
    request = urllib.request.Request(f"http://127.0.0.1:{port}/healthz", headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=4) as response:  # noqa: S310 (fixed URL)
            return 0 if response.status == 200 else 1
    except urllib.error.HTTPError as exc:  # 503: database or Temporal down
        print(f"/healthz answered {exc.code}: {exc.read()[:200]!r}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"/healthz unreachable: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
