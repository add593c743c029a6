"""The sign-in adapters without a network: the calls they build, how they read answers, the
Telegram widget check at its edges."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from clawrouter.auth.oauth_providers import (
    PROVIDERS,
    OAuthFailure,
    ProviderUser,
    Settings,
    wechat_call,
    wechat_id,
)
from clawrouter.auth.oauth_telegram import MAX_AGE_SECONDS, telegram_id
from clawrouter.config import ProvidersConfig

OPTIONS = {
    "GitHubClientId": "gid", "GitHubClientSecret": "gsecret",
    "discord.client_id": "did", "discord.client_secret": "dsecret",
    "oidc.client_id": "oid", "oidc.client_secret": "osecret", "oidc.well_known": "",
    "oidc.token_endpoint": "", "oidc.user_info_endpoint": "",
    "LinuxDOClientId": "lid", "LinuxDOClientSecret": "lsecret", "LinuxDOMinimumTrustLevel": 1,
}  # fmt: skip
SERVER = "https://gw.example"


def settings(slug: str, **options) -> Settings:
    return PROVIDERS[slug].settings(ProvidersConfig(), {**OPTIONS, **options}, SERVER)


def test_default_endpoints_are_the_real_providers():
    assert settings("github").token_url == "https://github.com/login/oauth/access_token"
    assert settings("github").user_url == "https://api.github.com/user"
    assert settings("discord").token_url == "https://discord.com/api/v10/oauth2/token"
    assert settings("discord").user_url == "https://discord.com/api/v10/users/@me"
    assert settings("linuxdo").token_url == "https://connect.linux.do/oauth2/token"
    assert settings("linuxdo").user_url == "https://connect.linux.do/api/user"
    assert {settings(s).redirect_uri for s in PROVIDERS} == {
        f"{SERVER}/oauth/{s}" for s in PROVIDERS
    }


def test_linuxdo_authenticates_the_client_with_basic():
    call = PROVIDERS["linuxdo"].token_call("c0de", settings("linuxdo"))
    assert call.headers["Authorization"] == "Basic " + base64.b64encode(b"lid:lsecret").decode()
    assert call.form == {
        "grant_type": "authorization_code",
        "code": "c0de",
        "redirect_uri": f"{SERVER}/oauth/linuxdo",
    }


def test_github_posts_json_and_asks_for_json():
    call = PROVIDERS["github"].token_call("c0de", settings("github"))
    assert call.json == {"client_id": "gid", "client_secret": "gsecret", "code": "c0de"}
    assert call.headers["Accept"] == "application/json" and call.form is None


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        ([], "no JSON object"),
        ({"error": "bad_verification_code"}, "refused the authorization code"),
        ({"access_token": ""}, "without an access token"),
        ({"access_token": 12}, "without an access token"),
    ],
)
def test_bad_token_answers(answer, says):
    with pytest.raises(OAuthFailure, match=says):
        PROVIDERS["discord"].access_token(answer)


@pytest.mark.parametrize(
    ("slug", "profile"),
    [
        ("github", {"id": True, "login": "x"}),
        ("github", {"id": "12", "login": "x"}),
        ("github", {"id": 12, "login": ""}),
        ("discord", {"id": "", "username": "x"}),
        ("oidc", {"sub": "s", "email": ""}),
        ("linuxdo", {"id": 0, "trust_level": 3}),
        ("linuxdo", "not an object"),
    ],
)
def test_profiles_without_what_is_needed(slug, profile):
    with pytest.raises(OAuthFailure, match=PROVIDERS[slug].name):
        PROVIDERS[slug].user(profile, settings(slug))


def test_github_emails_pick_the_verified_primary_only():
    gh, user = PROVIDERS["github"], ProviderUser("1", "x")
    found = gh.with_emails(
        user,
        [
            {"email": "a@x", "primary": False, "verified": True},
            {"email": "b@x", "primary": True, "verified": True},
        ],
    )
    assert found.email == "b@x"
    assert gh.with_emails(user, [{"email": "b@x", "primary": True, "verified": False}]) == user
    assert gh.with_emails(user, {"message": "Not Found"}) == user
    assert gh.emails_call("t", ProviderUser("1", "x", email="c@x"), settings("github")) is None


def test_oidc_explicit_endpoints_win_over_discovery():
    oidc = PROVIDERS["oidc"]
    explicit = settings(
        "oidc", **{"oidc.token_endpoint": "https://t", "oidc.user_info_endpoint": "https://u"}
    )
    assert oidc.discovery_call(explicit) is None
    with pytest.raises(OAuthFailure, match="not configured"):
        oidc.discovery_call(settings("oidc"))
    s = settings("oidc", **{"oidc.well_known": "https://idp/.well-known/openid-configuration"})
    assert oidc.discovery_call(s).url == "https://idp/.well-known/openid-configuration"
    found = oidc.discovered(
        s, {"token_endpoint": "https://idp/t", "userinfo_endpoint": "https://idp/u"}
    )
    assert (found.token_url, found.user_url) == ("https://idp/t", "https://idp/u")
    with pytest.raises(OAuthFailure, match="no token_endpoint"):
        oidc.discovered(s, {"token_endpoint": "javascript:x", "userinfo_endpoint": "https://u"})


def test_wechat_call_and_answer():
    call = wechat_call("http://wx.example/", "tok", "a b&c")
    assert call.url == "http://wx.example/api/wechat/user?code=a%20b%26c"
    assert call.headers["Authorization"] == "tok"
    assert wechat_id({"success": True, "message": "", "data": "openid"}) == "openid"
    with pytest.raises(OAuthFailure, match="refused the code: nope"):
        wechat_id({"success": False, "message": "nope"})
    with pytest.raises(OAuthFailure, match="wrong or has expired"):
        wechat_id({"success": True, "data": ""})


def _signed(fields: dict[str, str], token: str = "bot:token") -> dict[str, str]:
    check = "\n".join(f"{k}={fields[k]}" for k in sorted(fields))
    key = hashlib.sha256(token.encode()).digest()
    return {**fields, "hash": hmac.new(key, check.encode(), hashlib.sha256).hexdigest()}


def test_telegram_age_limits():
    now = 1_900_000_000
    oldest = _signed({"id": "7", "auth_date": str(now - MAX_AGE_SECONDS)})
    assert telegram_id(oldest, "bot:token", now) == "7"
    with pytest.raises(OAuthFailure, match="more than a day old"):
        telegram_id(
            _signed({"id": "7", "auth_date": str(now - MAX_AGE_SECONDS - 1)}), "bot:token", now
        )
    with pytest.raises(OAuthFailure, match="no valid auth_date"):
        telegram_id(_signed({"id": "7", "auth_date": "soon"}), "bot:token", now)
    with pytest.raises(OAuthFailure, match="no bot token"):
        telegram_id(oldest, "", now)
    with pytest.raises(OAuthFailure, match="hash does not match"):
        telegram_id({**oldest, "hash": "é"}, "bot:token", now)
