"""The channels page in Chromium against the real gateway and a fake upstream: an OpenAI-compatible
channel made through the form (models fetched from the upstream, the Responses mode, a model
mapping checked as typed), tested with a model picked (response time shown), edited, disabled
and enabled, its balance read; a multi-key channel with one key disabled and the key order
changed in the key manager; batch tagging, tag mode and tag operations; copy, batch
disable/enable, test all, batch delete; the key shown behind the secure verification dialog
(password, a 2FA backup code, a passkey from Chromium's virtual authenticator); the page in
Chinese and at 375 px. Also: the page's channel type table equals the server's."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyotp
from playwright.async_api import expect

from clawrouter.relay.providers.channel_types import CHANNEL_TYPES
from tests.support.gateway import Client, Gateway
from tests.support.signin import REGISTER_PASSKEY, field
from tests.support.upstreams import FakeUpstream

PASSWORD = "rootpass123"
CATALOG = Path(__file__).resolve().parents[2] / "web/src/features/channels/catalog.ts"
MODELS = ["gpt-4o-mini", "gpt-4o", "o3-mini"]


async def _open(gateway: Gateway, open_tab, host: str = "127.0.0.1"):
    """Root set up, logged in in the browser, on the channels page; and root's API client."""
    await gateway.setup_root()
    tab = await open_tab(gateway.base.replace("127.0.0.1", host))
    await tab.goto("/login")
    await field(tab.page, "Username or email").fill("root")
    await field(tab.page, "Password").fill(PASSWORD)
    await tab.page.get_by_role("button", name="Log in", exact=True).click()
    await expect(tab.page).to_have_url(re.compile(r"/console$"))
    await _settled(tab.page)
    await tab.goto("/console/channel")
    await _settled(tab.page)
    return tab, await gateway.login("root", PASSWORD)


async def _settled(page) -> None:
    """The page has drawn and fetched everything. A reload or the end of a test while page
    chunks are still loading leaves aiohttp's FileResponse with an unclosed file (a
    ResourceWarning, an error under filterwarnings=error)."""
    await expect(page.get_by_role("heading", level=2)).to_be_visible()
    await page.wait_for_load_state("networkidle")


async def _channels(root: Client) -> list[dict]:
    status, body = await root.json("GET", "/api/channel/", params={"page_size": "100"})
    assert status == 200 and body["success"], body
    return body["data"]["items"]


async def _channel(root: Client, name: str) -> dict:
    found = [c for c in await _channels(root) if c["name"] == name]
    assert len(found) == 1, found
    return found[0]


async def _pick(page, label: str, option: str) -> None:
    await page.get_by_role("combobox", name=re.compile("^" + re.escape(label) + r"( \*)?$")).click()
    await page.get_by_role("option", name=option, exact=True).click()


async def _toggle(scope, name: str) -> None:
    """Flip a switch from the keyboard (its input sits under the drawn track)."""
    switch = scope.get_by_role("switch", name=name)
    await switch.focus()
    await switch.press("Space")


def test_type_table_matches_the_server():
    text = CATALOG.read_text()
    rows = re.findall(r"\{ id: (\d+), name: '([^']*)', base: '([^']*)', protocol: '(\w+)' \}", text)
    page = {int(i): (name, base, proto) for i, name, base, proto in rows}
    server = {i: (t.name, t.base_url, t.protocol) for i, t in CHANNEL_TYPES.items()}
    assert page == server


