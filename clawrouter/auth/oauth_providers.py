"""Sign-in providers of the generic OAuth callback (GitHub, Discord, OIDC, LinuxDO) and WeChat's
login server: one small adapter each that builds its HTTP calls and reads the answers. No I/O
here; auth.oauth_http runs the calls with the configured timeout."""

from __future__ import annotations

import abc
import base64
import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any
from urllib.parse import quote

from clawrouter.config import ProvidersConfig

JSON_ACCEPT = {"Accept": "application/json"}


class OAuthFailure(Exception):
    """A provider could not confirm who the user is; `message` names the provider and is safe
    to show (it never holds a secret, an access token or the code)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class HttpCall:
    """One request to a provider: a JSON body, a form body, or none."""

    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    form: Mapping[str, str] | None = None
    json: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class ProviderUser:
    """Who the provider says the user is; `id` is the value stored in the users table."""

    id: str
    username: str = ""
    display_name: str = ""
    email: str = ""


@dataclass(frozen=True, slots=True)
class Settings:
    """What one sign-in needs from the options and [providers]; `redirect_uri` is the console's
    callback route, `<ServerAddress>/oauth/<provider>`."""

    client_id: str
    client_secret: str
    redirect_uri: str
    token_url: str = ""
    user_url: str = ""
    emails_url: str = ""
    well_known: str = ""
    min_trust_level: int = 0


def text(value: Any) -> str:
    """A string field of a provider's answer ('' when absent or not a string)."""
    return value.strip() if isinstance(value, str) else ""


def int_id(value: Any) -> str:
    """A numeric id as text ('' when absent, zero or not an integer)."""
    if isinstance(value, bool) or not isinstance(value, int) or value == 0:
        return ""
    return str(value)


def some_id(value: Any) -> str:
    """A string or numeric id as text."""
    return int_id(value) or text(value)


class Provider(abc.ABC):
    """The base adapter: the standard authorization-code exchange with a form body. Each
    provider says where its endpoints are (settings) and how its user answer reads (user)."""

    slug = ""  # the path segment in /api/oauth/<slug>
    name = ""  # the name shown in messages
    column = ""  # the users column holding the provider's id
    prefix = ""  # username prefix for the `<prefix><n>` fallback
    switch = ""  # the option that turns it on

    def enabled(self, options: Any) -> bool:
        return bool(options[self.switch])

    @abc.abstractmethod
    def settings(self, endpoints: ProvidersConfig, options: Any, server: str) -> Settings: ...

    def discovery_call(self, s: Settings) -> HttpCall | None:
        return None

    def discovered(self, s: Settings, data: Any) -> Settings:
        return s

    def token_call(self, code: str, s: Settings) -> HttpCall:
        form = {
            "client_id": s.client_id,
            "client_secret": s.client_secret,
            "code": code,
            "grant_type": "authorization_code",
            "redirect_uri": s.redirect_uri,
        }
        return HttpCall("POST", s.token_url, JSON_ACCEPT, form=form)

    def access_token(self, data: Any) -> str:
        if not isinstance(data, dict):
            raise OAuthFailure(f"{self.name} answered the code exchange with no JSON object")
        error = text(data.get("error"))
        if error:
            detail = text(data.get("error_description")) or error
            raise OAuthFailure(f"{self.name} refused the authorization code: {detail[:200]}")
        token = text(data.get("access_token"))
        if not token:
            raise OAuthFailure(f"{self.name} answered the code exchange without an access token")
        return token

    def user_call(self, token: str, s: Settings) -> HttpCall:
        headers = {**JSON_ACCEPT, "Authorization": f"Bearer {token}"}
        return HttpCall("GET", s.user_url, headers)

    @abc.abstractmethod
    def user(self, data: Any, s: Settings) -> ProviderUser: ...

    def emails_call(self, token: str, user: ProviderUser, s: Settings) -> HttpCall | None:
        return None

    def with_emails(self, user: ProviderUser, data: Any) -> ProviderUser:
        return user

    def _profile(self, data: Any) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise OAuthFailure(f"{self.name} answered the profile request with no JSON object")
        return data


