// Console home (/console): stat cards and the usage charts (reference-management.md §6.3) from
// /api/data (admins: everyone, or one user) or /api/data/self, over a chosen time range; then the
// side panels (home/Panels.tsx) and the notice popup (home/Notice.tsx).
import { Badge, Button, Card, Group, Paper, SegmentedControl, Select, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconRefresh } from '@tabler/icons-react';
import type { ChartConfiguration } from 'chart.js';
import { useMemo, useState } from 'react';
import { useRequest } from '../api/hooks';
import { useAppState, useQuotaOptions } from '../api/session';
import type { QuotaRow, User } from '../api/types';
import { ChartCanvas, PALETTE } from '../components/Chart';
import { InlineError, PageHeader } from '../components/Page';
import { usePageStrings } from '../lib/i18n';
import { formatQuota, formatTokens } from '../lib/quota';
import { fromLocalInput, nowUnix, toLocalInput } from '../lib/time';
import { NoticePopup } from './home/Notice';
import { ConsolePanels } from './home/Panels';

const S = {
  en: {
    title: 'Dashboard',
    description: 'Balance, usage and the models your calls went to.',
    range: 'Time range',
    r24h: '24 hours', r7d: '7 days', r30d: '30 days', custom: 'Custom',
    from: 'From', to: 'To',
    granularity: 'Group by', hour: 'Hour', day: 'Day', week: 'Week',
    user: 'User', userHint: 'Exact username; empty for everyone',
    balance: 'Balance', used: 'Used so far', requests: 'Requests so far',
    calls: 'Calls in range', quota: 'Spent in range', tokens: 'Tokens in range',
    rpm: 'Average RPM', tpm: 'Average TPM',
    quotaChart: 'Spending by model', trendChart: 'Calls over time', pieChart: 'Calls by model',
    rankChart: 'Models by calls', userRank: 'Users by spending', userTrend: 'Spending by user over time',
    noData: 'No calls in this range yet.', total: 'Total: {{value}}',
    maxSpan: 'The range may not exceed 30 days.',
  },
  zh: {
    title: '数据看板',
    description: '余额、用量以及调用了哪些模型。',
    range: '时间范围',
    r24h: '24 小时', r7d: '7 天', r30d: '30 天', custom: '自定义',
    from: '开始', to: '结束',
    granularity: '时间粒度', hour: '小时', day: '天', week: '周',
    user: '用户', userHint: '精确用户名；留空为全部',
    balance: '当前余额', used: '历史消耗', requests: '请求次数',
    calls: '统计次数', quota: '统计额度', tokens: '统计 Tokens',
    rpm: '平均 RPM', tpm: '平均 TPM',
    quotaChart: '消耗分布', trendChart: '调用趋势', pieChart: '调用次数分布',
    rankChart: '调用次数排行', userRank: '用户消耗排行', userTrend: '用户消耗趋势',
    noData: '此时间范围内还没有调用。', total: '合计：{{value}}',
    maxSpan: '时间范围不能超过 30 天。',
  },
};

type Gran = 'hour' | 'day' | 'week';
const SIZE: Record<Gran, number> = { hour: 3600, day: 86400, week: 7 * 86400 };
const PRESETS: Record<string, number> = { '24h': 86400, '7d': 7 * 86400, '30d': 30 * 86400 };

function bucketOf(ts: number, gran: Gran): number {
  const offset = new Date(ts * 1000).getTimezoneOffset() * 60; // align days to local midnight
  const local = ts - offset;
  const size = SIZE[gran];
  return local - (((local % size) + size) % size) + offset;
}

