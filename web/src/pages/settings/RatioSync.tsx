// Upstream ratio sync (new-api's "upstream ratio sync"): fetch other instances' price tables
// (POST /api/ratio_sync/fetch, sources from GET /api/ratio_sync/channels or typed in), list
// where they differ from ours, and write the chosen values with PUT /api/option/ (one request
// per price table that changes).
import { Alert, Badge, Button, Group, Modal, MultiSelect, Radio, ScrollArea, SimpleGrid, Stack, Table, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useState } from 'react';
import { get, post, put } from '../../api/client';
import { InlineError } from '../../components/Page';
import { usePageStrings } from '../../lib/i18n';
import { S } from './strings';

interface Source { id: number; name: string; base_url: string }
interface Diff { current: number | null; upstreams: Record<string, number | 'same' | null>; confidence: Record<string, boolean> }
interface FetchResult {
  differences: Record<string, Record<string, Diff>>;
  test_results: { name: string; status: 'success' | 'error'; error?: string }[];
}

export const TABLE_KEYS: Record<string, string> = {
  model_ratio: 'ModelRatio', completion_ratio: 'CompletionRatio', cache_ratio: 'CacheRatio',
  create_cache_ratio: 'CreateCacheRatio', image_ratio: 'ImageRatio', audio_ratio: 'AudioRatio',
  audio_completion_ratio: 'AudioCompletionRatio', model_price: 'ModelPrice',
};

/** The tables to write: each changed table as its whole new JSON text. */
export function applyChoices(options: Record<string, string>, choices: Record<string, number>): Record<string, string> {
  const tables: Record<string, Record<string, number>> = {};
  for (const [cell, value] of Object.entries(choices)) {
    const [model, field] = JSON.parse(cell) as [string, string];
    const key = TABLE_KEYS[field];
    if (!key) continue;
    if (!tables[key]) {
      try {
        tables[key] = JSON.parse(options[key] || '{}') as Record<string, number>;
      } catch {
        tables[key] = {};
      }
    }
    tables[key][model] = value;
  }
  return Object.fromEntries(Object.entries(tables).map(([k, v]) => [k, JSON.stringify(v)]));
}

