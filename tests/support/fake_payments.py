"""Fake payment providers on 127.0.0.1 that answer and sign as the real ones do.

FakeStripe serves POST /v1/checkout/sessions (form-encoded, Bearer secret key) with a
checkout.session object, and makes webhook events signed with the `stripe` library's own
scheme (Stripe-Signature: t=<unix>,v1=<HMAC-SHA256 of "t.payload">). FakeCreem serves
POST /v1/checkouts (x-api-key) and signs checkout.completed events (creem-signature: hex
HMAC-SHA256 of the body). epay's notify is signed here with its MD5 rule, written out
independently of the gateway's code. Every request a fake received is kept."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from typing import Any

import orjson
import stripe
from aiohttp import web
from aiohttp.test_utils import TestServer

STRIPE_SECRET, STRIPE_WEBHOOK_SECRET = "sk_test_fake_secret", "whsec_fake_webhook_secret"
STRIPE_PRICE = "price_fake_1"
CREEM_KEY, CREEM_WEBHOOK_SECRET = "creem_test_fake_key", "creem_fake_webhook_secret"
EPAY_ID, EPAY_KEY = "1001", "fake-epay-merchant-key"


class _Fake:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.fail_with = 0  # answer every request with this HTTP status when set
        self._server: TestServer | None = None

    def routes(self, app: web.Application) -> None:
        raise NotImplementedError

    @property
    def base(self) -> str:
        assert self._server is not None
        return str(self._server.make_url("")).rstrip("/")

    async def __aenter__(self):
        app = web.Application()
        self.routes(app)
        self._server = TestServer(app, host="127.0.0.1")
        await self._server.start_server()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._server is not None:
            server, self._server = self._server, None
            await server.close()


class FakeStripe(_Fake):
    def __init__(self) -> None:
        super().__init__()
        self.sessions: dict[str, dict[str, Any]] = {}

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/v1/checkout/sessions", self._create_session)

    async def _create_session(self, request: web.Request) -> web.Response:
        form = {k: str(v) for k, v in (await request.post()).items()}
        auth = request.headers.get("Authorization", "")
        self.requests.append({"form": form, "auth": auth, "headers": dict(request.headers)})
        if auth != f"Bearer {STRIPE_SECRET}":
            return web.json_response(
                {
                    "error": {
                        "message": "Invalid API Key provided: sk_test_****",
                        "type": "invalid_request_error",
                    }
                },
                status=401,
            )
        if self.fail_with:
            return web.json_response(
                {"error": {"message": "boom", "type": "api_error"}}, status=self.fail_with
            )
        sid = "cs_test_" + secrets.token_hex(12)
        quantity = int(form.get("line_items[0][quantity]", "1"))
        session = {
            "id": sid,
            "object": "checkout.session",
            "amount_subtotal": quantity * 100,
            "amount_total": quantity * 100,
            "cancel_url": form.get("cancel_url"),
            "client_reference_id": form.get("client_reference_id"),
            "created": int(time.time()),
            "currency": "usd",
            "customer": form.get("customer"),
            "customer_email": form.get("customer_email"),
            "expires_at": int(time.time()) + 86400,
            "livemode": False,
            "metadata": {},
            "mode": form.get("mode"),
            "payment_status": "unpaid",
            "status": "open",
            "success_url": form.get("success_url"),
            "url": f"https://checkout.stripe.com/c/pay/{sid}",
        }
        self.sessions[sid] = session
        return web.json_response(session)

    def event(
        self,
        event_type: str,
        reference: str,
        *,
        secret: str = STRIPE_WEBHOOK_SECRET,
        timestamp: int | None = None,
        **fields: Any,
    ) -> tuple[bytes, dict[str, str]]:
        """A webhook delivery for the session made for `reference`: (body, headers)."""
        session = next(
            (s for s in self.sessions.values() if s["client_reference_id"] == reference),
            {"id": "cs_test_unknown", "object": "checkout.session"},
        )
        obj = {**session, "client_reference_id": reference}
        if event_type in ("checkout.session.completed", "checkout.session.async_payment_succeeded"):
            obj.update(status="complete", payment_status="paid", customer="cus_fake_1")
        elif event_type == "checkout.session.expired":
            obj.update(status="expired")
        elif event_type == "checkout.session.async_payment_failed":
            obj.update(status="complete", payment_status="unpaid")
        obj.update(fields)
        event = {
            "id": "evt_" + secrets.token_hex(12),
            "object": "event",
            "api_version": "2024-06-20",
            "created": int(time.time()),
            "data": {"object": obj},
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": event_type,
        }
        body = orjson.dumps(event)
        header = stripe.WebhookSignature.generate_signature_header(body.decode(), secret, timestamp)
        return body, {"Stripe-Signature": header, "Content-Type": "application/json"}

    def options(self) -> dict[str, str]:
        """The gateway options that point Stripe top-ups at this fake."""
        return {
            "StripeApiSecret": STRIPE_SECRET,
            "StripeWebhookSecret": STRIPE_WEBHOOK_SECRET,
            "StripePriceId": STRIPE_PRICE,
            "StripeApiBase": self.base,
        }


class FakeCreem(_Fake):
    def routes(self, app: web.Application) -> None:
        app.router.add_post("/v1/checkouts", self._checkout)

    async def _checkout(self, request: web.Request) -> web.Response:
        body = orjson.loads(await request.read())
        key = request.headers.get("x-api-key", "")
        self.requests.append({"body": body, "key": key})
        if key != CREEM_KEY:
            return web.json_response({"message": "Unauthorized", "statusCode": 403}, status=403)
        if self.fail_with:
            return web.json_response({"message": "boom"}, status=self.fail_with)
        cid = "ch_" + secrets.token_hex(10)
        return web.json_response(
            {
                "id": cid,
                "mode": "test",
                "object": "checkout",
                "status": "pending",
                "product": body["product_id"],
                "request_id": body.get("request_id"),
                "metadata": body.get("metadata", {}),
                "checkout_url": f"https://creem.io/test/checkout/{body['product_id']}/{cid}",
            }
        )

    def event(
        self,
        request_id: str,
        *,
        secret: str = CREEM_WEBHOOK_SECRET,
        event_type: str = "checkout.completed",
        status: str = "paid",
        order_type: str = "onetime",
    ) -> tuple[bytes, dict[str, str]]:
        event = {
            "id": "evt_" + secrets.token_hex(8),
            "eventType": event_type,
            "created_at": int(time.time() * 1000),
            "object": {
                "id": "ch_" + secrets.token_hex(8),
                "object": "checkout",
                "request_id": request_id,
                "order": {
                    "object": "order",
                    "id": "ord_" + secrets.token_hex(8),
                    "customer": "cust_1",
                    "product": "prod_small",
                    "amount": 1000,
                    "currency": "USD",
                    "amount_paid": 1000,
                    "status": status,
                    "type": order_type,
                    "mode": "test",
                },
                "customer": {"id": "cust_1", "email": "buyer@example.com", "name": "Buyer"},
                "status": "completed",
                "metadata": {"reference_id": request_id},
                "mode": "test",
            },
        }
        body = orjson.dumps(event)
        sig = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest() if secret else ""
        headers = {"Content-Type": "application/json"}
        if sig:
            headers["creem-signature"] = sig
        return body, headers


def epay_signed(params: dict[str, str], key: str = EPAY_KEY) -> dict[str, str]:
    """`params` with sign and sign_type as an epay server signs its notify: the non-empty
    parameters but sign/sign_type sorted by name, k=v joined by &, the key appended, MD5."""
    keep = sorted(k for k, v in params.items() if v != "" and k not in ("sign", "sign_type"))
    text = "&".join(f"{k}={params[k]}" for k in keep) + key
    return {**params, "sign": hashlib.md5(text.encode()).hexdigest(), "sign_type": "MD5"}


def epay_notify(order: dict[str, Any], status: str = "TRADE_SUCCESS", **over: str) -> dict:
    """The parameters epay sends to notify_url for a payment of `order` (a top_ups row)."""
    params = {
        "pid": EPAY_ID,
        "trade_no": "2026120300" + secrets.token_hex(4),
        "out_trade_no": order["trade_no"],
        "type": order["payment_method"],
        "name": "TUC10",
        "money": f"{order['money']:.2f}",
        "trade_status": status,
        **over,
    }
    return epay_signed(params)