function label(ts: number, gran: Gran): string {
  const d = new Date(ts * 1000);
  const md = `${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  return gran === 'hour' ? `${md} ${String(d.getHours()).padStart(2, '0')}:00` : md;
}

interface Series {
  labels: string[];
  byKey: Map<string, number[]>;
}

/** Rows bucketed over the range: one value array per key (model or user). */
function series(rows: QuotaRow[], keyOf: (r: QuotaRow) => string, value: (r: QuotaRow) => number, start: number, end: number, gran: Gran): Series {
  const size = SIZE[gran];
  const buckets: number[] = [];
  if ((end - start) / size <= 800) {
    for (let b = bucketOf(start, gran); b <= end; b += size) buckets.push(b);
  } else {
    buckets.push(...new Set(rows.map((r) => bucketOf(r.created_at, gran))));
    buckets.sort((a, b) => a - b);
  }
  const index = new Map(buckets.map((b, i) => [b, i]));
  const byKey = new Map<string, number[]>();
  for (const r of rows) {
    const i = index.get(bucketOf(r.created_at, gran));
    if (i === undefined) continue;
    const k = keyOf(r) || '—';
    if (!byKey.has(k)) byKey.set(k, new Array(buckets.length).fill(0));
    byKey.get(k)![i] += value(r);
  }
  return { labels: buckets.map((b) => label(b, gran)), byKey };
}

function totals(rows: QuotaRow[], keyOf: (r: QuotaRow) => string, value: (r: QuotaRow) => number): [string, number][] {
  const m = new Map<string, number>();
  rows.forEach((r) => m.set(keyOf(r) || '—', (m.get(keyOf(r) || '—') ?? 0) + value(r)));
  return [...m.entries()].sort((a, b) => b[1] - a[1]);
}

function StatCard({ title, value, testid }: { title: string; value: string; testid: string }) {
  return (
    <Paper withBorder p="md" radius="md">
      <Text size="xs" c="dimmed" tt="uppercase" fw={700}>
        {title}
      </Text>
      <Text fz={24} fw={700} mt={4} data-testid={testid}>
        {value}
      </Text>
    </Paper>
  );
}

function ChartCard({ title, total, config, empty, label }: { title: string; total?: string; config: ChartConfiguration | null; empty: string; label: string }) {
  return (
    <Card withBorder radius="md" padding="md">
      <Group justify="space-between" mb="sm">
        <Title order={4}>{title}</Title>
        {total && <Badge variant="light">{total}</Badge>}
      </Group>
      {config ? (
        <ChartCanvas config={config} label={label} />
      ) : (
        <Text c="dimmed" ta="center" py={100}>
          {empty}
        </Text>
      )}
    </Card>
  );
}

export default function HomePage() {
  const { t } = usePageStrings('home', S);
  const { isAdmin, status } = useAppState();
  const qo = useQuotaOptions();
  const [preset, setPreset] = useState('24h');
  const [custom, setCustom] = useState(() => ({ from: toLocalInput(nowUnix() - 86400), to: toLocalInput(nowUnix()) }));
  const [gran, setGran] = useState<Gran>(status?.data_export_default_time ?? 'hour');
  const [userFilter, setUserFilter] = useState('');
  const [username] = useDebouncedValue(userFilter.trim(), 400);
  const [tick, setTick] = useState(0);

  const [start, end] = useMemo(() => {
    if (preset === 'custom') return [fromLocalInput(custom.from), fromLocalInput(custom.to)];
    const now = nowUnix();
    return [now - PRESETS[preset], now];
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [preset, custom, tick]);
  const valid = Number.isFinite(start) && Number.isFinite(end) && end > start;
  const tooLong = !isAdmin && end - start > 30 * 86400;

  const self = useRequest<User>('/api/user/self');
  const query = { start_timestamp: start, end_timestamp: end, ...(isAdmin && username ? { username } : {}) };
  const data = useRequest<QuotaRow[]>(valid && !tooLong ? (isAdmin ? '/api/data/' : '/api/data/self') : null, query);
  const users = useRequest<QuotaRow[]>(valid && isAdmin ? '/api/data/users' : null, { start_timestamp: start, end_timestamp: end });
  const rows = useMemo(() => data.data ?? [], [data.data]);

  const sum = (f: (r: QuotaRow) => number) => rows.reduce((a, r) => a + (f(r) || 0), 0);
  const calls = sum((r) => r.count);
  const spent = sum((r) => r.quota);
  const tokens = sum((r) => r.token_used);
  const minutes = valid ? Math.max((end - start) / 60, 1) : 1;

  const charts = useMemo(() => {
    if (!valid || rows.length === 0) return null;
    const model = (r: QuotaRow) => r.model_name ?? '';
    const quotaSeries = series(rows, model, (r) => r.quota, start, end, gran);
    const callSeries = series(rows, model, (r) => r.count, start, end, gran);
    const ranking = totals(rows, model, (r) => r.count);
    const money = (v: number) => formatQuota(v, qo, 4);
    const ds = (s: Series, extra: object = {}) =>
      [...s.byKey.entries()].map(([k, values], i) => ({ label: k, data: values, backgroundColor: PALETTE[i % PALETTE.length], borderColor: PALETTE[i % PALETTE.length], ...extra }));
    const bar: ChartConfiguration = {
      type: 'bar',
      data: { labels: quotaSeries.labels, datasets: ds(quotaSeries) },
      options: { scales: { x: { stacked: true }, y: { stacked: true, ticks: { callback: (v) => money(Number(v)) } } }, plugins: { tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${money(Number(c.raw))}` } } } },
    };
    const line: ChartConfiguration = { type: 'line', data: { labels: callSeries.labels, datasets: ds(callSeries, { tension: 0.3, pointRadius: 2 }) }, options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } } };
    const pie: ChartConfiguration = {
      type: 'doughnut',
      data: { labels: ranking.map(([k]) => k), datasets: [{ data: ranking.map(([, v]) => v), backgroundColor: ranking.map((_, i) => PALETTE[i % PALETTE.length]) }] },
      options: { plugins: { legend: { position: 'right' } } },
    };
    const rank: ChartConfiguration = {
      type: 'bar',
      data: { labels: ranking.slice(0, 10).map(([k]) => k), datasets: [{ label: t('calls'), data: ranking.slice(0, 10).map(([, v]) => v), backgroundColor: PALETTE[1] }] },
      options: { indexAxis: 'y', plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } },
    };
    return { bar, line, pie, rank };
  }, [rows, valid, start, end, gran, qo, t]);

  const userCharts = useMemo(() => {
    const urows = users.data ?? [];
    if (!isAdmin || !valid || urows.length === 0) return null;
    const who = (r: QuotaRow) => r.username ?? '';
    const ranking = totals(urows, who, (r) => r.quota).slice(0, 10);
    const money = (v: number) => formatQuota(v, qo, 4);
    const trend = series(urows.filter((r) => ranking.some(([u]) => u === who(r))), who, (r) => r.quota, start, end, gran);
    const rank: ChartConfiguration = {
      type: 'bar',
      data: { labels: ranking.map(([k]) => k), datasets: [{ label: t('quota'), data: ranking.map(([, v]) => v), backgroundColor: PALETTE[0] }] },
      options: { indexAxis: 'y', plugins: { legend: { display: false }, tooltip: { callbacks: { label: (c) => money(Number(c.raw)) } } }, scales: { x: { ticks: { callback: (v) => money(Number(v)) } } } },
    };
    const area: ChartConfiguration = {
      type: 'line',
      data: { labels: trend.labels, datasets: [...trend.byKey.entries()].map(([k, v], i) => ({ label: k, data: v, fill: true, tension: 0.3, pointRadius: 0, borderColor: PALETTE[i % PALETTE.length], backgroundColor: `${PALETTE[i % PALETTE.length]}55` })) },
      options: { scales: { y: { stacked: true, ticks: { callback: (v) => money(Number(v)) } } } },
    };
    return { rank, area };
  }, [users.data, isAdmin, valid, start, end, gran, qo, t]);

  const me = self.data;
  return (
    <>
      <PageHeader
        title={t('title')}
        description={t('description')}
        actions={
          <Button variant="default" leftSection={<IconRefresh size={16} />} onClick={() => {
              setTick((n) => n + 1);
              self.reload();
            }}>
            {t('action.refresh')}
          </Button>
        }
      />
      <Paper withBorder p="md" radius="md" mb="md">
        <Group align="flex-end" gap="md" wrap="wrap">
          <Stack gap={4}>
            <Text size="sm" fw={500} id="range-label">
              {t('range')}
            </Text>
            <SegmentedControl
              aria-labelledby="range-label"
              value={preset}
              onChange={setPreset}
              data={[
                { value: '24h', label: t('r24h') },
                { value: '7d', label: t('r7d') },
                { value: '30d', label: t('r30d') },
                { value: 'custom', label: t('custom') },
              ]}
            />
          </Stack>
          {preset === 'custom' && (
            <>
              <TextInput type="datetime-local" label={t('from')} value={custom.from} onChange={(e) => setCustom({ ...custom, from: e.currentTarget.value })} />
              <TextInput type="datetime-local" label={t('to')} value={custom.to} onChange={(e) => setCustom({ ...custom, to: e.currentTarget.value })} />
            </>
          )}
          <Select
            label={t('granularity')}
            value={gran}
            onChange={(v) => v && setGran(v as Gran)}
            allowDeselect={false}
            w={120}
            data={[
              { value: 'hour', label: t('hour') },
              { value: 'day', label: t('day') },
              { value: 'week', label: t('week') },
            ]}
          />
          {isAdmin && <TextInput label={t('user')} placeholder={t('userHint')} value={userFilter} onChange={(e) => setUserFilter(e.currentTarget.value)} w={280} />}
        </Group>
      </Paper>
      {tooLong && <InlineError message={t('maxSpan')} />}
      <InlineError message={self.error} onRetry={self.reload} />
      <InlineError message={data.error} onRetry={data.reload} />
      <InlineError message={users.error} onRetry={users.reload} />
      <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }} mb="md">
        <StatCard title={t('balance')} value={me ? formatQuota(me.quota, qo) : '…'} testid="stat-balance" />
        <StatCard title={t('used')} value={me ? formatQuota(me.used_quota, qo) : '…'} testid="stat-used" />
        <StatCard title={t('requests')} value={me ? me.request_count.toLocaleString() : '…'} testid="stat-requests" />
        <StatCard title={t('calls')} value={data.loading ? '…' : calls.toLocaleString()} testid="stat-calls" />
        <StatCard title={t('quota')} value={data.loading ? '…' : formatQuota(spent, qo)} testid="stat-quota" />
        <StatCard title={t('tokens')} value={data.loading ? '…' : formatTokens(tokens)} testid="stat-tokens" />
        <StatCard title={t('rpm')} value={(calls / minutes).toFixed(3)} testid="stat-rpm" />
        <StatCard title={t('tpm')} value={(tokens / minutes).toFixed(1)} testid="stat-tpm" />
      </SimpleGrid>
      <SimpleGrid cols={{ base: 1, lg: 2 }}>
        <ChartCard title={t('quotaChart')} total={t('total', { value: formatQuota(spent, qo) })} config={charts?.bar ?? null} empty={t('noData')} label={t('quotaChart')} />
        <ChartCard title={t('trendChart')} total={t('total', { value: calls })} config={charts?.line ?? null} empty={t('noData')} label={t('trendChart')} />
        <ChartCard title={t('pieChart')} config={charts?.pie ?? null} empty={t('noData')} label={t('pieChart')} />
        <ChartCard title={t('rankChart')} config={charts?.rank ?? null} empty={t('noData')} label={t('rankChart')} />
        {isAdmin && <ChartCard title={t('userRank')} config={userCharts?.rank ?? null} empty={t('noData')} label={t('userRank')} />}
        {isAdmin && <ChartCard title={t('userTrend')} config={userCharts?.area ?? null} empty={t('noData')} label={t('userTrend')} />}
      </SimpleGrid>
      <ConsolePanels />
      <NoticePopup />
    </>
  );
}
