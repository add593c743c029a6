// HOOKS FOR THE ACCOUNT-SECURITY WORK (issue #9). The login page renders these three slots;
// today they render nothing. Fill them in here (or replace this file) without touching the
// login page:
//  - PasskeyLogin: when status.passkey_login, a "Log in with a passkey" button running
//    POST /api/user/passkey/login/begin + navigator.credentials.get + .../finish, then
//    onLoggedIn(user) with the login answer.
//  - OAuthButtons: one button per enabled provider in /api/status (github_oauth,
//    discord_oauth, oidc_enabled, linuxdo_oauth, telegram_oauth, wechat_login,
//    custom_oauth_providers): GET /api/oauth/state, then redirect to the provider; the
//    provider returns to /oauth/<provider> (pages/oauth.tsx).
//  - Turnstile: when status.turnstile_check, render the widget with turnstile_site_key and
//    report the token through onToken; the login page sends it as ?turnstile=<token>.
import type { StoredUser } from '../../api/client';
import type { Status } from '../../api/types';

export interface AuthHookProps {
  status: Status | null;
  onLoggedIn: (user: StoredUser) => void;
}

export function PasskeyLogin(_props: AuthHookProps) {
  return null;
}

export function OAuthButtons(_props: AuthHookProps) {
  return null;
}

export function Turnstile(_props: { status: Status | null; onToken: (token: string) => void }) {
  return null;
}
