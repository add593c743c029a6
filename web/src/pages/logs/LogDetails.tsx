// The details drawer of one log row: a summary, the content text, and the `other` JSON made
// readable in sections (billing with the calculation, request, error, admin-only), with the
// raw JSON one click away.
import { ActionIcon, Badge, Button, Code, Divider, Drawer, Group, Stack, Table, Text, Title, Tooltip } from '@mantine/core';
import { IconCopy } from '@tabler/icons-react';
import { useState, type ReactNode } from 'react';
import { useQuotaOptions } from '../../api/session';
import { isObject, JsonView, parseJson, type Json } from '../../components/JsonView';
import { copyText } from '../../components/Page';
import { usePageStrings } from '../../lib/i18n';
import { formatQuota } from '../../lib/quota';
import { formatTime } from '../../lib/time';
import { S } from './strings';
import { TYPE_COLORS, type LogItem } from './types';

const BILLING = [
  'model_ratio', 'completion_ratio', 'group_ratio', 'user_group_ratio', 'model_price', 'cache_tokens', 'cache_ratio',
  'cache_creation_tokens', 'cache_creation_ratio', 'cache_creation_tokens_5m', 'cache_creation_ratio_5m',
  'cache_creation_tokens_1h', 'cache_creation_ratio_1h', 'cache_write_tokens', 'usage_semantic', 'image', 'image_ratio',
  'image_output', 'tool_surcharges',
];
const CACHE_WRITE = BILLING.filter((k) => k.startsWith('cache_creation') || k === 'cache_write_tokens');
const REQUEST = [
  'request_path', 'upstream_model_name', 'is_model_mapped', 'request_conversion', 'final_request_format',
  'reasoning_effort', 'frt', 'stream_status',
];
const ERROR = ['error_type', 'error_code', 'status_code', 'channel_id', 'channel_name', 'channel_type'];
const ADMIN = ['admin_info'];
const NESTED = ['use_channel', 'is_multi_key', 'multi_key_index', 'local_count_tokens', 'quota_saturation', 'status', 'end_reason', 'admin_id', 'admin_username'];

type Obj = { [key: string]: Json };

function pick(obj: Obj, keys: string[]): Obj | null {
  const out: Obj = {};
  for (const k of keys) if (k in obj) out[k] = obj[k];
  return Object.keys(out).length ? out : null;
}

const num = (v: Json | undefined) => (typeof v === 'number' ? v : 0);

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Table.Tr>
      <Table.Th w="38%" fw={500} fz="sm" c="dimmed" scope="row" style={{ verticalAlign: 'top' }}>
        {label}
      </Table.Th>
      <Table.Td style={{ wordBreak: 'break-word' }}>{children}</Table.Td>
    </Table.Tr>
  );
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Stack gap={6}>
      <Title order={5}>{title}</Title>
      {children}
    </Stack>
  );
}

function RawJson({ value, label }: { value: Json; label: string }) {
  const [open, setOpen] = useState(false);
  return (
    <Stack gap={6}>
      <Button variant="subtle" size="compact-sm" onClick={() => setOpen((v) => !v)} aria-expanded={open} style={{ alignSelf: 'flex-start' }}>
        {label}
      </Button>
      {open && (
        <Code block style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }} data-testid="detail-raw">
          {typeof value === 'string' ? value : JSON.stringify(value, null, 2)}
        </Code>
      )}
    </Stack>
  );
}

