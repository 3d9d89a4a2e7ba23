"""A small closed-loop HTTP load generator (keep-alive connections in threads of a few
processes), so the benchmark needs nothing outside the venv."""

from __future__ import annotations

import http.client
import re
import threading
import time
import uuid
from multiprocessing import Pool
from urllib.parse import urlencode

CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Session:
    """One keep-alive connection with a cookie jar."""

    def __init__(self, host: str, port: int) -> None:
        self.conn = http.client.HTTPConnection(host, port, timeout=30)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, str]:
        headers = {"Host": "127.0.0.1"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = "http://127.0.0.1/"
            if "csrftoken" in self.cookies:
                headers["X-CSRFToken"] = self.cookies["csrftoken"]
        self.conn.request(method, path, body=data, headers=headers)
        resp = self.conn.getresponse()
        text = resp.read().decode("utf-8", "replace")
        for header, value in resp.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        return resp.status, text

    def csrf(self, path: str) -> str:
        _, text = self.request("GET", path)
        match = CSRF_RE.search(text)
        return match.group(1) if match else self.cookies.get("csrftoken", "")


def _fill_cart(s: Session, product: tuple[int, str]) -> None:
    """Put one unit of ``product`` (id, page path) in the session's cart, as a shopper does:
    open the product page (it sets the CSRF cookie), post its add-to-cart form."""
    product_id, product_path = product
    token = s.csrf(product_path)
    status, _ = s.request(
        "POST",
        "/cart/add/",
        {"csrfmiddlewaretoken": token, "product_id": product_id, "quantity": 1},
    )
    if status != 302:
        raise RuntimeError(f"adding to the cart answered {status}")


CHECKOUT_FORM = {
    "email": "bench@example.com",
    "full_name": "Bench Mark",
    "line1": "1 Loop Road",
    "line2": "",
    "city": "Berlin",
    "postal_code": "10115",
    "country": "DE",
    "phone": "",
    "shipping_method": "standard",
    "card_number": "4242424242424242",
    "expiry": "12/99",
    "cvc": "123",
}


def _checkout_once(s: Session, product: tuple[int, str]) -> tuple[float, int]:
    """Untimed: fill the cart and load the form. Timed: the checkout POST (a valid form: the
    answer is the redirect to the confirmation page)."""
    _fill_cart(s, product)
    token = s.csrf("/checkout/")
    form = {**CHECKOUT_FORM, "csrfmiddlewaretoken": token, "checkout_token": uuid.uuid4().hex}
    started = time.perf_counter()
    status, _ = s.request("POST", "/checkout/", form)
    return time.perf_counter() - started, status


def _worker(args: tuple) -> dict:
    host, port, kind, path, threads, seconds, product = args
    counts = {"requests": 0, "errors": 0, "busy_seconds": 0.0}
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def loop() -> None:
        s = Session(host, port)
        n = errors = 0
        busy = 0.0
        while time.perf_counter() < stop_at:
            try:
                if kind == "cart" and n == 0:
                    _fill_cart(s, product)
                if kind == "checkout":
                    elapsed, status = _checkout_once(s, product)
                    busy += elapsed
                    ok = status in (302, 303)
                else:
                    started = time.perf_counter()
                    status, _ = s.request("GET", path)
                    busy += time.perf_counter() - started
                    ok = status == 200
            except Exception:  # a broken connection counts as an error; start afresh
                ok = False
                s = Session(host, port)
            n += 1
            errors += 0 if ok else 1
        with lock:
            counts["requests"] += n
            counts["errors"] += errors
            counts["busy_seconds"] += busy

    pool = [threading.Thread(target=loop) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return counts


def run_load(
    host: str,
    port: int,
    kind: str,
    path: str,
    *,
    processes: int = 2,
    threads: int = 4,
    seconds: float = 5.0,
    product: tuple[int, str] = (0, ""),
) -> dict:
    """Requests per second over ``seconds``; for ``checkout`` only the POST is timed and the
    rate is concurrency / mean POST latency."""
    with Pool(processes) as pool:
        parts = pool.map(_worker, [(host, port, kind, path, threads, seconds, product)] * processes)
    total = sum(p["requests"] for p in parts)
    errors = sum(p["errors"] for p in parts)
    busy = sum(p["busy_seconds"] for p in parts)
    concurrency = processes * threads
    if kind == "checkout":
        rps = concurrency * total / busy if busy else 0.0
    else:
        rps = total / seconds
    return {
        "requests": total,
        "errors": errors,
        "rps": rps,
        "mean_latency_ms": 1000 * busy / total if total else float("nan"),
    }