async def test_create_fetch_test_edit_and_toggle(
    gateway: Gateway, upstream: FakeUpstream, open_tab
):
    upstream.models = MODELS
    tab, root = await _open(gateway, open_tab)
    page = tab.page
    await expect(page.get_by_role("heading", name="Channels")).to_be_visible()
    await expect(
        page.get_by_text("No channels yet. Add one to connect a provider.")
    ).to_be_visible()
    await tab.shoot("channels-empty")

    # the form: type OpenAI by default, its default base URL shown
    await page.get_by_role("button", name="Add channel").first.click()
    drawer = page.get_by_role("dialog", name=re.compile("Add a channel"))
    await expect(drawer.get_by_role("combobox", name="Type")).to_have_value("OpenAI (1)")
    await expect(
        drawer.get_by_text(re.compile("Empty uses https://api.openai.com"))
    ).to_be_visible()
    await field(drawer, "Name").fill("fake-openai")
    await field(drawer, "Base URL").fill(upstream.base_url)
    await field(drawer, "Key").fill("sk-upstream-one")

    # models listed by the upstream, for a channel not saved yet
    await drawer.get_by_role("button", name="Fetch from the provider").click()
    picker = page.get_by_test_id("model-picker")
    for name in MODELS:
        await expect(picker.get_by_text(name, exact=True)).to_be_visible()
    await page.get_by_test_id("models-add").click()
    await expect(page.get_by_test_id("model-picker")).to_have_count(0)
    assert upstream.last.path == "/v1/models"
    assert upstream.last.headers["Authorization"] == "Bearer sk-upstream-one"

    # a model mapping is checked as it is typed
    mapping = page.get_by_test_id("model-mapping")
    await mapping.fill('{"gpt-4o-mini": 5}')
    await expect(drawer.get_by_text('"gpt-4o-mini" must map to a non-empty string')).to_be_visible()
    await mapping.fill('{"gpt-4o-mini": "gpt-4o"}')
    await expect(drawer.get_by_text("must map to a non-empty string")).to_have_count(0)

    # the Responses mode of an OpenAI-compatible type
    await drawer.get_by_role("button", name="Advanced settings").click()
    await _pick(drawer.page, "Responses API requests",
                "Chat: convert to chat completions (servers without /v1/responses)")  # fmt: skip
    await tab.shoot("channel-form")
    await page.get_by_test_id("channel-submit").click()
    await expect(page.get_by_role("cell", name="fake-openai", exact=True)).to_be_visible()
    ch = await _channel(root, "fake-openai")
    assert ch["type"] == 1 and ch["base_url"] == upstream.base_url
    assert ch["models"] == ",".join(MODELS) and ch["group"] == "default"
    assert json.loads(ch["model_mapping"]) == {"gpt-4o-mini": "gpt-4o"}
    assert json.loads(ch["settings"]) == {"responses_mode": "chat"}

    # test one model, picked in the dialog: the time is shown, and in the list afterwards
    await page.get_by_role("button", name="More actions for fake-openai").click()
    await page.get_by_role("menuitem", name="Test a model…").click()
    await _pick(page, "Model", "o3-mini")
    await page.get_by_test_id("test-run").click()
    result = page.get_by_test_id("test-result")
    await expect(result).to_contain_text(re.compile(r"Answered in \d+\.\d+ s"))
    assert upstream.last.json["model"] == "o3-mini"
    await tab.shoot("channel-test")
    await page.keyboard.press("Escape")
    await expect(result).to_have_count(0)
    await expect(page.get_by_test_id(f"response-time-{ch['id']}")).to_have_text(
        re.compile(r"\d+\.\d\d s")
    )

    # the quick test (default model) from the row
    count = len(upstream.requests)
    await page.get_by_role("button", name="Test fake-openai").click()
    await expect(page.get_by_text(re.compile(r"^Answered in "))).to_be_visible()
    assert len(upstream.requests) == count + 1 and upstream.last.json["model"] == "gpt-4o"

    # edit: the saved values come back; the key stays unless a new one is typed
    await page.get_by_role("button", name="Edit fake-openai").click()
    drawer = page.get_by_role("dialog", name=re.compile("Edit channel"))
    await expect(field(drawer, "Name")).to_have_value("fake-openai")
    await expect(field(drawer, "Base URL")).to_have_value(upstream.base_url)
    await field(drawer, "Name").fill("fake-openai-2")
    await field(drawer, "Priority").fill("7")
    await page.get_by_test_id("channel-submit").click()
    await expect(page.get_by_role("cell", name="fake-openai-2", exact=True)).to_be_visible()
    ch = await _channel(root, "fake-openai-2")
    assert ch["priority"] == 7 and json.loads(ch["settings"]) == {"responses_mode": "chat"}

    # disable, enable
    await _toggle(page, "Disable fake-openai-2")
    await expect(page.get_by_role("switch", name="Enable fake-openai-2")).to_be_visible()
    assert (await _channel(root, "fake-openai-2"))["status"] == 2
    await _toggle(page, "Enable fake-openai-2")
    await expect(page.get_by_role("switch", name="Disable fake-openai-2")).to_be_visible()
    assert (await _channel(root, "fake-openai-2"))["status"] == 1

    # the balance, as the upstream's billing endpoints report it
    upstream.queue(json={"hard_limit_usd": 100}, match="/dashboard/billing/subscription")
    upstream.queue(json={"total_usage": 2500}, match="/dashboard/billing/usage")
    await page.get_by_test_id(f"balance-{ch['id']}").click()
    await expect(page.get_by_test_id(f"balance-{ch['id']}")).to_contain_text("Balance 75.00")
    await tab.shoot("channels-list")


