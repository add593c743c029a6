// Pricing (/pricing, public): the models this gateway serves (GET /api/pricing; a session
// narrows it to the user's usable groups) with their prices in the display currency for a
// chosen group, searchable and filtered by vendor, billing type and endpoint. Per-token prices:
// model ratio 1 = $2 per million input tokens; output × completion ratio; cache reads × cache
// ratio; all × the group's ratio. Per-call prices: model_price USD × the group's ratio.
import { ActionIcon, Alert, Badge, Group, Paper, SegmentedControl, Select, SimpleGrid, Stack, Text, TextInput, Tooltip } from '@mantine/core';
import { IconCopy, IconSearch } from '@tabler/icons-react';
import i18next from 'i18next';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { apiHeaders } from '../api/client';
import { useAppState, useQuotaOptions } from '../api/session';
import { DataTable, sortRows, type Column, type SortState } from '../components/DataTable';
import { PageHeader, copyText } from '../components/Page';
import { usePageStrings } from '../lib/i18n';
import { displayKind, formatQuota, type QuotaOptions } from '../lib/quota';

const S = {
  en: {
    title: 'Pricing',
    description: 'The models this gateway serves and what a call costs. Prices depend on the group your account or key uses.',
    search: 'Search models', vendor: 'Vendor', allVendors: 'All vendors', otherVendor: 'Other', billing: 'Billing', all: 'All',
    perToken: 'Per token', perCall: 'Per call', endpoint: 'Endpoint', allEndpoints: 'All endpoints', group: 'Group', groupOption: '{{name}} (×{{ratio}})',
    unit: 'Token unit', per1m: 'per 1M tokens', per1k: 'per 1K tokens',
    colModel: 'Model', colVendor: 'Vendor', colBilling: 'Billing', colInput: 'Input', colOutput: 'Output', colCache: 'Cache read', colCall: 'Per call',
    colEndpoints: 'Endpoints', colGroups: 'Groups', copy: 'Copy the model name {{name}}',
    note: 'Prices for the {{group}} group (×{{ratio}}), {{unit}}.', tokensNote: 'Balances here are counted in tokens; prices are shown in US dollars.',
    empty: 'No model matches these filters.', none: 'No models are served yet.', count_one: '{{count}} model', count_other: '{{count}} models',
  },
  zh: {
    title: '模型价格',
    description: '本网关提供的模型及调用价格。价格取决于你的账户或令牌使用的分组。',
    search: '搜索模型', vendor: '供应商', allVendors: '全部供应商', otherVendor: '其他', billing: '计费方式', all: '全部',
    perToken: '按量', perCall: '按次', endpoint: '端点', allEndpoints: '全部端点', group: '分组', groupOption: '{{name}}（×{{ratio}}）',
    unit: 'Token 单位', per1m: '每百万 tokens', per1k: '每千 tokens',
    colModel: '模型', colVendor: '供应商', colBilling: '计费', colInput: '输入', colOutput: '输出', colCache: '缓存读取', colCall: '每次',
    colEndpoints: '端点', colGroups: '分组', copy: '复制模型名称 {{name}}',
    note: '{{group}} 分组（×{{ratio}}）的价格，{{unit}}。', tokensNote: '本站余额以 tokens 计；价格以美元显示。',
    empty: '没有符合筛选条件的模型。', none: '还没有可用的模型。', count_other: '{{count}} 个模型',
  },
};

interface PricedModel {
  model_name: string;
  description: string;
  icon: string;
  tags: string;
  vendor_id: number;
  quota_type: number;
  model_ratio: number;
  model_price: number;
  completion_ratio: number;
  cache_ratio: number;
  enable_groups: string[];
  supported_endpoint_types: string[];
}

interface PricingAnswer {
  success: boolean;
  message: string;
  data: PricedModel[];
  vendors: { id: number; name: string; icon: string; description?: string }[];
  group_ratio: Record<string, number>;
  usable_group: Record<string, string>;
  supported_endpoint: Record<string, { path: string; method: string }>;
}

/** GET /api/pricing whole (its groups and vendors sit beside `data`), errors kept for the page. */
function usePricing() {
  const [answer, setAnswer] = useState<PricingAnswer>();
  const [error, setError] = useState('');
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const ctl = new AbortController();
    setLoading(true);
    fetch('/api/pricing', { headers: apiHeaders(false), credentials: 'same-origin', signal: ctl.signal })
      .then(async (resp) => {
        const body = (await resp.json().catch(() => null)) as PricingAnswer | null;
        if (!body || !body.success) throw new Error(body?.message || i18next.t('common:error.http', { status: resp.status, text: resp.statusText }));
        setAnswer(body);
        setError('');
      })
      .catch((e: unknown) => {
        if (ctl.signal.aborted) return;
        setError(e instanceof TypeError ? i18next.t('common:error.network') : e instanceof Error ? e.message : String(e));
      })
      .finally(() => !ctl.signal.aborted && setLoading(false));
    return () => ctl.abort();
  }, [tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { answer, error, loading, reload };
}

