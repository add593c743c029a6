// The sign-in slots the login page renders: passkey login, the buttons for outside accounts
// and the Turnstile widget. Each renders nothing unless /api/status turns it on.
export { OAuthButtons } from './oauth';
export { PasskeyLogin } from './passkey';
export { Turnstile } from './turnstile';
export type { AuthHookProps } from './types';
