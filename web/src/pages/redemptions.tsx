// Redemption codes (/console/redemption, admins): list and search (name prefix or id), create N
// codes with a value and an expiry, then copy them or download them as .txt / .csv; enable /
// disable, edit, delete one, delete every invalid (used, disabled, expired) code.
import { ActionIcon, Badge, Button, Code, Group, Modal, Paper, ScrollArea, Stack, Switch, Text, TextInput, Tooltip } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconCopy, IconDownload, IconEdit, IconPlus, IconSearch, IconTrash, IconTrashX } from '@tabler/icons-react';
import { useMemo, useState } from 'react';
import { del, put } from '../api/client';
import { usePagedList } from '../api/hooks';
import { useQuotaOptions } from '../api/session';
import { ConfirmModal, type ConfirmRequest } from '../components/ConfirmModal';
import { downloadText, fileStamp, toCsv } from '../components/csv';
import { DataTable, listProps, sortRows, type Column, type SortState } from '../components/DataTable';
import { PageHeader, copyText } from '../components/Page';
import { usePageStrings } from '../lib/i18n';
import { formatQuota } from '../lib/quota';
import { formatTime, nowUnix } from '../lib/time';
import { CodeForm, type Created } from './redemptions/CodeForm';
import { S, type Redemption } from './redemptions/strings';

const USED = 3;

function state(r: Redemption): 'unused' | 'disabledS' | 'used' | 'expired' {
  if (r.status === USED) return 'used';
  if (r.status === 2) return 'disabledS';
  if (r.expired_time && r.expired_time < nowUnix()) return 'expired';
  return 'unused';
}
const STATE_COLORS = { unused: 'teal', disabledS: 'gray', used: 'blue', expired: 'orange' };