class GitHub(Provider):
    slug, name, column, prefix = "github", "GitHub", "github_id", "github_"
    switch = "GitHubOAuthEnabled"

    def settings(self, endpoints: ProvidersConfig, options: Any, server: str) -> Settings:
        api = endpoints.github_api_url.rstrip("/")
        return Settings(
            client_id=options["GitHubClientId"],
            client_secret=options["GitHubClientSecret"],
            redirect_uri=f"{server}/oauth/github",
            token_url=endpoints.github_oauth_url.rstrip("/") + "/login/oauth/access_token",
            user_url=api + "/user",
            emails_url=api + "/user/emails",
        )

    def token_call(self, code: str, s: Settings) -> HttpCall:
        body = {"client_id": s.client_id, "client_secret": s.client_secret, "code": code}
        return HttpCall("POST", s.token_url, JSON_ACCEPT, json=body)

    def user(self, data: Any, s: Settings) -> ProviderUser:
        data = self._profile(data)
        uid, login = int_id(data.get("id")), text(data.get("login"))
        if not uid or not login:
            raise OAuthFailure("GitHub's profile answer has no numeric id or login")
        name, email = text(data.get("name")), text(data.get("email"))
        return ProviderUser(uid, login, name, email)

    def emails_call(self, token: str, user: ProviderUser, s: Settings) -> HttpCall | None:
        return (
            None if user.email else dataclasses.replace(self.user_call(token, s), url=s.emails_url)
        )

    def with_emails(self, user: ProviderUser, data: Any) -> ProviderUser:
        """The primary address, if GitHub has verified it."""
        for item in data if isinstance(data, list) else []:
            if (
                isinstance(item, dict)
                and item.get("primary") is True
                and item.get("verified") is True
                and text(item.get("email"))
            ):
                return dataclasses.replace(user, email=text(item["email"]))
        return user


class Discord(Provider):
    slug, name, column, prefix = "discord", "Discord", "discord_id", "discord_"
    switch = "discord.enabled"

    def settings(self, endpoints: ProvidersConfig, options: Any, server: str) -> Settings:
        api = endpoints.discord_api_url.rstrip("/")
        return Settings(
            client_id=options["discord.client_id"],
            client_secret=options["discord.client_secret"],
            redirect_uri=f"{server}/oauth/discord",
            token_url=api + "/v10/oauth2/token",
            user_url=api + "/v10/users/@me",
        )

    def user(self, data: Any, s: Settings) -> ProviderUser:
        data = self._profile(data)
        uid, username = some_id(data.get("id")), text(data.get("username"))
        if not uid or not username:
            raise OAuthFailure("Discord's profile answer has no id or username")
        return ProviderUser(uid, username, text(data.get("global_name")))


