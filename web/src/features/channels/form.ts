// The channel form's state, filled from a stored channel or empty for a new one, checked before
// saving, and turned into the bodies of POST /api/channel/ (create) and PUT /api/channel/ (edit).
import { AWS, VERTEX_AI, channelType, needsBaseUrl, otherField } from './catalog';
import { checkJson, commaList, jsonObject, type Channel, type JsonObject } from './model';

export type AddMode = 'single' | 'batch' | 'multi_to_single';
export type MultiKeyMode = 'random' | 'polling';

export interface FormState {
  id?: number;
  type: number;
  name: string;
  tag: string;
  remark: string;
  base_url: string;
  other: string;
  openai_organization: string;
  key: string;
  addMode: AddMode;
  prefixNames: boolean;
  multiKeyMode: MultiKeyMode;
  keyMode: 'append' | 'replace';
  isMultiKey: boolean;
  models: string[];
  test_model: string;
  model_mapping: string;
  groups: string[];
  priority: number;
  weight: number;
  auto_ban: boolean;
  status_code_mapping: string;
  param_override: string;
  header_override: string;
  /** the `setting` column (system prompt, pass-through), unknown keys kept */
  setting: JsonObject;
  /** the `settings` column (responses_mode, per-type switches), unknown keys kept */
  settings: JsonObject;
}

export function emptyForm(): FormState {
  return {
    type: 1, name: '', tag: '', remark: '', base_url: '', other: '', openai_organization: '', key: '',
    addMode: 'single', prefixNames: false, multiKeyMode: 'random', keyMode: 'append', isMultiKey: false,
    models: [], test_model: '', model_mapping: '', groups: ['default'], priority: 0, weight: 0, auto_ban: true,
    status_code_mapping: '', param_override: '', header_override: '', setting: {}, settings: {},
  };
}

export function formFromChannel(ch: Channel): FormState {
  return {
    id: ch.id,
    type: ch.type,
    name: ch.name,
    tag: ch.tag ?? '',
    remark: ch.remark ?? '',
    base_url: ch.base_url ?? '',
    other: ch.other ?? '',
    openai_organization: ch.openai_organization ?? '',
    key: '',
    addMode: 'single',
    prefixNames: false,
    multiKeyMode: ch.channel_info?.multi_key_mode === 'polling' ? 'polling' : 'random',
    keyMode: 'append',
    isMultiKey: !!ch.channel_info?.is_multi_key,
    models: commaList(ch.models),
    test_model: ch.test_model ?? '',
    model_mapping: ch.model_mapping ?? '',
    groups: commaList(ch.group),
    priority: ch.priority ?? 0,
    weight: ch.weight ?? 0,
    auto_ban: ch.auto_ban !== 0,
    status_code_mapping: ch.status_code_mapping ?? '',
    param_override: ch.param_override ?? '',
    header_override: ch.header_override ?? '',
    setting: jsonObject(ch.setting),
    settings: jsonObject(ch.settings),
  };
}

/** A JSON column without its empty values (so unset switches do not pile up as false/""). */
function compact(obj: JsonObject): string {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(obj)) {
    if (v === '' || v === false || v === null || v === undefined) continue;
    out[k] = v;
  }
  return Object.keys(out).length ? JSON.stringify(out) : '';
}

/** The first problem with the form, as a key of the strings' `form.check` section, or ''. */
export function formProblem(f: FormState): string {
  if (!f.name.trim()) return 'name';
  if (!f.id && !f.key.trim()) return 'key';
  if (f.type === VERTEX_AI && checkJson(f.other, 'regions')) return 'regions';
  if (needsBaseUrl(f.type) && !f.base_url.trim()) return 'baseUrl';
  if (f.models.length === 0) return 'models';
  if (f.groups.length === 0) return 'groups';
  for (const [field, kind] of [
    ['model_mapping', 'stringMap'], ['status_code_mapping', 'statusMap'], ['param_override', 'object'], ['header_override', 'stringMap'],
  ] as const) {
    if (f[field].trim() && checkJson(f[field], kind)) return field;
  }
  return '';
}

/** The channel fields both create and edit send. */
function fields(f: FormState): Record<string, unknown> {
  const other = otherField(f.type) ? f.other.trim() : '';
  const settings = { ...f.settings };
  if (channelType(f.type).protocol !== 'openai') delete settings.responses_mode;
  return {
    type: f.type,
    name: f.name.trim(),
    tag: f.tag.trim(),
    remark: f.remark.trim(),
    base_url: f.base_url.trim().replace(/\/+$/, ''),
    other,
    openai_organization: f.type === 1 ? f.openai_organization.trim() : '',
    models: f.models.join(','),
    test_model: f.test_model,
    model_mapping: f.model_mapping.trim(),
    group: f.groups.join(','),
    priority: f.priority || 0,
    weight: f.weight || 0,
    auto_ban: f.auto_ban ? 1 : 0,
    status_code_mapping: f.status_code_mapping.trim(),
    param_override: f.param_override.trim(),
    header_override: f.header_override.trim(),
    setting: compact(f.setting),
    settings: compact(settings) || '{}',
  };
}

export function createBody(f: FormState): Record<string, unknown> {
  const channel = { ...fields(f), key: f.key.trim() };
  const body: Record<string, unknown> = { mode: f.addMode, channel };
  if (f.addMode === 'multi_to_single') body.multi_key_mode = f.multiKeyMode;
  if (f.addMode === 'batch') body.batch_add_set_key_prefix_2_name = f.prefixNames;
  return body;
}

export function updateBody(f: FormState): Record<string, unknown> {
  const body: Record<string, unknown> = { id: f.id, ...fields(f) };
  if (f.key.trim()) body.key = f.key.trim();
  if (f.isMultiKey) {
    body.multi_key_mode = f.multiKeyMode;
    if (f.key.trim()) body.key_mode = f.keyMode;
  }
  return body;
}

/** The key's first line, as fetch_models uses it (AWS and Vertex keys are taken whole). */
export function firstKey(f: FormState): string {
  if (f.type === AWS || f.type === VERTEX_AI) return f.key.trim();
  return f.key.trim().split('\n')[0]?.trim() ?? '';
}
