// The wallet's history: credits (the caller's top-up log rows: redeemed codes, completed
// payments) and payment orders (/api/user/topup/self; admins may list everyone's and complete a
// pending order by hand: POST /api/user/topup/complete, once even racing the provider's webhook).
import { Badge, Button, Group, SegmentedControl, Tabs, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconSearch } from '@tabler/icons-react';
import { useEffect, useMemo, useState } from 'react';
import { post } from '../../api/client';
import { usePagedList } from '../../api/hooks';
import { useAppState, useQuotaOptions } from '../../api/session';
import { ConfirmModal, type ConfirmRequest } from '../../components/ConfirmModal';
import { DataTable, listProps, sortRows, type Column, type SortState } from '../../components/DataTable';
import { usePageStrings } from '../../lib/i18n';
import { formatQuota } from '../../lib/quota';
import { formatTime } from '../../lib/time';
import { S, type TopupOrder } from './strings';

interface CreditLog {
  id: number;
  created_at: number;
  content: string;
  quota: number;
}

const ORDER_COLORS: Record<string, string> = { pending: 'yellow', success: 'teal', failed: 'red', expired: 'gray' };

function Credits({ tick }: { tick: number }) {
  const { t } = usePageStrings('topup', S);
  const qo = useQuotaOptions();
  const list = usePagedList<CreditLog>({ listPath: '/api/log/self', filters: { type: 1 } });
  const { reload } = list;
  useEffect(() => {
    if (tick) reload();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [tick]);
  const [sort, setSort] = useState<SortState | null>(null);
  const columns: Column<CreditLog>[] = useMemo(() => [
    { key: 'time', title: t('colTime'), render: (r) => <Text size="sm">{formatTime(r.created_at)}</Text>, sortValue: (r) => r.created_at },
    { key: 'amount', title: t('colAmount'), align: 'right', render: (r) => <Text size="sm" ff="monospace" c="teal">+{formatQuota(r.quota, qo)}</Text>, sortValue: (r) => r.quota },
    { key: 'content', title: t('colContent'), render: (r) => <Text size="sm">{r.content}</Text> },
  ], [t, qo]);
  return (
    <DataTable
      label={t('credits')}
      columns={columns}
      rows={sortRows(list.items, columns, sort)}
      rowKey={(r) => r.id}
      {...listProps(list)}
      empty={t('noCredits')}
      sort={sort}
      onSort={setSort}
    />
  );
}

function Orders() {
  const { t } = usePageStrings('topup', S);
  const { isAdmin } = useAppState();
  const [scope, setScope] = useState<'mine' | 'all'>('mine');
  const [query, setQuery] = useState('');
  const [keyword] = useDebouncedValue(query.trim(), 400);
  const all = isAdmin && scope === 'all';
  const list = usePagedList<TopupOrder>({ listPath: all ? '/api/user/topup' : '/api/user/topup/self', filters: { keyword } });
  const [sort, setSort] = useState<SortState | null>(null);
  const [confirm, setConfirm] = useState<ConfirmRequest | null>(null);
  const { reload } = list;
  const columns: Column<TopupOrder>[] = useMemo(() => {
    const cols: (Column<TopupOrder> | false)[] = [
      { key: 'trade', title: t('colTrade'), render: (r) => <Text size="sm" ff="monospace">{r.trade_no}</Text>, sortValue: (r) => r.trade_no },
      all && { key: 'user', title: t('colUser'), render: (r) => `#${r.user_id}`, sortValue: (r) => r.user_id },
      { key: 'method', title: t('colMethod'), render: (r) => r.payment_method || '—', sortValue: (r) => r.payment_method },
      { key: 'amount', title: t('colAmount'), align: 'right', render: (r) => r.amount.toLocaleString('en-US'), sortValue: (r) => r.amount },
      { key: 'money', title: t('colMoney'), align: 'right', render: (r) => r.money.toFixed(2), sortValue: (r) => r.money },
      {
        key: 'status', title: t('colStatus'), sortValue: (r) => r.status,
        render: (r) => <Badge variant="light" color={ORDER_COLORS[r.status] ?? 'gray'}>{t(r.status === 'expired' ? 'expiredS' : r.status)}</Badge>,
      },
      { key: 'created', title: t('colCreated'), render: (r) => <Text size="sm">{formatTime(r.create_time, false)}</Text>, sortValue: (r) => r.create_time },
      { key: 'completed', title: t('colCompleted'), render: (r) => <Text size="sm">{formatTime(r.complete_time, false)}</Text>, sortValue: (r) => r.complete_time },
      isAdmin && {
        key: 'actions', title: '', align: 'right',
        render: (r) => r.status === 'pending' && (
          <Button
            size="compact-xs"
            variant="light"
            aria-label={t('completeOrder', { trade: r.trade_no })}
            onClick={() => setConfirm({
              message: t('confirmComplete', { trade: r.trade_no, user: r.user_id, amount: r.amount.toLocaleString('en-US') }),
              action: t('complete'),
              color: 'teal',
              run: () => post('/api/user/topup/complete', { trade_no: r.trade_no }, { inline: true }).then(() => reload()),
            })}
          >
            {t('complete')}
          </Button>
        ),
      },
    ];
    return cols.filter(Boolean) as Column<TopupOrder>[];
  }, [t, all, isAdmin, reload]);
  return (
    <>
      <Group mb="sm" gap="sm">
        <TextInput aria-label={t('searchTrade')} placeholder={t('searchTrade')} leftSection={<IconSearch size={16} />} value={query} onChange={(e) => setQuery(e.currentTarget.value)} w={{ base: '100%', xs: 260 }} />
        {isAdmin && (
          <SegmentedControl
            aria-label={t('orders')}
            value={scope}
            onChange={(v) => setScope(v as 'mine' | 'all')}
            data={[{ value: 'mine', label: t('mine') }, { value: 'all', label: t('everyone') }]}
          />
        )}
      </Group>
      <DataTable
        label={t('orders')}
        columns={columns}
        rows={sortRows(list.items, columns, sort)}
        rowKey={(r) => r.id}
        {...listProps(list)}
        empty={t('noOrders')}
        sort={sort}
        onSort={setSort}
      />
      <ConfirmModal request={confirm} onClose={() => setConfirm(null)} />
    </>
  );
}

export function History({ tick }: { tick: number }) {
  const { t } = usePageStrings('topup', S);
  return (
    <Tabs defaultValue="credits" keepMounted={false}>
      <Tabs.List mb="sm">
        <Tabs.Tab value="credits">{t('credits')}</Tabs.Tab>
        <Tabs.Tab value="orders">{t('orders')}</Tabs.Tab>
      </Tabs.List>
      <Tabs.Panel value="credits">
        <Credits tick={tick} />
      </Tabs.Panel>
      <Tabs.Panel value="orders">
        <Orders />
      </Tabs.Panel>
    </Tabs>
  );
}