class OIDC(Provider):
    slug, name, column, prefix = "oidc", "OIDC", "oidc_id", "oidc_"
    switch = "oidc.enabled"

    def settings(self, endpoints: ProvidersConfig, options: Any, server: str) -> Settings:
        return Settings(
            client_id=options["oidc.client_id"],
            client_secret=options["oidc.client_secret"],
            redirect_uri=f"{server}/oauth/oidc",
            token_url=text(options["oidc.token_endpoint"]),
            user_url=text(options["oidc.user_info_endpoint"]),
            well_known=text(options["oidc.well_known"]),
        )

    def discovery_call(self, s: Settings) -> HttpCall | None:
        """The explicit endpoint options win; otherwise read them from oidc.well_known."""
        if s.token_url and s.user_url:
            return None
        if not s.well_known:
            raise OAuthFailure(
                "OIDC is not configured: set oidc.well_known, or oidc.token_endpoint and"
                " oidc.user_info_endpoint"
            )
        return HttpCall("GET", s.well_known, JSON_ACCEPT)

    def discovered(self, s: Settings, data: Any) -> Settings:
        doc = data if isinstance(data, dict) else {}
        token_url = s.token_url or _http_url(doc.get("token_endpoint"))
        user_url = s.user_url or _http_url(doc.get("userinfo_endpoint"))
        if not token_url or not user_url:
            raise OAuthFailure(
                "OIDC's discovery document (oidc.well_known) has no token_endpoint or"
                " userinfo_endpoint"
            )
        return dataclasses.replace(s, token_url=token_url, user_url=user_url)

    def user(self, data: Any, s: Settings) -> ProviderUser:
        data = self._profile(data)
        sub, email = some_id(data.get("sub")), text(data.get("email"))
        if not sub or not email:  # the reference requires both (scope "openid profile email")
            raise OAuthFailure("OIDC's user info has no sub or no email")
        username = text(data.get("preferred_username"))
        return ProviderUser(sub, username, text(data.get("name")), email)


class LinuxDO(Provider):
    slug, name, column, prefix = "linuxdo", "LinuxDO", "linux_do_id", "linuxdo_"
    switch = "LinuxDOOAuthEnabled"

    def settings(self, endpoints: ProvidersConfig, options: Any, server: str) -> Settings:
        base = endpoints.linuxdo_url.rstrip("/")
        return Settings(
            client_id=options["LinuxDOClientId"],
            client_secret=options["LinuxDOClientSecret"],
            redirect_uri=f"{server}/oauth/linuxdo",
            token_url=base + "/oauth2/token",
            user_url=base + "/api/user",
            min_trust_level=int(options["LinuxDOMinimumTrustLevel"]),
        )

    def token_call(self, code: str, s: Settings) -> HttpCall:
        """Client authentication by HTTP Basic, as LinuxDO Connect expects."""
        basic = base64.b64encode(f"{s.client_id}:{s.client_secret}".encode()).decode()
        headers = {**JSON_ACCEPT, "Authorization": f"Basic {basic}"}
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": s.redirect_uri}
        return HttpCall("POST", s.token_url, headers, form=form)

    def user(self, data: Any, s: Settings) -> ProviderUser:
        data = self._profile(data)
        uid = int_id(data.get("id"))
        if not uid:
            raise OAuthFailure("LinuxDO's profile answer has no numeric id")
        level = data.get("trust_level")
        if isinstance(level, bool) or not isinstance(level, int):
            level = 0
        if level < s.min_trust_level:
            raise OAuthFailure(
                f"trust level too low: this site requires LinuxDO trust level"
                f" {s.min_trust_level}, yours is {level}"
            )
        return ProviderUser(uid, text(data.get("username")), text(data.get("name")))


PROVIDERS: Mapping[str, Provider] = MappingProxyType(
    {p.slug: p for p in (GitHub(), Discord(), OIDC(), LinuxDO())}
)


def _http_url(value: Any) -> str:
    url = text(value)
    return url if url.startswith(("http://", "https://")) else ""


# ---- WeChat: a login server (new-api's wechat-server) turns a code into the user's id ----------


def wechat_call(server_address: str, token: str, code: str) -> HttpCall:
    url = f"{server_address.rstrip('/')}/api/wechat/user?code={quote(code, safe='')}"
    return HttpCall("GET", url, {**JSON_ACCEPT, "Authorization": token})


def wechat_id(data: Any) -> str:
    """The WeChat id from the server's `{success, message, data}` answer."""
    if not isinstance(data, dict):
        raise OAuthFailure("the WeChat server answered with no JSON object")
    if data.get("success") is not True:
        detail = text(data.get("message")) or "no reason given"
        raise OAuthFailure(f"the WeChat server refused the code: {detail[:200]}")
    wid = some_id(data.get("data"))
    if not wid:
        raise OAuthFailure("the WeChat verification code is wrong or has expired")
    return wid