async def test_multi_key_tags_and_batch(gateway: Gateway, upstream: FakeUpstream, open_tab):
    tab, root = await _open(gateway, open_tab)
    page = tab.page
    for name in ("alpha", "beta"):
        await gateway.add_channel(upstream.base_url, name=name)
    await page.reload()
    await _settled(page)

    # a multi-key channel through the form
    await page.get_by_role("button", name="Add channel").first.click()
    drawer = page.get_by_role("dialog", name=re.compile("Add a channel"))
    await field(drawer, "Name").fill("pool")
    await field(drawer, "Base URL").fill(upstream.base_url)
    await drawer.get_by_text("Several keys, one channel").click()
    await field(drawer, "Keys").fill("sk-pool-key-0001\nsk-pool-key-0002\nsk-pool-key-0003")
    await expect(drawer.get_by_text("3 key(s)")).to_be_visible()
    models = field(drawer, "Models")
    await models.fill("gpt-4o-mini")
    await models.press("Enter")
    await page.get_by_test_id("channel-submit").click()
    await expect(page.get_by_role("cell", name=re.compile("^pool"))).to_be_visible()
    pool = await _channel(root, "pool")
    assert pool["channel_info"]["is_multi_key"] and pool["channel_info"]["multi_key_size"] == 3

    # the key manager: disable the second key
    await page.get_by_role("button", name="More actions for pool").click()
    await page.get_by_role("menuitem", name="Manage keys").click()
    manager = page.get_by_role("dialog", name="Keys of pool")
    await expect(manager.get_by_test_id("key-row-1")).to_contain_text("sk-pool-ke...")
    await _toggle(manager, "Disable key 2")
    await expect(manager.get_by_test_id("key-row-1")).to_contain_text("Disabled")
    await expect(manager.get_by_text("2 enabled")).to_be_visible()
    await manager.get_by_text("In turn").click()
    await expect(page.get_by_text("Key order saved.")).to_be_visible()
    assert (await _channel(root, "pool"))["channel_info"]["multi_key_mode"] == "polling"
    await tab.shoot("channel-keys")
    await manager.get_by_role("button", name="Close", exact=True).last.click()
    status, body = await root.json(
        "POST", "/api/channel/multi_key/manage",
        json={"channel_id": pool["id"], "action": "get_key_status"},
    )  # fmt: skip
    assert [k["status"] for k in body["data"]["keys"]] == [1, 2, 1], body

    # tag two channels in a batch, then work on the tag
    await page.get_by_role("checkbox", name=f"Select row {pool['id']}").check()
    alpha = await _channel(root, "alpha")
    await page.get_by_role("checkbox", name=f"Select row {alpha['id']}").check()
    await page.get_by_test_id("batch-bar").get_by_role("button", name="Set tag").click()
    await field(page, "Tag").fill("team-a")
    await page.get_by_test_id("batch-tag-save").click()
    await expect(page.get_by_text('Tagged 2 channel(s) "team-a".')).to_be_visible()
    assert {c["name"] for c in await _channels(root) if c["tag"] == "team-a"} == {"pool", "alpha"}

    await _toggle(page, "Group by tag")
    group = page.get_by_test_id("tag-group-team-a")
    await expect(group).to_contain_text("2 channel(s), 2 enabled")
    await tab.shoot("channels-tag-mode")
    await group.get_by_role("button", name="Disable every channel tagged team-a").click()
    await expect(group).to_contain_text("2 channel(s), 0 enabled")
    assert {c["status"] for c in await _channels(root) if c["tag"] == "team-a"} == {2}
    await group.get_by_role("button", name="Enable every channel tagged team-a").click()
    await expect(group).to_contain_text("2 channel(s), 2 enabled")
    await group.get_by_role("button", name="Edit tag team-a").click()
    await field(page, "Priority").fill("5")
    await page.get_by_test_id("tag-save").click()
    await expect(page.get_by_text("Updated 2 channel(s).")).to_be_visible()
    assert {c["priority"] for c in await _channels(root) if c["tag"] == "team-a"} == {5}
    assert (await _channel(root, "beta"))["priority"] == 0
    await _toggle(page, "Group by tag")

    # type counts and filters
    await expect(page.get_by_text("OpenAI (3)")).to_be_visible()
    await page.get_by_placeholder("Search by ID, name, base URL or key").fill("bet")
    await expect(page.get_by_role("cell", name=re.compile("^alpha"))).to_have_count(0)
    await expect(page.get_by_role("cell", name="beta", exact=True)).to_be_visible()
    await page.get_by_placeholder("Search by ID, name, base URL or key").fill("")
    await expect(page.get_by_role("cell", name=re.compile("^alpha"))).to_be_visible()

    # copy, then disable both copies in a batch
    await page.get_by_role("button", name="More actions for beta").click()
    await page.get_by_role("menuitem", name="Copy").click()
    await expect(page.get_by_role("cell", name="beta (copy)", exact=True)).to_be_visible()
    copy = await _channel(root, "beta (copy)")
    beta = await _channel(root, "beta")
    assert copy["base_url"] == beta["base_url"] and copy["models"] == beta["models"]
    await page.get_by_role("checkbox", name=f"Select row {beta['id']}").check()
    await page.get_by_role("checkbox", name=f"Select row {copy['id']}").check()
    await page.get_by_test_id("batch-bar").get_by_role("button", name="Disable").click()
    await expect(page.get_by_text("Disabled 2 channel(s).")).to_be_visible()
    statuses = {c["name"]: c["status"] for c in await _channels(root)}
    assert statuses == {"pool": 1, "alpha": 1, "beta": 2, "beta (copy)": 2}
    await page.get_by_test_id("batch-bar").get_by_role("button", name="Enable").click()
    await expect(page.get_by_text("Enabled 2 channel(s).")).to_be_visible()
    await page.get_by_test_id("batch-bar").get_by_role("button", name="Clear selection").click()

    # test all: in the background; the list picks the times up as they come
    tested = len(upstream.requests_to("/chat/completions"))
    await page.get_by_role("button", name="Test all").click()
    await expect(page.get_by_text(re.compile("^Testing every channel"))).to_be_visible()
    await upstream.wait_for(
        lambda: len(upstream.requests_to("/chat/completions")) >= tested + 4, within=10
    )
    await expect(page.get_by_test_id(f"response-time-{beta['id']}")).to_be_visible(timeout=10000)

    # batch delete
    await page.get_by_role("checkbox", name="Select all rows on this page").check()
    await page.get_by_test_id("batch-bar").get_by_role("button", name="Delete").click()
    await expect(page.get_by_text("Delete the 4 selected channel(s)?")).to_be_visible()
    await page.get_by_test_id("confirm-action").click()
    await expect(
        page.get_by_text("No channels yet. Add one to connect a provider.")
    ).to_be_visible()
    assert await _channels(root) == []


