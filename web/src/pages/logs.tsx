// Usage logs (/console/log): admins read /api/log/ (every user, username and channel filters),
// users /api/log/self. Filters: time range, type, model, key name, group, request id; the stat
// bar (/api/log/[self/]stat: spent in range, RPM and TPM of the last minute); a details drawer
// per row; a CSV export of the current filter, read page by page up to EXPORT_CAP rows.
import { ActionIcon, Alert, Badge, Button, Collapse, Group, Paper, Select, SimpleGrid, Stack, Text, TextInput, Tooltip } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconAdjustmentsHorizontal, IconDownload, IconEye, IconFilterOff, IconRefresh } from '@tabler/icons-react';
import { useMemo, useState } from 'react';
import type { Query } from '../api/client';
import { usePagedList, useRequest } from '../api/hooks';
import { useAppState, useQuotaOptions } from '../api/session';
import { fetchAllPages, fileStamp, toCsv, downloadText, type CsvColumn } from '../components/csv';
import { DataTable, listProps, sortRows, type Column, type SortState } from '../components/DataTable';
import { InlineError, PageHeader } from '../components/Page';
import { usePageStrings } from '../lib/i18n';
import { formatQuota, formatTokens } from '../lib/quota';
import { formatTime, fromLocalInput, nowUnix } from '../lib/time';
import { LogDetails } from './logs/LogDetails';
import { S } from './logs/strings';
import { LOG_TYPES, TYPE_COLORS, type LogItem } from './logs/types';

/** The most rows one export reads (100 per request; the API's global limit is 180 a window). */
export const EXPORT_CAP = 5000;

type Range = 'hour' | 'today' | '24h' | '7d' | '30d' | 'all' | 'custom';
const SPANS: Partial<Record<Range, number>> = { hour: 3600, '24h': 86400, '7d': 7 * 86400, '30d': 30 * 86400 };

interface Filters {
  type: string;
  model: string;
  token: string;
  group: string;
  requestId: string;
  username: string;
  channel: string;
}
const NO_FILTERS: Filters = { type: '0', model: '', token: '', group: '', requestId: '', username: '', channel: '' };

function localMidnight(unix: number): number {
  const d = new Date(unix * 1000);
  d.setHours(0, 0, 0, 0);
  return Math.floor(d.getTime() / 1000);
}

/** A "contains" search unless the person wrote their own % wildcards (or one character). */
function modelPattern(text: string): string {
  const s = text.trim();
  if (!s || s.includes('%') || s.length < 2) return s;
  return `%${s}%`;
}

interface Stat {
  quota: number;
  rpm: number;
  tpm: number;
}

function StatPill({ label, value, testid }: { label: string; value: string; testid: string }) {
  return (
    <Paper withBorder radius="md" px="sm" py={4}>
      <Group gap={6} wrap="nowrap">
        <Text size="xs" c="dimmed">{label}</Text>
        <Text size="sm" fw={600} ff="monospace" data-testid={testid}>{value}</Text>
      </Group>
    </Paper>
  );
}

