// The channel as /api/channel answers it, and the small pure helpers the page and the form
// share: JSON-text columns, comma lists, per-channel status details.

export interface ChannelInfo {
  is_multi_key: boolean;
  multi_key_size: number;
  multi_key_status_list: Record<string, number> | null;
  multi_key_polling_index: number;
  multi_key_mode: '' | 'random' | 'polling';
}

export interface Channel {
  id: number;
  type: number;
  key: string; // always "" in answers
  openai_organization: string | null;
  test_model: string | null;
  status: number;
  name: string;
  weight: number | null;
  created_time: number;
  test_time: number;
  response_time: number;
  base_url: string | null;
  other: string | null;
  balance: number;
  balance_updated_time: number;
  models: string;
  group: string;
  used_quota: number;
  model_mapping: string | null;
  status_code_mapping: string | null;
  priority: number | null;
  auto_ban: number;
  other_info: string | null;
  tag: string | null;
  setting: string | null;
  param_override: string | null;
  header_override: string | null;
  remark: string | null;
  channel_info: ChannelInfo;
  settings: string | null;
}

export const STATUS_ENABLED = 1;
export const STATUS_MANUAL = 2;
export const STATUS_AUTO = 3;

export type JsonObject = Record<string, unknown>;

/** A JSON-object column as an object ({} when empty or not an object). */
export function jsonObject(text: string | null | undefined): JsonObject {
  if (!text || !text.trim()) return {};
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as JsonObject) : {};
  } catch {
    return {};
  }
}

export function commaList(text: string | null | undefined): string[] {
  const seen = new Set<string>();
  for (const part of (text ?? '').split(',')) {
    const name = part.trim();
    if (name) seen.add(name);
  }
  return [...seen];
}

/** Why and when a channel was disabled automatically (other_info), if it says. */
export function statusReason(ch: Channel): { reason: string; time: number } | null {
  const info = jsonObject(ch.other_info);
  const reason = typeof info.status_reason === 'string' ? info.status_reason : '';
  const time = typeof info.status_time === 'number' ? info.status_time : 0;
  return reason || time ? { reason, time } : null;
}

export type JsonCheck = 'object' | 'stringMap' | 'statusMap' | 'regions';

/**
 * Validate the text of a JSON editor: '' is fine (nothing set); otherwise it must be a JSON
 * object, and for some fields of a given shape. Returns an error key of the strings' `json`
 * section (with its values), or null when valid.
 */
export function checkJson(text: string, kind: JsonCheck): { key: string; values?: Record<string, string> } | null {
  if (!text.trim()) return kind === 'regions' ? { key: 'regionsDefault' } : null;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return { key: 'invalid', values: { detail: e instanceof Error ? e.message : String(e) } };
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) return { key: 'notObject' };
  const entries = Object.entries(v as JsonObject);
  if (kind === 'stringMap' || kind === 'regions') {
    const bad = entries.find(([, x]) => typeof x !== 'string' || !x.trim());
    if (bad) return { key: 'notString', values: { name: bad[0] } };
  }
  if (kind === 'regions' && !entries.some(([k]) => k === 'default')) return { key: 'regionsDefault' };
  if (kind === 'statusMap') {
    const code = (x: unknown) => /^[1-5]\d\d$/.test(String(x).trim());
    const bad = entries.find(([k, x]) => !code(k) || !code(x));
    if (bad) return { key: 'notStatus', values: { name: bad[0] } };
  }
  return null;
}

/** Pretty-print JSON text (unchanged when it does not parse). */
export function formatJson(text: string): string {
  try {
    return text.trim() ? JSON.stringify(JSON.parse(text), null, 2) : '';
  } catch {
    return text;
  }
}

/** Key lines of a key text (a Vertex AI JSON array counts its elements). */
export function keyCount(key: string): number {
  const text = key.trim();
  if (text.startsWith('[')) {
    try {
      const v: unknown = JSON.parse(text);
      if (Array.isArray(v)) return v.length;
    } catch {
      /* counted as lines */
    }
  }
  return text.split('\n').filter((l) => l.trim()).length;
}