async def test_key_reveal_behind_secure_verification(
    gateway: Gateway, upstream: FakeUpstream, open_tab
):
    tab, root = await _open(gateway, open_tab)
    page = tab.page
    await gateway.add_channel(upstream.base_url, name="secret", key="sk-the-real-secret")
    await page.reload()
    await _settled(page)

    # no 2FA, no passkey: the password confirms it is you; a wrong one is said in place
    await page.get_by_role("button", name="More actions for secret").click()
    await page.get_by_role("menuitem", name="Show the key").click()
    dialog = page.get_by_test_id("secure-verify")
    await expect(dialog).to_contain_text("Confirm your identity to go on")
    await page.get_by_test_id("verify-password").fill("not-my-password")
    await page.get_by_test_id("verify-submit").click()
    await expect(dialog.get_by_role("alert")).to_contain_text("the password is wrong")
    await tab.shoot("channel-verify")
    await page.get_by_test_id("verify-password").fill(PASSWORD)
    await page.get_by_test_id("verify-submit").click()
    await expect(page.get_by_test_id("revealed-key")).to_have_text("sk-the-real-secret")
    await page.keyboard.press("Escape")

    # with 2FA on, a new session verifies with a code (here a backup code)
    status, body = await root.json("POST", "/api/user/2fa/setup")
    assert body["success"], body
    secret, backup = body["data"]["secret"], body["data"]["backup_codes"][0]
    status, body = await root.json(
        "POST", "/api/user/2fa/enable", json={"code": pyotp.TOTP(secret).now()}
    )
    assert body["success"], body
    await page.context.clear_cookies()
    cookies = [
        {"name": c.key, "value": c.value, "url": gateway.base} for c in root.session.cookie_jar
    ]  # the API client's session (logged in before 2FA), never verified
    await page.context.add_cookies(cookies)
    await page.get_by_role("button", name="More actions for secret").click()
    await page.get_by_role("menuitem", name="Show the key").click()
    await expect(page.get_by_test_id("verify-code")).to_be_visible()
    await page.get_by_test_id("verify-code").fill("000000")
    await page.get_by_test_id("verify-submit").click()
    await expect(dialog.get_by_role("alert")).to_be_visible()
    await page.get_by_test_id("verify-code").fill(backup)
    await page.get_by_test_id("verify-submit").click()
    await expect(page.get_by_test_id("revealed-key")).to_have_text("sk-the-real-secret")
    # the refused calls before each verification are expected; nothing else may fail
    tab.errors = [e for e in tab.errors if "403" not in e]