export function LogDetails({ log, admin, onClose }: { log: LogItem | null; admin: boolean; onClose: () => void }) {
  const { t } = usePageStrings('logs', S);
  const qo = useQuotaOptions();
  const other = log ? parseJson(log.other) : undefined;
  const obj: Obj = isObject(other) ? other : {};
  const labels: Record<string, string> = {};
  for (const k of [...BILLING, ...REQUEST, ...ERROR, ...ADMIN, ...NESTED]) labels[k] = t(`k_${k}`);

  const noCacheWrite = CACHE_WRITE.filter((k) => k.includes('tokens')).every((k) => !num(obj[k]));
  // -1 means "not set" (no per-call price, no user-group override): nothing to show
  const unset = (k: string) => ['model_price', 'user_group_ratio'].includes(k) && obj[k] === -1;
  const billingKeys = BILLING.filter((k) => !(noCacheWrite && CACHE_WRITE.includes(k)) && !unset(k));
  const billing = pick(obj, billingKeys);
  const request = pick(obj, REQUEST);
  const error = pick(obj, ERROR);
  const adminInfo = admin ? pick(obj, ADMIN) : null;
  const known = new Set([...BILLING, ...REQUEST, ...ERROR, ...ADMIN]);
  const rest = Object.fromEntries(Object.entries(obj).filter(([k]) => !known.has(k))) as Obj;

  const format = {
    request_conversion: (v: Json) => <Text size="sm">{Array.isArray(v) ? v.join(' → ') : String(v)}</Text>,
    frt: (v: Json) => <Text size="sm" ff="monospace">{num(v) ? `${num(v)} ms` : '—'}</Text>,
  };

  let formula = '';
  if (log && log.type === 2) {
    const mr = num(obj.model_ratio);
    const gr = typeof obj.group_ratio === 'number' ? obj.group_ratio : 1;
    const price = num(obj.model_price);
    const simple = !num(obj.cache_tokens) && noCacheWrite && !obj.image && !obj.tool_surcharges;
    if (price > 0) {
      formula = t('priceText', { price: `$${price}`, gr, quota: log.quota.toLocaleString('en-US') });
    } else if (mr > 0 && simple) {
      const cr = typeof obj.completion_ratio === 'number' ? obj.completion_ratio : 1;
      formula = t('formulaText', { prompt: log.prompt_tokens, completion: log.completion_tokens, cr, mr, gr, quota: log.quota.toLocaleString('en-US') });
    }
  }

  return (
    <Drawer opened={log !== null} onClose={onClose} title={t('drawer')} position="right" size="lg" data-testid="log-drawer">
      {log && (
        <Stack gap="lg">
          <Section title={t('summary')}>
            <Table verticalSpacing={4} horizontalSpacing="xs" layout="fixed">
              <Table.Tbody>
                <Field label={t('fTime')}>{formatTime(log.created_at)}</Field>
                <Field label={t('fType')}>
                  <Badge color={TYPE_COLORS[log.type] ?? 'gray'} variant="light">{t(`t${log.type}`)}</Badge>
                </Field>
                {log.model_name && <Field label={t('fModel')}>{log.model_name}</Field>}
                {admin && <Field label={t('fUser')}>{log.username} (#{log.user_id})</Field>}
                {log.token_name && <Field label={t('fToken')}>{log.token_name}</Field>}
                {log.group && <Field label={t('fGroup')}>{log.group}</Field>}
                {admin && log.channel > 0 && <Field label={t('fChannel')}>#{log.channel} {log.channel_name}</Field>}
                <Field label={t('fQuota')}>
                  <Group gap="xs">
                    <Text size="sm" fw={600} data-testid="detail-quota">{formatQuota(log.quota, qo, 6)}</Text>
                    <Text size="xs" c="dimmed" data-testid="detail-quota-units">{t('fQuotaUnits', { quota: log.quota.toLocaleString('en-US') })}</Text>
                  </Group>
                </Field>
                {(log.prompt_tokens > 0 || log.completion_tokens > 0) && (
                  <>
                    <Field label={t('fPrompt')}>{log.prompt_tokens.toLocaleString('en-US')}</Field>
                    <Field label={t('fCompletion')}>{log.completion_tokens.toLocaleString('en-US')}</Field>
                  </>
                )}
                {log.type === 2 && <Field label={t('fUseTime')}>{t('seconds', { s: log.use_time })}</Field>}
                {log.type === 2 && <Field label={t('fStream')}>{log.is_stream ? t('yes') : t('no')}</Field>}
                {log.request_id && (
                  <Field label={t('fRequestId')}>
                    <Group gap={4} wrap="nowrap">
                      <Code style={{ wordBreak: 'break-all' }}>{log.request_id}</Code>
                      <Tooltip label={t('copyId')}>
                        <ActionIcon variant="subtle" size="sm" aria-label={t('copyId')} onClick={() => void copyText(log.request_id ?? '')}>
                          <IconCopy size={14} />
                        </ActionIcon>
                      </Tooltip>
                    </Group>
                  </Field>
                )}
                {log.upstream_request_id && <Field label={t('fUpstreamRequestId')}><Code>{log.upstream_request_id}</Code></Field>}
                {log.ip && <Field label={t('fIp')}>{log.ip}</Field>}
              </Table.Tbody>
            </Table>
          </Section>
          {log.content && (
            <Section title={t('content')}>
              <Text size="sm" style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }} data-testid="detail-content">{log.content}</Text>
            </Section>
          )}
          {billing && (
            <Section title={t('billing')}>
              {formula && (
                <Text size="sm" data-testid="detail-formula">
                  <Text span fw={500}>{t('formula')}: </Text>
                  {formula}
                </Text>
              )}
              <JsonView value={billing} labels={labels} raw={false} testId="detail-billing" />
            </Section>
          )}
          {request && (
            <Section title={t('request')}>
              <JsonView value={request} labels={labels} format={format} raw={false} testId="detail-request" />
            </Section>
          )}
          {error && log.type === 5 && (
            <Section title={t('error')}>
              <JsonView value={error} labels={labels} raw={false} />
            </Section>
          )}
          {adminInfo && (
            <Section title={t('admin')}>
              <JsonView value={adminInfo} labels={labels} raw={false} />
            </Section>
          )}
          {Object.keys(rest).length > 0 && (
            <Section title={t('others')}>
              <JsonView value={rest} labels={labels} raw={false} />
            </Section>
          )}
          {other !== undefined && (
            <>
              <Divider />
              <RawJson key={log.id} value={other} label={t('raw')} />
            </>
          )}
        </Stack>
      )}
    </Drawer>
  );
}
