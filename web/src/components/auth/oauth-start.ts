// Starting a sign-in with an outside account, as new-api's console does: GET /api/oauth/state
// (with ?aff=<invite code> kept in localStorage), then the browser goes to the provider's
// authorize URL built from /api/status. The provider returns to /oauth/<provider>
// (pages/oauth.tsx). The personal settings page binds accounts with the same calls.
import { get } from '../../api/client';
import type { Status } from '../../api/types';

/** The /api/status fields the sign-in pages read (client ids and site keys are public). */
export interface AuthStatus extends Status {
  register_enabled?: boolean;
  password_login_enabled?: boolean;
  password_register_enabled?: boolean;
  github_client_id?: string;
  discord_client_id?: string;
  linuxdo_client_id?: string;
  oidc_client_id?: string;
  oidc_authorization_endpoint?: string;
  telegram_bot_name?: string;
  wechat_qrcode?: string;
}

export type RedirectProvider = 'github' | 'discord' | 'oidc' | 'linuxdo';
export const REDIRECT_PROVIDERS: RedirectProvider[] = ['github', 'discord', 'oidc', 'linuxdo'];
export const PROVIDER_NAMES: Record<string, string> = {
  github: 'GitHub',
  discord: 'Discord',
  oidc: 'OIDC',
  linuxdo: 'LinuxDO',
  wechat: 'WeChat',
  telegram: 'Telegram',
};

const AFF_KEY = 'aff';

/** The invite code of an invite link (?aff=), kept for a later registration or OAuth sign-in. */
export function rememberAff(search: string): string {
  const aff = new URLSearchParams(search).get('aff')?.trim() ?? '';
  if (aff) localStorage.setItem(AFF_KEY, aff);
  return aff || storedAff();
}

export function storedAff(): string {
  return localStorage.getItem(AFF_KEY) ?? '';
}

/** Whether /api/status enables this provider (and gives what its authorize URL needs). */
export function providerEnabled(status: AuthStatus | null, p: RedirectProvider): boolean {
  if (!status) return false;
  switch (p) {
    case 'github':
      return !!status.github_oauth && !!status.github_client_id;
    case 'discord':
      return !!status.discord_oauth && !!status.discord_client_id;
    case 'oidc':
      return !!status.oidc_enabled && !!status.oidc_client_id && !!status.oidc_authorization_endpoint;
    case 'linuxdo':
      return !!status.linuxdo_oauth && !!status.linuxdo_client_id;
  }
}

/** The provider's authorize URL for this state (new-api's console builds the same ones). */
export function authorizeUrl(status: AuthStatus, p: RedirectProvider, state: string): string {
  const callback = `${window.location.origin}/oauth/${p}`;
  const q = (params: Record<string, string>) => new URLSearchParams(params).toString();
  switch (p) {
    case 'github':
      return `https://github.com/login/oauth/authorize?${q({ client_id: status.github_client_id ?? '', state, scope: 'user:email' })}`;
    case 'discord':
      return `https://discord.com/oauth2/authorize?${q({
        client_id: status.discord_client_id ?? '',
        redirect_uri: callback,
        response_type: 'code',
        scope: 'identify openid',
        state,
      })}`;
    case 'linuxdo':
      return `https://connect.linux.do/oauth2/authorize?${q({ response_type: 'code', client_id: status.linuxdo_client_id ?? '', state })}`;
    case 'oidc': {
      const url = new URL(status.oidc_authorization_endpoint ?? '');
      url.searchParams.set('client_id', status.oidc_client_id ?? '');
      url.searchParams.set('redirect_uri', callback);
      url.searchParams.set('response_type', 'code');
      url.searchParams.set('scope', 'openid profile email');
      url.searchParams.set('state', state);
      return url.toString();
    }
  }
}

/** Get a state and send the browser to the provider. Throws ApiError (shown by the caller). */
export async function startOAuth(status: AuthStatus, p: RedirectProvider): Promise<void> {
  const aff = storedAff();
  const state = await get<string>('/api/oauth/state', aff ? { aff } : undefined, { inline: true });
  window.location.assign(authorizeUrl(status, p, state));
}

/** Whether /api/status enables any outside account (GitHub, ..., WeChat, Telegram). */
export function hasOutsideAccounts(status: AuthStatus | null): boolean {
  if (!status) return false;
  const telegram = !!status.telegram_oauth && !!status.telegram_bot_name;
  return !!status.wechat_login || telegram || REDIRECT_PROVIDERS.some((p) => providerEnabled(status, p));
}

/** Whether the login page offers any way in besides the password. */
export function hasOtherSignIns(status: AuthStatus | null): boolean {
  return !!status?.passkey_login || hasOutsideAccounts(status);
}