export function RatioSync({ options, onApplied }: { options: Record<string, string>; onApplied: () => void }) {
  const { t } = usePageStrings('settings', S);
  const [open, setOpen] = useState(false);
  const [sources, setSources] = useState<Source[] | null>(null);
  const [picked, setPicked] = useState<string[]>([]);
  const [custom, setCustom] = useState({ base_url: '', endpoint: '/api/ratio_config' });
  const [result, setResult] = useState<FetchResult | null>(null);
  const [choices, setChoices] = useState<Record<string, number>>({});
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const start = async () => {
    setOpen(true);
    setError('');
    if (sources) return;
    try {
      setSources(await get<Source[]>('/api/ratio_sync/channels', undefined, { inline: true }));
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  const fetchDiffs = async () => {
    setBusy(true);
    setError('');
    setChoices({});
    try {
      const upstreams = custom.base_url.trim() ? [{ name: custom.base_url.trim(), base_url: custom.base_url.trim(), endpoint: custom.endpoint.trim() }] : [];
      setResult(await post<FetchResult>('/api/ratio_sync/fetch', { channel_ids: picked.map(Number), upstreams, timeout: 10 }, { inline: true }));
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  const apply = async () => {
    setBusy(true);
    setError('');
    try {
      const tables = applyChoices(options, choices);
      for (const [key, value] of Object.entries(tables)) await put('/api/option/', { key, value }, { inline: true });
      notifications.show({ color: 'teal', message: t('sync.applied', { count: Object.keys(choices).length }) });
      setOpen(false);
      setResult(null);
      setChoices({});
      onApplied();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  const rows = result ? Object.entries(result.differences).flatMap(([model, fields]) => Object.entries(fields).map(([field, d]) => ({ model, field, d }))) : [];
  const names = result ? [...new Set(rows.flatMap((r) => Object.keys(r.d.upstreams)))] : [];
  return (
    <>
      <Group justify="space-between" wrap="wrap" gap="xs">
        <Text size="sm" c="dimmed">{t('sync.hint')}</Text>
        <Button variant="light" onClick={() => void start()}>{t('sync.button')}</Button>
      </Group>
      <Modal opened={open} onClose={() => setOpen(false)} title={t('sync.title')} size="xl">
        <Stack>
          <InlineError message={error} />
          <MultiSelect
            label={t('sync.sources')}
            data={(sources ?? []).map((s) => ({ value: String(s.id), label: `${s.name} — ${s.base_url}` }))}
            value={picked}
            onChange={setPicked}
            searchable
            placeholder={sources ? undefined : t('table.loading')}
          />
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <TextInput label={t('sync.customUrl')} placeholder="https://other-gateway.example.com" value={custom.base_url} onChange={(e) => setCustom({ ...custom, base_url: e.currentTarget.value })} />
            <TextInput label={t('sync.endpoint')} value={custom.endpoint} onChange={(e) => setCustom({ ...custom, endpoint: e.currentTarget.value })} />
          </SimpleGrid>
          <Group justify="flex-end">
            <Button onClick={() => void fetchDiffs()} loading={busy && !result} disabled={picked.length === 0 && !custom.base_url.trim()}>
              {t('sync.fetch')}
            </Button>
          </Group>
          {result && (
            <>
              <Group gap="xs">
                {result.test_results.map((r) => (
                  <Badge key={r.name} color={r.status === 'success' ? 'teal' : 'red'} variant="light" title={r.error}>
                    {r.status === 'success' ? r.name : `${r.name}: ${r.error ?? ''}`}
                  </Badge>
                ))}
              </Group>
              {rows.length === 0 ? (
                <Alert color="teal">{t('sync.same')}</Alert>
              ) : (
                <ScrollArea.Autosize mah={420}>
                  <Table striped withTableBorder data-testid="sync-differences">
                    <Table.Thead>
                      <Table.Tr>
                        <Table.Th>{t('sync.model')}</Table.Th>
                        <Table.Th>{t('sync.field')}</Table.Th>
                        <Table.Th>{t('sync.current')}</Table.Th>
                        {names.map((n) => <Table.Th key={n}>{n}</Table.Th>)}
                      </Table.Tr>
                    </Table.Thead>
                    <Table.Tbody>
                      {rows.map(({ model, field, d }) => {
                        const cell = JSON.stringify([model, field]);
                        return (
                          <Table.Tr key={cell}>
                            <Table.Td>{model}</Table.Td>
                            <Table.Td>{TABLE_KEYS[field] ?? field}</Table.Td>
                            <Table.Td>{d.current ?? '—'}</Table.Td>
                            {names.map((n) => {
                              const v = d.upstreams[n];
                              return (
                                <Table.Td key={n}>
                                  {typeof v === 'number' ? (
                                    <Radio
                                      label={`${v}${d.confidence[n] === false ? ' ⚠' : ''}`}
                                      aria-label={t('sync.use', { value: v, model, field: TABLE_KEYS[field] ?? field })}
                                      checked={choices[cell] === v}
                                      onChange={() => setChoices({ ...choices, [cell]: v })}
                                    />
                                  ) : (
                                    <Text size="sm" c="dimmed">{v === 'same' ? t('sync.sameValue') : '—'}</Text>
                                  )}
                                </Table.Td>
                              );
                            })}
                          </Table.Tr>
                        );
                      })}
                    </Table.Tbody>
                  </Table>
                </ScrollArea.Autosize>
              )}
              <Group justify="flex-end">
                <Button onClick={() => void apply()} loading={busy} disabled={Object.keys(choices).length === 0}>
                  {t('sync.apply', { count: Object.keys(choices).length })}
                </Button>
              </Group>
            </>
          )}
        </Stack>
      </Modal>
    </>
  );
}