async def test_chinese_and_phone(gateway: Gateway, upstream: FakeUpstream, open_tab):
    tab, _ = await _open(gateway, open_tab)
    await gateway.add_channel(upstream.base_url, name="phone", tag="mobile")
    page = tab.page
    await page.evaluate("localStorage.setItem('lang', 'zh')")
    await page.reload()
    await _settled(page)
    await expect(page.get_by_role("heading", name="渠道管理")).to_be_visible()
    await page.set_viewport_size({"width": 375, "height": 812})
    await expect(page.get_by_role("button", name="添加渠道").first).to_be_in_viewport()
    await page.get_by_role("button", name="添加渠道").first.click()
    await expect(page.get_by_role("dialog", name=re.compile("添加渠道"))).to_be_visible()
    await tab.shoot("channel-form-zh")
    await page.keyboard.press("Escape")
    await tab.shoot("channels-zh")


async def test_key_reveal_with_a_passkey(gateway: Gateway, upstream: FakeUpstream, open_tab):
    # passkeys need a domain name: the console is opened at http://localhost:PORT
    tab, root = await _open(gateway, open_tab, host="localhost")
    page = tab.page
    status, body = await root.json(
        "PUT", "/api/option/", json={"key": "passkey.enabled", "value": "true"}
    )
    assert body["success"], body
    cdp = await page.context.new_cdp_session(page)
    await cdp.send("WebAuthn.enable")
    authenticator = {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
        "hasUserVerification": True, "isUserVerified": True, "automaticPresenceSimulation": True,
    }  # fmt: skip
    await cdp.send("WebAuthn.addVirtualAuthenticator", {"options": authenticator})
    registered = await page.evaluate(REGISTER_PASSKEY)
    assert registered["success"], registered
    await gateway.add_channel(upstream.base_url, name="vault", key="sk-vault-key")
    await page.reload()
    await _settled(page)

    await page.get_by_role("button", name="More actions for vault").click()
    await page.get_by_role("menuitem", name="Show the key").click()
    dialog = page.get_by_test_id("secure-verify")
    await expect(dialog).to_contain_text("Your browser asks for the passkey")
    await expect(page.get_by_test_id("verify-password")).to_have_count(0)
    await page.get_by_role("button", name="Use my passkey").click()
    await expect(page.get_by_test_id("revealed-key")).to_have_text("sk-vault-key")
    tab.errors = [e for e in tab.errors if "403" not in e]  # the refused call before verifying