export default function RedemptionsPage() {
  const { t } = usePageStrings('redemptions', S);
  const qo = useQuotaOptions();
  const [query, setQuery] = useState('');
  const [keyword] = useDebouncedValue(query.trim(), 400);
  const list = usePagedList<Redemption>({ listPath: '/api/redemption/', searchPath: '/api/redemption/search', search: { keyword } });
  const [sort, setSort] = useState<SortState | null>(null);
  const [form, setForm] = useState<{ mode: 'create' | 'edit'; code?: Redemption } | null>(null);
  const [created, setCreated] = useState<Created | null>(null);
  const [confirm, setConfirm] = useState<ConfirmRequest | null>(null);

  const toast = (message: string) => notifications.show({ color: 'teal', message, autoClose: 2500 });
  const toggle = async (r: Redemption) => {
    try {
      await put('/api/redemption/?status_only=true', { id: r.id, status: r.status === 1 ? 2 : 1 });
      list.reload();
    } catch {
      /* reported by the client */
    }
  };

  const columns: Column<Redemption>[] = useMemo(() => [
    { key: 'id', title: t('colId'), render: (r) => r.id, sortValue: (r) => r.id, width: 60 },
    { key: 'name', title: t('colName'), render: (r) => <Text fw={500} size="sm">{r.name}</Text>, sortValue: (r) => r.name.toLowerCase() },
    {
      key: 'key', title: t('colKey'),
      render: (r) => (
        <Group gap={4} wrap="nowrap">
          <Code>{r.key.slice(0, 6)}…{r.key.slice(-4)}</Code>
          <Tooltip label={t('copyCode', { id: r.id })}>
            <ActionIcon variant="subtle" size="sm" aria-label={t('copyCode', { id: r.id })} onClick={() => void copyText(r.key)}>
              <IconCopy size={14} />
            </ActionIcon>
          </Tooltip>
        </Group>
      ),
    },
    { key: 'status', title: t('colStatus'), render: (r) => <Badge variant="light" color={STATE_COLORS[state(r)]}>{t(state(r))}</Badge>, sortValue: (r) => state(r) },
    { key: 'quota', title: t('colQuota'), align: 'right', render: (r) => <Text size="sm" ff="monospace">{formatQuota(r.quota, qo)}</Text>, sortValue: (r) => r.quota },
    { key: 'created', title: t('colCreated'), render: (r) => <Text size="sm">{formatTime(r.created_time, false)}</Text>, sortValue: (r) => r.created_time },
    { key: 'expires', title: t('colExpires'), render: (r) => <Text size="sm">{r.expired_time ? formatTime(r.expired_time, false) : t('never')}</Text>, sortValue: (r) => r.expired_time || Number.MAX_SAFE_INTEGER },
    {
      key: 'redeemed', title: t('colRedeemed'), sortValue: (r) => r.redeemed_time,
      render: (r) => (r.redeemed_time ? (
        <Stack gap={0}>
          <Text size="sm">{formatTime(r.redeemed_time, false)}</Text>
          <Text size="xs" c="dimmed">{t('byUser', { id: r.used_user_id })}</Text>
        </Stack>
      ) : '—'),
    },
    {
      key: 'actions', title: t('table.actions'),
      render: (r) => (
        <Group gap={4} wrap="nowrap">
          <Switch
            size="sm"
            checked={r.status === 1}
            disabled={r.status === USED}
            onChange={() => void toggle(r)}
            aria-label={r.status === 1 ? t('disableCode', { id: r.id }) : t('enableCode', { id: r.id })}
          />
          <ActionIcon variant="subtle" disabled={r.status === USED} aria-label={t('editCode', { id: r.id })} onClick={() => setForm({ mode: 'edit', code: r })}>
            <IconEdit size={16} />
          </ActionIcon>
          <ActionIcon
            variant="subtle"
            color="red"
            aria-label={t('deleteCode', { id: r.id })}
            onClick={() => setConfirm({
              message: t('confirmDelete', { id: r.id, name: r.name }),
              action: t('action.delete'),
              run: () => del(`/api/redemption/${r.id}`, { inline: true }).then(() => list.reload()),
            })}
          >
            <IconTrash size={16} />
          </ActionIcon>
        </Group>
      ),
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
  ], [t, qo]);

  const deleteInvalid = () => setConfirm({
    message: t('confirmInvalid'),
    action: t('deleteInvalid'),
    run: async () => {
      const count = await del<number>('/api/redemption/invalid', { inline: true });
      toast(t('invalidDone', { count: Number(count) || 0 }));
      list.reload();
    },
  });

  const stamp = created ? fileStamp(`redemption-${created.name.replace(/[^\w-]+/g, '_') || 'codes'}`) : '';
  const download = (kind: 'txt' | 'csv') => {
    if (!created) return;
    if (kind === 'txt') {
      downloadText(`${stamp}.txt`, created.keys.join('\n') + '\n');
      return;
    }
    const csv = toCsv(created.keys, [
      { header: 'name', value: () => created.name },
      { header: 'code', value: (k) => k },
      { header: 'quota', value: () => created.quota },
      { header: 'value', value: () => formatQuota(created.quota, qo) },
      { header: 'expires', value: () => (created.expired_time ? formatTime(created.expired_time) : 'never') },
    ]);
    downloadText(`${stamp}.csv`, csv, 'text/csv');
  };

  return (
    <>
      <PageHeader
        title={t('title')}
        description={t('description')}
        actions={
          <>
            <Button variant="light" color="red" leftSection={<IconTrashX size={16} />} onClick={deleteInvalid}>{t('deleteInvalid')}</Button>
            <Button leftSection={<IconPlus size={16} />} onClick={() => setForm({ mode: 'create' })}>{t('create')}</Button>
          </>
        }
      />
      <Paper withBorder p="md" radius="md">
        <Group mb="md">
          <TextInput aria-label={t('search')} placeholder={t('search')} leftSection={<IconSearch size={16} />} value={query} onChange={(e) => setQuery(e.currentTarget.value)} w={{ base: '100%', xs: 280 }} />
        </Group>
        <DataTable
          label={t('title')}
          columns={columns}
          rows={sortRows(list.items, columns, sort)}
          rowKey={(r) => r.id}
          {...listProps(list)}
          sort={sort}
          onSort={setSort}
        />
      </Paper>
      <CodeForm
        mode={form?.mode ?? null}
        code={form?.code}
        onClose={() => setForm(null)}
        onCreated={(c) => {
          setForm(null);
          setCreated(c);
          list.reload();
        }}
        onSaved={() => {
          setForm(null);
          toast(t('saved'));
          list.reload();
        }}
      />
      <Modal opened={created !== null} onClose={() => setCreated(null)} title={t('createdTitle', { count: created?.keys.length ?? 0 })} centered size="lg">
        {created && (
          <Stack>
            <Text size="sm">{t('createdHint')}</Text>
            <ScrollArea.Autosize mah={260}>
              <Code block data-testid="new-codes" style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>{created.keys.join('\n')}</Code>
            </ScrollArea.Autosize>
            <Group justify="flex-end" gap="xs">
              <Button variant="default" leftSection={<IconDownload size={16} />} onClick={() => download('txt')} data-testid="download-txt">{t('downloadTxt')}</Button>
              <Button variant="default" leftSection={<IconDownload size={16} />} onClick={() => download('csv')} data-testid="download-csv">{t('downloadCsv')}</Button>
              <Button leftSection={<IconCopy size={16} />} onClick={() => void copyText(created.keys.join('\n'))} data-testid="copy-codes">{t('copyAll')}</Button>
              <Button variant="default" onClick={() => setCreated(null)}>{t('action.close')}</Button>
            </Group>
          </Stack>
        )}
      </Modal>
      <ConfirmModal request={confirm} onClose={() => setConfirm(null)} />
    </>
  );
}
