// Channel calls whose answers do not fit the client's `data` convention: the test and the
// balance answer with top-level fields ({success, message, time} / {success, message, balance}).
import i18next from 'i18next';
import { ApiError, apiHeaders, handleUnauthorized, type Query } from '../../api/client';

interface Answer {
  success: boolean;
  message: string;
  [key: string]: unknown;
}

/** GET `path` and return the whole envelope; a network error, a 401 or a non-JSON answer throws. */
export async function getEnvelope(path: string, query?: Query, signal?: AbortSignal): Promise<Answer> {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  }
  const qs = params.toString();
  let resp: Response;
  try {
    resp = await fetch(qs ? `${path}?${qs}` : path, { headers: apiHeaders(false), credentials: 'same-origin', signal });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError(i18next.t('common:error.network'), 0);
  }
  if (resp.status === 401) {
    handleUnauthorized();
    throw new ApiError(i18next.t('common:error.expired'), 401);
  }
  const text = await resp.text();
  try {
    const body = JSON.parse(text) as Answer;
    if (body && typeof body === 'object' && 'success' in body) return body;
  } catch {
    /* below */
  }
  throw new ApiError(i18next.t('common:error.http', { status: resp.status, text: resp.statusText || text.slice(0, 200) }), resp.status);
}

export interface TestResult {
  success: boolean;
  message: string;
  /** seconds */
  time: number;
  error_code?: string;
}

export async function testChannel(id: number, model: string, stream = false): Promise<TestResult> {
  const a = await getEnvelope(`/api/channel/test/${id}`, { model, stream: stream || undefined });
  return { success: a.success, message: a.message, time: Number(a.time) || 0, error_code: a.error_code as string | undefined };
}

/** The channel's balance as its provider reports it; throws ApiError with the reason. */
export async function updateBalance(id: number): Promise<number> {
  const a = await getEnvelope(`/api/channel/update_balance/${id}`);
  if (!a.success) throw new ApiError(a.message || i18next.t('common:error.unknown'), 200);
  return Number(a.balance) || 0;
}
