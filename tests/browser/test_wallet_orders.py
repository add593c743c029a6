"""The wallet page's payment orders in Chromium: an admin lists everyone's orders, completes a
pending one by hand (POST /api/user/topup/complete behind a confirmation), and the order turns
paid, the user's wallet grows by the order's quota once, and the top-up log names the admin. A
common user sees only their own orders, without the action."""

from __future__ import annotations

from playwright.async_api import expect

from clawrouter.db.repo import logs as logs_repo
from clawrouter.db.repo import topups as topups_repo
from clawrouter.keys import LOG_DB, MAIN_DB
from tests.browser.test_pages_data import UNIT, user_row
from tests.support.gateway import Gateway
from tests.support.signin import login

TRADE = "USR2NOwallet1700000000"


async def _pending_order(gateway: Gateway, user_id: int, trade_no: str, amount: int) -> None:
    await topups_repo.insert_topup(
        gateway.app[MAIN_DB],
        {
            "user_id": user_id,
            "amount": amount,
            "money": float(amount),
            "trade_no": trade_no,
            "payment_method": "alipay",
            "payment_provider": "epay",
            "create_time": 1_700_000_000,
            "status": topups_repo.PENDING,
        },
    )


async def test_admin_completes_a_pending_order(gateway: Gateway, open_tab):
    await gateway.setup_root()
    uid = await gateway.add_user("alice", "alicepass123", quota=0)
    await _pending_order(gateway, uid, TRADE, 10)
    await _pending_order(gateway, 1, "USR1NOroots1700000000", 3)

    # alice: her own order, no completion action
    tab = await login(gateway, open_tab, "alice", "alicepass123")
    page = tab.page
    await tab.goto("/console/topup")
    await page.get_by_role("tab", name="Payment orders").click()
    await expect(page.get_by_role("cell", name=TRADE, exact=True)).to_be_visible()
    await expect(page.get_by_role("cell", name="USR1NOroots1700000000", exact=True)).to_have_count(
        0
    )
    await expect(page.get_by_role("button", name="Complete", exact=True)).to_have_count(0)

    tab = await login(gateway, open_tab)
    page = tab.page
    await tab.goto("/console/topup")
    await page.get_by_role("tab", name="Payment orders").click()
    await page.get_by_text("All users", exact=True).click()
    await expect(page.get_by_role("cell", name=TRADE, exact=True)).to_be_visible()
    await page.get_by_role("button", name=f"Complete order {TRADE}").click()
    await expect(page.get_by_role("dialog")).to_contain_text("credit 10 to user #2")
    await tab.shoot("wallet-complete-order")
    await page.get_by_test_id("confirm-action").click()
    await expect(page.get_by_role("dialog")).to_have_count(0)
    row = page.get_by_role("row").filter(has_text=TRADE)
    await expect(row.get_by_text("Paid", exact=True)).to_be_visible()
    await expect(row.get_by_role("button")).to_have_count(0)  # paid: nothing to complete
    # the other order is still pending and still offers the action
    await expect(
        page.get_by_role("button", name="Complete order USR1NOroots1700000000")
    ).to_be_visible()

    assert (await user_row(gateway, "alice"))["quota"] == 10 * UNIT
    order = await topups_repo.get_topup(gateway.app[MAIN_DB], TRADE)
    assert order is not None and order["status"] == topups_repo.SUCCESS
    logs, total = await logs_repo.page_logs(gateway.app[LOG_DB], logs_repo.LogFilter(type=1), 0, 10)
    assert total == 1 and logs[0]["quota"] == 10 * UNIT
    assert "completed by admin root" in logs[0]["content"]