function parseOther(text: string): Record<string, unknown> {
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export default function LogsPage() {
  const { t } = usePageStrings('logs', S);
  const qo = useQuotaOptions();
  const { isAdmin } = useAppState();
  const [range, setRange] = useState<Range>('7d');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [anchor, setAnchor] = useState(nowUnix);
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [debounced] = useDebouncedValue(filters, 400);
  const [more, setMore] = useState(false);
  const [sort, setSort] = useState<SortState | null>(null);
  const [detail, setDetail] = useState<LogItem | null>(null);
  const [exporting, setExporting] = useState<{ read: number; total: number } | null>(null);
  const [exportNote, setExportNote] = useState<{ color: string; text: string } | null>(null);
  const [exportError, setExportError] = useState('');

  const query = useMemo(() => {
    const q: Query = {};
    if (range === 'custom') {
      const start = fromLocalInput(from);
      const end = fromLocalInput(to);
      if (Number.isFinite(start)) q.start_timestamp = start;
      if (Number.isFinite(end)) q.end_timestamp = end;
    } else if (range === 'today') {
      q.start_timestamp = localMidnight(anchor);
    } else if (range !== 'all') {
      q.start_timestamp = anchor - (SPANS[range] ?? 0);
    }
    const f = debounced;
    if (f.type !== '0') q.type = Number(f.type);
    q.model_name = modelPattern(f.model);
    q.token_name = f.token.trim();
    q.group = f.group.trim();
    q.request_id = f.requestId.trim();
    if (isAdmin) {
      q.username = f.username.trim();
      q.channel = /^\d+$/.test(f.channel.trim()) ? Number(f.channel.trim()) : '';
    }
    return q;
  }, [range, from, to, anchor, debounced, isAdmin]);

  const listPath = isAdmin ? '/api/log/' : '/api/log/self';
  const list = usePagedList<LogItem>({ listPath, filters: query, initialPageSize: 20 });
  const stat = useRequest<Stat>(isAdmin ? '/api/log/stat' : '/api/log/self/stat', query);

  const set = (patch: Partial<Filters>) => setFilters((f) => ({ ...f, ...patch }));
  const refresh = () => {
    setAnchor(nowUnix());
    list.reload();
    stat.reload();
  };
  const clear = () => {
    setFilters(NO_FILTERS);
    setRange('7d');
    setFrom('');
    setTo('');
  };

  const exportCsv = async () => {
    setExportError('');
    setExportNote(null);
    setExporting({ read: 0, total: list.total });
    try {
      const { rows, total, capped } = await fetchAllPages<LogItem>(listPath, query, {
        cap: EXPORT_CAP,
        onProgress: (read, all) => setExporting({ read, total: all }),
      });
      if (rows.length === 0) {
        setExportNote({ color: 'gray', text: t('exportEmpty') });
        return;
      }
      const columns: CsvColumn<LogItem>[] = [
        { header: 'time', value: (r) => formatTime(r.created_at) },
        { header: 'type', value: (r) => t(`t${r.type}`) },
        ...(isAdmin ? [{ header: 'username', value: (r: LogItem) => r.username }] : []),
        { header: 'token_name', value: (r) => r.token_name },
        { header: 'model_name', value: (r) => r.model_name },
        { header: 'upstream_model', value: (r) => String(parseOther(r.other).upstream_model_name ?? '') },
        ...(isAdmin ? [{ header: 'channel', value: (r: LogItem) => r.channel || '' }, { header: 'channel_name', value: (r: LogItem) => r.channel_name ?? '' }] : []),
        { header: 'group', value: (r) => r.group },
        { header: 'prompt_tokens', value: (r) => r.prompt_tokens },
        { header: 'completion_tokens', value: (r) => r.completion_tokens },
        { header: 'quota', value: (r) => r.quota },
        { header: 'cost', value: (r) => formatQuota(r.quota, qo, 6) },
        { header: 'use_time_s', value: (r) => r.use_time },
        { header: 'stream', value: (r) => (r.is_stream ? 'true' : 'false') },
        { header: 'request_id', value: (r) => r.request_id ?? '' },
        { header: 'ip', value: (r) => r.ip },
        { header: 'content', value: (r) => r.content },
        { header: 'other', value: (r) => r.other },
      ];
      downloadText(`${fileStamp('usage-logs')}.csv`, toCsv(rows, columns), 'text/csv');
      setExportNote(
        capped
          ? { color: 'yellow', text: t('exportCapped', { cap: EXPORT_CAP.toLocaleString('en-US'), total: total.toLocaleString('en-US') }) }
          : { color: 'teal', text: t('exported', { count: rows.length }) },
      );
    } catch (e) {
      setExportError(e instanceof Error ? e.message : String(e));
    } finally {
      setExporting(null);
    }
  };

  const columns: Column<LogItem>[] = useMemo(() => {
    const cols: (Column<LogItem> | false)[] = [
      { key: 'time', title: t('colTime'), render: (r) => <Text size="sm" style={{ whiteSpace: 'nowrap' }}>{formatTime(r.created_at)}</Text>, sortValue: (r) => r.created_at },
      isAdmin && { key: 'user', title: t('colUser'), render: (r) => r.username, sortValue: (r) => r.username.toLowerCase() },
      { key: 'token', title: t('colToken'), render: (r) => r.token_name || <Text c="dimmed" size="sm">—</Text>, sortValue: (r) => r.token_name.toLowerCase() },
      { key: 'type', title: t('colType'), render: (r) => <Badge color={TYPE_COLORS[r.type] ?? 'gray'} variant="light">{t(`t${r.type}`)}</Badge>, sortValue: (r) => r.type },
      {
        key: 'model', title: t('colModel'), sortValue: (r) => r.model_name.toLowerCase(),
        render: (r) => {
          const upstream = parseOther(r.other).upstream_model_name;
          return (
            <Stack gap={0}>
              <Text size="sm">{r.model_name || '—'}</Text>
              {typeof upstream === 'string' && upstream && upstream !== r.model_name && <Text size="xs" c="dimmed">→ {upstream}</Text>}
            </Stack>
          );
        },
      },
      isAdmin && { key: 'channel', title: t('colChannel'), render: (r) => (r.channel ? <Text size="sm">#{r.channel} {r.channel_name}</Text> : '—'), sortValue: (r) => r.channel },
      { key: 'group', title: t('colGroup'), render: (r) => r.group || '—', sortValue: (r) => r.group },
      {
        key: 'tokens', title: t('colTokens'), align: 'right', sortValue: (r) => r.prompt_tokens + r.completion_tokens,
        render: (r) => (r.prompt_tokens || r.completion_tokens ? (
          <Tooltip label={`${r.prompt_tokens} + ${r.completion_tokens}`}>
            <Text size="sm" ff="monospace">{formatTokens(r.prompt_tokens)} / {formatTokens(r.completion_tokens)}</Text>
          </Tooltip>
        ) : '—'),
      },
      { key: 'quota', title: t('colQuota'), align: 'right', render: (r) => <Text size="sm" ff="monospace">{formatQuota(r.quota, qo, 6)}</Text>, sortValue: (r) => r.quota },
      {
        key: 'use', title: t('colUseTime'), sortValue: (r) => r.use_time,
        render: (r) => {
          if (r.type !== 2 && r.type !== 5) return '—';
          const frt = Number(parseOther(r.other).frt) || 0;
          return (
            <Group gap={4} wrap="nowrap">
              <Tooltip label={frt ? t('frt', { ms: frt }) : t('seconds', { s: r.use_time })} disabled={!frt}>
                <Badge variant="outline" tt="none" color={r.use_time > 60 ? 'orange' : 'gray'}>{t('seconds', { s: r.use_time })}</Badge>
              </Tooltip>
              {r.is_stream && <Badge variant="light" tt="none" color="cyan">{t('stream')}</Badge>}
            </Group>
          );
        },
      },
      {
        key: 'details', title: t('colDetails'),
        render: (r) => (
          <ActionIcon variant="subtle" aria-label={t('details', { id: r.id })} onClick={() => setDetail(r)} data-testid="log-details">
            <IconEye size={16} />
          </ActionIcon>
        ),
      },
    ];
    return cols.filter(Boolean) as Column<LogItem>[];
  }, [t, qo, isAdmin]);

  const typeOptions = [{ value: '0', label: t('tAll') }, ...LOG_TYPES.map((n) => ({ value: String(n), label: t(`t${n}`) }))];
  const rangeOptions = (['hour', 'today', '24h', '7d', '30d', 'all', 'custom'] as Range[]).map((r) => ({
    value: r, label: t({ hour: 'rHour', today: 'rToday', '24h': 'r24h', '7d': 'r7d', '30d': 'r30d', all: 'rAll', custom: 'rCustom' }[r]),
  }));

  return (
    <>
      <PageHeader
        title={t('title')}
        description={isAdmin ? t('description') : t('descriptionSelf')}
        actions={
          <>
            <Button variant="default" leftSection={<IconRefresh size={16} />} onClick={refresh}>{t('refresh')}</Button>
            <Button leftSection={<IconDownload size={16} />} onClick={() => void exportCsv()} loading={exporting !== null} data-testid="export-csv">
              {t('export')}
            </Button>
          </>
        }
      />
      <InlineError message={exportError} onRetry={() => void exportCsv()} />
      {exporting && (
        <Alert color="blue" mb="md" role="status">{t('exporting', { read: exporting.read, total: exporting.total })}</Alert>
      )}
      {exportNote && (
        <Alert color={exportNote.color} mb="md" withCloseButton onClose={() => setExportNote(null)} data-testid="export-note">
          {exportNote.text}
        </Alert>
      )}
      <Paper withBorder p="md" radius="md" mb="md">
        <SimpleGrid cols={{ base: 2, md: 4 }} spacing="sm">
          <Select label={t('range')} data={rangeOptions} value={range} onChange={(v) => { setRange((v as Range) ?? '7d'); setAnchor(nowUnix()); }} allowDeselect={false} />
          <Select label={t('type')} data={typeOptions} value={filters.type} onChange={(v) => set({ type: v ?? '0' })} allowDeselect={false} />
          <TextInput label={t('model')} placeholder={t('modelHint')} value={filters.model} onChange={(e) => set({ model: e.currentTarget.value })} />
          <TextInput label={t('token')} placeholder={t('tokenHint')} value={filters.token} onChange={(e) => set({ token: e.currentTarget.value })} />
        </SimpleGrid>
        {range === 'custom' && (
          <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }} spacing="sm" mt="sm">
            <TextInput type="datetime-local" label={t('from')} value={from} onChange={(e) => setFrom(e.currentTarget.value)} />
            <TextInput type="datetime-local" label={t('to')} value={to} onChange={(e) => setTo(e.currentTarget.value)} />
          </SimpleGrid>
        )}
        <Collapse expanded={more}>
          <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }} spacing="sm" mt="sm">
            <TextInput label={t('group')} value={filters.group} onChange={(e) => set({ group: e.currentTarget.value })} />
            <TextInput label={t('requestId')} value={filters.requestId} onChange={(e) => set({ requestId: e.currentTarget.value })} />
            {isAdmin && <TextInput label={t('username')} placeholder={t('usernameHint')} value={filters.username} onChange={(e) => set({ username: e.currentTarget.value })} />}
            {isAdmin && <TextInput label={t('channel')} inputMode="numeric" value={filters.channel} onChange={(e) => set({ channel: e.currentTarget.value.replace(/\D/g, '') })} />}
          </SimpleGrid>
        </Collapse>
        <Group justify="space-between" mt="sm" gap="sm">
          <Group gap="xs" aria-live="polite">
            <Tooltip label={t('statHint')} multiline w={260}>
              <Group gap="xs">
                <StatPill label={t('statQuota')} value={stat.data ? formatQuota(stat.data.quota, qo) : '…'} testid="stat-quota" />
                <StatPill label={t('statRpm')} value={stat.data ? String(stat.data.rpm) : '…'} testid="stat-rpm" />
                <StatPill label={t('statTpm')} value={stat.data ? formatTokens(stat.data.tpm) : '…'} testid="stat-tpm" />
              </Group>
            </Tooltip>
            <StatPill label={t('statRows')} value={list.loading && list.items.length === 0 ? '…' : list.total.toLocaleString('en-US')} testid="stat-rows" />
          </Group>
          <Group gap="xs">
            <Button variant="subtle" size="xs" leftSection={<IconFilterOff size={14} />} onClick={clear}>{t('clear')}</Button>
            <Button variant="subtle" size="xs" leftSection={<IconAdjustmentsHorizontal size={14} />} onClick={() => setMore((v) => !v)} aria-expanded={more}>
              {more ? t('fewer') : t('more')}
            </Button>
          </Group>
        </Group>
        {stat.error && <Text c="red" size="sm" mt="xs" role="alert">{stat.error}</Text>}
      </Paper>
      <Paper withBorder p="md" radius="md">
        <DataTable
          label={t('title')}
          columns={columns}
          rows={sortRows(list.items, columns, sort)}
          rowKey={(r) => r.id}
          {...listProps(list)}
          empty={t('empty')}
          sort={sort}
          onSort={setSort}
        />
      </Paper>
      <LogDetails log={detail} admin={isAdmin} onClose={() => setDetail(null)} />
    </>
  );
}