function usdFormatter(qo: QuotaOptions) {
  const perUnit = Number(qo.quota_per_unit) > 0 ? Number(qo.quota_per_unit) : 500000;
  if (displayKind(qo) === 'TOKENS') {
    return (usd: number) => `$${usd.toLocaleString('en-US', { maximumFractionDigits: 6 })}`;
  }
  return (usd: number) => formatQuota(usd * perUnit, qo, 6);
}

export default function PricingPage() {
  const { t } = usePageStrings('pricing', S);
  const qo = useQuotaOptions();
  const { user } = useAppState();
  const { answer, error, loading, reload } = usePricing();
  const [query, setQuery] = useState('');
  const [vendor, setVendor] = useState<string | null>(null);
  const [billing, setBilling] = useState('all');
  const [endpoint, setEndpoint] = useState<string | null>(null);
  const [group, setGroup] = useState<string | null>(null);
  const [unit, setUnit] = useState<'1m' | '1k'>('1m');
  const [sort, setSort] = useState<SortState | null>(null);
  const [page, setPage] = useState(1);
  const [pageSize, setPageSize] = useState(20);
  const usd = usdFormatter(qo);

  const groups = useMemo(() => Object.keys(answer?.usable_group ?? {}).sort(), [answer]);
  const own = user?.group && groups.includes(user.group) ? user.group : groups.includes('default') ? 'default' : groups[0];
  const chosen = group && groups.includes(group) ? group : own ?? '';
  const ratio = answer?.group_ratio?.[chosen] ?? 1;
  const scale = unit === '1m' ? 1 : 0.001;
  const vendorName = useMemo(() => new Map((answer?.vendors ?? []).map((v) => [v.id, v.name])), [answer]);

  const rows = useMemo(() => {
    const q = query.trim().toLowerCase();
    return (answer?.data ?? []).filter((m) => {
      if (chosen && !m.enable_groups.includes(chosen)) return false;
      if (vendor === 'other' ? vendorName.has(m.vendor_id) : vendor && String(m.vendor_id) !== vendor) return false;
      if (billing !== 'all' && String(m.quota_type) !== billing) return false;
      if (endpoint && !m.supported_endpoint_types.includes(endpoint)) return false;
      return !q || `${m.model_name} ${m.description} ${m.tags}`.toLowerCase().includes(q);
    });
  }, [answer, query, vendor, billing, endpoint, chosen, vendorName]);
  useEffect(() => setPage(1), [query, vendor, billing, endpoint, chosen]);

  const input = (m: PricedModel) => m.model_ratio * 2 * ratio * scale;
  const columns: Column<PricedModel>[] = useMemo(() => {
    const perToken = (m: PricedModel) => m.quota_type === 0;
    const dash = <Text c="dimmed" size="sm">—</Text>;
    return [
      {
        key: 'model', title: t('colModel'), sortValue: (m) => m.model_name.toLowerCase(),
        render: (m) => (
          <Stack gap={2} maw={320}>
            <Group gap={4} wrap="nowrap">
              <Text fw={500} size="sm" style={{ wordBreak: 'break-all' }}>{m.model_name}</Text>
              <Tooltip label={t('copy', { name: m.model_name })}>
                <ActionIcon variant="subtle" size="sm" aria-label={t('copy', { name: m.model_name })} onClick={() => void copyText(m.model_name)}>
                  <IconCopy size={14} />
                </ActionIcon>
              </Tooltip>
            </Group>
            {m.description && <Text size="xs" c="dimmed" lineClamp={2}>{m.description}</Text>}
            {m.tags && <Group gap={4}>{m.tags.split(',').filter(Boolean).map((tag) => <Badge key={tag} size="xs" variant="light" color="grape" tt="none">{tag}</Badge>)}</Group>}
          </Stack>
        ),
      },
      { key: 'vendor', title: t('colVendor'), render: (m) => vendorName.get(m.vendor_id) ?? dash, sortValue: (m) => vendorName.get(m.vendor_id) ?? '~' },
      { key: 'billing', title: t('colBilling'), render: (m) => <Badge size="sm" variant="light" color={perToken(m) ? 'blue' : 'orange'}>{perToken(m) ? t('perToken') : t('perCall')}</Badge>, sortValue: (m) => m.quota_type },
      { key: 'input', title: t('colInput'), align: 'right', sortValue: (m) => (perToken(m) ? input(m) : -1), render: (m) => (perToken(m) ? <Text size="sm" ff="monospace" data-testid="price-input">{usd(input(m))}</Text> : dash) },
      { key: 'output', title: t('colOutput'), align: 'right', sortValue: (m) => (perToken(m) ? input(m) * m.completion_ratio : -1), render: (m) => (perToken(m) ? <Text size="sm" ff="monospace" data-testid="price-output">{usd(input(m) * m.completion_ratio)}</Text> : dash) },
      { key: 'cache', title: t('colCache'), align: 'right', render: (m) => (perToken(m) && m.cache_ratio > 0 ? <Text size="sm" ff="monospace">{usd(input(m) * m.cache_ratio)}</Text> : dash) },
      { key: 'call', title: t('colCall'), align: 'right', sortValue: (m) => (perToken(m) ? -1 : m.model_price), render: (m) => (perToken(m) ? dash : <Text size="sm" ff="monospace" data-testid="price-call">{usd(m.model_price * ratio)}</Text>) },
      { key: 'endpoints', title: t('colEndpoints'), render: (m) => <Group gap={4}>{m.supported_endpoint_types.map((e) => <Badge key={e} size="xs" variant="outline" tt="none">{e}</Badge>)}</Group> },
      { key: 'groups', title: t('colGroups'), render: (m) => <Group gap={4}>{m.enable_groups.map((g) => <Badge key={g} size="xs" variant="outline" color="gray" tt="none">{g}</Badge>)}</Group> },
    ];
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [t, vendorName, ratio, scale, qo]);

  const sorted = sortRows(rows, columns, sort);
  const shown = sorted.slice((page - 1) * pageSize, page * pageSize);
  const vendorOptions = [
    ...(answer?.vendors ?? []).map((v) => ({ value: String(v.id), label: v.name })),
    ...((answer?.data ?? []).some((m) => !vendorName.has(m.vendor_id)) ? [{ value: 'other', label: t('otherVendor') }] : []),
  ];
  const endpointOptions = Object.keys(answer?.supported_endpoint ?? {}).map((e) => ({ value: e, label: e }));
  const groupOptions = groups.map((g) => ({ value: g, label: t('groupOption', { name: g, ratio: answer?.group_ratio?.[g] ?? 1 }) }));

  return (
    <>
      <PageHeader title={t('title')} description={t('description')} />
      <Paper withBorder p="md" radius="md" mb="md">
        <SimpleGrid cols={{ base: 1, xs: 2, md: 3 }} spacing="sm">
          <TextInput label={t('search')} leftSection={<IconSearch size={16} />} value={query} onChange={(e) => setQuery(e.currentTarget.value)} />
          <Select label={t('group')} data={groupOptions} value={chosen || null} onChange={setGroup} allowDeselect={false} />
          <Select label={t('vendor')} placeholder={t('allVendors')} data={vendorOptions} value={vendor} onChange={setVendor} clearable />
          <Select label={t('endpoint')} placeholder={t('allEndpoints')} data={endpointOptions} value={endpoint} onChange={setEndpoint} clearable />
          <Stack gap={4}>
            <Text size="sm" fw={500} id="pricing-billing">{t('billing')}</Text>
            <SegmentedControl aria-labelledby="pricing-billing" value={billing} onChange={setBilling} data={[{ value: 'all', label: t('all') }, { value: '0', label: t('perToken') }, { value: '1', label: t('perCall') }]} />
          </Stack>
          <Stack gap={4}>
            <Text size="sm" fw={500} id="pricing-unit">{t('unit')}</Text>
            <SegmentedControl aria-labelledby="pricing-unit" value={unit} onChange={(v) => setUnit(v as '1m' | '1k')} data={[{ value: '1m', label: '1M' }, { value: '1k', label: '1K' }]} />
          </Stack>
        </SimpleGrid>
        {answer && (
          <Text size="sm" c="dimmed" mt="sm" data-testid="pricing-note">
            {t('note', { group: chosen, ratio, unit: unit === '1m' ? t('per1m') : t('per1k') })} {t('count', { count: rows.length })}
            {displayKind(qo) === 'TOKENS' ? ` ${t('tokensNote')}` : ''}
          </Text>
        )}
      </Paper>
      {answer && answer.data.length === 0 && <Alert color="gray" mb="md">{t('none')}</Alert>}
      <Paper withBorder p="md" radius="md">
        <DataTable
          label={t('title')}
          columns={columns}
          rows={shown}
          rowKey={(m) => m.model_name}
          loading={loading}
          error={error}
          onRetry={reload}
          empty={t('empty')}
          sort={sort}
          onSort={setSort}
          page={page}
          pageSize={pageSize}
          total={rows.length}
          onPage={setPage}
          onPageSize={(n) => { setPageSize(n); setPage(1); }}
        />
      </Paper>
    </>
  );
}
