// The management API client. Every call speaks the envelope {success, message, data}, sends
// New-Api-User: <id> of the logged-in user, and reports every failure: as a toast by default,
// or to the caller when it shows the error in place ({ inline: true }). A 401 clears the user
// and returns to /login, keeping the route that was wanted in ?next=.
import { notifications } from '@mantine/notifications';
import i18next from 'i18next';

export interface Envelope<T> {
  success: boolean;
  message: string;
  data: T;
}

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  page_size: number;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(message: string, status: number, code = '') {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

export type Query = Record<string, string | number | boolean | undefined | null>;

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  body?: unknown;
  query?: Query;
  signal?: AbortSignal;
  /** The caller shows the error itself (inline); no toast. */
  inline?: boolean;
  /** A 401 is an answer, not an expired session (the login form itself). */
  allow401?: boolean;
}

const USER_KEY = 'user';

export interface StoredUser {
  id: number;
  username: string;
  display_name?: string;
  role: number;
  status: number;
  group?: string;
}

export function storedUser(): StoredUser | null {
  try {
    const raw = localStorage.getItem(USER_KEY);
    const user = raw ? (JSON.parse(raw) as StoredUser) : null;
    return user && typeof user.id === 'number' ? user : null;
  } catch {
    return null;
  }
}

type UserListener = (user: StoredUser | null) => void;
const listeners = new Set<UserListener>();

/** True after a 401 ended the session (the login page then says so), until the next login. */
let expired = false;
export function sessionExpired(): boolean {
  return expired;
}

export function setStoredUser(user: StoredUser | null): void {
  if (user) expired = false;
  if (user) localStorage.setItem(USER_KEY, JSON.stringify(user));
  else localStorage.removeItem(USER_KEY);
  listeners.forEach((fn) => fn(user));
}

export function onUserChange(fn: UserListener): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** Where a 401 sends the browser; the app replaces it with its router's navigate. */
let goToLogin: (next: string) => void = (next) => {
  window.location.assign(`/login?expired=true&next=${encodeURIComponent(next)}`);
};
export function setLoginRedirect(fn: (next: string) => void): void {
  goToLogin = fn;
}

export function apiHeaders(json: boolean): Record<string, string> {
  const headers: Record<string, string> = {
    'Cache-Control': 'no-store',
    'Accept-Language': i18next.language === 'zh' ? 'zh-CN,zh;q=0.9' : 'en',
  };
  if (json) headers['Content-Type'] = 'application/json';
  const user = storedUser();
  if (user) headers['New-Api-User'] = String(user.id);
  return headers;
}

function buildUrl(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  }
  const qs = params.toString();
  return qs ? `${path}${path.includes('?') ? '&' : '?'}${qs}` : path;
}

export function reportError(err: unknown, title?: string): void {
  if (err instanceof DOMException && err.name === 'AbortError') return;
  const message = err instanceof Error ? err.message : String(err);
  notifications.show({
    color: 'red',
    title: title ?? i18next.t('common:error.title'),
    message,
    autoClose: 8000,
  });
}

export function handleUnauthorized(): void {
  const here = window.location.pathname + window.location.search;
  expired = true;
  if (!window.location.pathname.startsWith('/login')) goToLogin(here);
  setStoredUser(null);
}

async function readEnvelope<T>(resp: Response): Promise<Envelope<T>> {
  const text = await resp.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (body && typeof body === 'object' && 'success' in body) return body as Envelope<T>;
  const err = (body as { error?: { message?: string; code?: string } } | null)?.error;
  if (err?.message) throw new ApiError(err.message, resp.status, err.code ?? '');
  if (resp.status === 429) throw new ApiError(i18next.t('common:error.rateLimited'), 429);
  throw new ApiError(
    i18next.t('common:error.http', { status: resp.status, text: resp.statusText || text.slice(0, 200) }),
    resp.status,
  );
}

/** Call /api/...; resolves to `data`, or throws ApiError after reporting it (unless inline). */
export async function api<T = unknown>(path: string, opts: RequestOptions = {}): Promise<T> {
  const hasBody = opts.body !== undefined;
  try {
    let resp: Response;
    try {
      resp = await fetch(buildUrl(path, opts.query), {
        method: opts.method ?? (hasBody ? 'POST' : 'GET'),
        headers: apiHeaders(hasBody),
        body: hasBody ? JSON.stringify(opts.body) : undefined,
        credentials: 'same-origin',
        signal: opts.signal,
      });
    } catch (e) {
      if (e instanceof DOMException && e.name === 'AbortError') throw e;
      throw new ApiError(i18next.t('common:error.network'), 0);
    }
    if (resp.status === 401 && !opts.allow401) {
      handleUnauthorized();
      const env = await readEnvelope<T>(resp).catch(() => null);
      throw new ApiError(env?.message || i18next.t('common:error.expired'), 401);
    }
    const env = await readEnvelope<T>(resp);
    if (!env.success) {
      const code = (env as unknown as { code?: string }).code ?? '';
      throw new ApiError(env.message || i18next.t('common:error.unknown'), resp.status, code);
    }
    return env.data;
  } catch (err) {
    if (!opts.inline) reportError(err);
    throw err;
  }
}

export const get = <T>(path: string, query?: Query, extra: RequestOptions = {}) =>
  api<T>(path, { ...extra, query });
export const post = <T>(path: string, body?: unknown, extra: RequestOptions = {}) =>
  api<T>(path, { ...extra, method: 'POST', body: body ?? {} });
export const put = <T>(path: string, body: unknown, extra: RequestOptions = {}) =>
  api<T>(path, { ...extra, method: 'PUT', body });
export const del = <T>(path: string, extra: RequestOptions = {}) =>
  api<T>(path, { ...extra, method: 'DELETE' });
