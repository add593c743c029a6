// Channels (/console/channel, admin): the upstream accounts requests are routed to. A list with
// filters (keyword, model, group, status, type with counts, id order), grouped by tag if wished,
// paged; create and edit through a form that follows the channel type; test one channel (any
// of its models) or all, refresh balances, enable / disable, copy, delete; batch and tag
// operations; the multi-key manager; and the key shown behind the secure verification.
import { Badge, Button, Chip, Group, Menu, Modal, Pagination, Paper, Select, Stack, Switch, Text, TextInput, Tooltip } from '@mantine/core';
import { useDebouncedValue, useMediaQuery } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import {
  IconChevronDown, IconPlayerPlay, IconPlus, IconRefresh, IconSearch, IconTag, IconToggleLeft, IconToggleRight, IconTool, IconTrash,
} from '@tabler/icons-react';
import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { del, get, post, put, reportError } from '../api/client';
import { useRequest } from '../api/hooks';
import { useAppState, useQuotaOptions } from '../api/session';
import { DataTable, sortRows, type SortState } from '../components/DataTable';
import { InlineError, PageHeader } from '../components/Page';
import { testChannel, updateBalance } from '../features/channels/api';
import { channelType } from '../features/channels/catalog';
import { ChannelForm } from '../features/channels/ChannelForm';
import { channelColumns, type RowActions } from '../features/channels/columns';
import { Confirm, type ConfirmAsk } from '../features/channels/Confirm';
import { useKeyReveal } from '../features/channels/KeyReveal';
import { STATUS_ENABLED, type Channel } from '../features/channels/model';
import { MultiKeyManager } from '../features/channels/MultiKeyManager';
import { useChannelStrings } from '../features/channels/strings';
import { TagEditor } from '../features/channels/TagEditor';
import { TestDialog, seconds } from '../features/channels/TestDialog';
import { useChannelList, type ChannelFilters } from '../features/channels/useChannelList';

const TAG_MODE_KEY = 'channels.tagMode';
const POLL_MS = 3000;
const POLL_TIMES = 20;

type Selection = Set<number | string>;

export default function ChannelsPage() {
  const { t } = useChannelStrings();
  const { isRoot } = useAppState();
  const qo = useQuotaOptions();
  const [keywordInput, setKeywordInput] = useState('');
  const [modelInput, setModelInput] = useState('');
  const [keyword] = useDebouncedValue(keywordInput.trim(), 350);
  const [model] = useDebouncedValue(modelInput.trim(), 350);
  const [group, setGroup] = useState('');
  const [status, setStatus] = useState<ChannelFilters['status']>('');
  const [type, setType] = useState('');
  const [idSort, setIdSort] = useState(false);
  const [tagMode, setTagMode] = useState(() => localStorage.getItem(TAG_MODE_KEY) === 'true');
  const filters: ChannelFilters = { keyword, model, group, status, type, idSort, tagMode };
  const list = useChannelList(filters);
  const groups = useRequest<string[]>('/api/group/');
  const [sort, setSort] = useState<SortState | null>(null);
  const [selected, setSelected] = useState<Selection>(new Set());
  const [editing, setEditing] = useState<number | null>(null);
  const [testing, setTesting] = useState<Channel | null>(null);
  const [keysOf, setKeysOf] = useState<Channel | null>(null);
  const [tagEdit, setTagEdit] = useState<string | null>(null);
  const [ask, setAsk] = useState<ConfirmAsk | null>(null);
  const [batchTag, setBatchTag] = useState<string | null>(null);
  const [batchTagError, setBatchTagError] = useState('');
  const [busy, setBusy] = useState<Record<number, string>>({});
  const [working, setWorking] = useState('');
  const [polling, setPolling] = useState(0);
  const { reveal, ui: revealUi } = useKeyReveal();
  const reloadRef = useRef(list.reload);
  reloadRef.current = list.reload;

  useEffect(() => localStorage.setItem(TAG_MODE_KEY, String(tagMode)), [tagMode]);
  // a batch acts on what is shown: another filter or page starts a new selection
  const view = JSON.stringify([filters, list.page, list.pageSize]);
  useEffect(() => setSelected(new Set()), [view]);
  // after "test all": refresh the list while the background run reports its results
  useEffect(() => {
    if (polling <= 0) return;
    const id = window.setTimeout(() => {
      reloadRef.current();
      setPolling((n) => n - 1);
    }, POLL_MS);
    return () => window.clearTimeout(id);
  }, [polling]);

  const groupNames = groups.data ?? [];
  const setRowBusy = (id: number, what: string) => setBusy((b) => {
    const next = { ...b };
    if (what) next[id] = what;
    else delete next[id];
    return next;
  });
  const ids = () => [...selected].map(Number);

  const actions: RowActions = {
    toggle: (ch) => {
      const next = ch.status === STATUS_ENABLED ? 2 : 1;
      put('/api/channel/', { id: ch.id, status: next })
        .then(() => {
          notifications.show({ color: 'teal', message: next === 1 ? t('list.enabledOne', { name: ch.name }) : t('list.disabledOne', { name: ch.name }) });
          list.reload();
        })
        .catch(() => undefined); // reported by the client
    },
    quickTest: (ch) => {
      setRowBusy(ch.id, 'test');
      testChannel(ch.id, '')
        .then((r) => notifications.show(r.success
          ? { color: 'teal', title: ch.name, message: t('test.ok', { time: seconds(r.time) }) }
          : { color: 'red', title: t('test.failedOf', { name: ch.name }), message: r.message, autoClose: 10000 }))
        .catch((e: unknown) => reportError(e))
        .finally(() => {
          setRowBusy(ch.id, '');
          list.reload();
        });
    },
    test: setTesting,
    edit: (ch) => setEditing(ch.id),
    copy: (ch) => {
      post<{ id: number }>(`/api/channel/copy/${ch.id}`, {}, { query: { suffix: t('list.copySuffix'), reset_balance: true } })
        .then((d) => {
          notifications.show({ color: 'teal', message: t('list.copied', { name: ch.name, id: d.id }) });
          list.reload();
        })
        .catch(() => undefined);
    },
    remove: (ch) => setAsk({
      message: t('list.confirmDelete', { name: ch.name }),
      action: t('action.delete'),
      run: async () => {
        await del(`/api/channel/${ch.id}`, { inline: true });
        setSelected((s) => new Set([...s].filter((k) => k !== ch.id)));
        list.reload();
      },
    }),
    balance: (ch) => {
      setRowBusy(ch.id, 'balance');
      updateBalance(ch.id)
        .then((b) => notifications.show({ color: 'teal', title: ch.name, message: t('list.balance', { value: b.toFixed(2) }) }))
        .catch((e: unknown) => reportError(e, t('list.balanceFailed', { name: ch.name })))
        .finally(() => {
          setRowBusy(ch.id, '');
          list.reload();
        });
    },
    keys: setKeysOf,
    reveal: (ch) => void reveal(ch),
    save: (ch, field, value) => {
      put('/api/channel/', { id: ch.id, [field]: value })
        .then(() => {
          notifications.show({ color: 'teal', message: t('list.savedField', { name: ch.name }) });
          list.reload();
        })
        .catch(() => list.reload());
    },
  };

  const narrow = useMediaQuery('(max-width: 48em)');
  const columns = useMemo(() => {
    const cols = channelColumns(t, qo, isRoot, busy, actions, !tagMode);
    if (!narrow) return cols;
    // on a phone the actions come right after the name, within reach without scrolling
    const acts = cols.filter((c) => c.key === 'actions');
    const rest = cols.filter((c) => c.key !== 'actions');
    const at = rest.findIndex((c) => c.key === 'name') + 1;
    return [...rest.slice(0, at), ...acts, ...rest.slice(at)];
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [t, qo, isRoot, busy, tagMode, narrow, list.items]);

  const run = async (what: string, fn: () => Promise<unknown>) => {
    setWorking(what);
    try {
      await fn();
    } catch {
      /* reported by the client */
    } finally {
      setWorking('');
    }
  };

  const testAll = () => run('test', async () => {
    await get('/api/channel/test');
    notifications.show({ color: 'teal', message: t('toolbar.testAllStarted') });
    setPolling(POLL_TIMES);
  });
  const balancesAll = () => run('balance', async () => {
    await get('/api/channel/update_balance');
    notifications.show({ color: 'teal', message: t('toolbar.balancesDone') });
    list.reload();
  });
  const fix = () => run('fix', async () => {
    const r = await post<{ success: number; fails: number }>('/api/channel/fix');
    notifications.show({ color: r.fails ? 'orange' : 'teal', message: t('toolbar.fixed', { ok: r.success, failed: r.fails }) });
    list.reload();
  });
  const deleteDisabled = () => setAsk({
    message: t('toolbar.confirmDeleteDisabled'),
    action: t('action.delete'),
    run: async () => {
      const n = await del<number>('/api/channel/disabled', { inline: true });
      notifications.show({ color: 'teal', message: t('toolbar.deleted', { count: n }) });
      list.reload();
    },
  });

  const batchStatus = (status: 1 | 2) => run(`batch-${status}`, async () => {
    const chosen = ids();
    let done = 0;
    try {
      for (const id of chosen) {
        await put('/api/channel/', { id, status }, { inline: true });
        done += 1;
      }
    } catch (e) {
      reportError(e, t('batch.partial', { done, count: chosen.length }));
    }
    notifications.show({ color: 'teal', message: t(status === 1 ? 'batch.enabled' : 'batch.disabled', { count: done }) });
    list.reload();
  });
  const batchDelete = () => setAsk({
    message: t('batch.confirmDelete', { count: selected.size }),
    action: t('action.delete'),
    run: async () => {
      const n = await post<number>('/api/channel/batch', { ids: ids() }, { inline: true });
      notifications.show({ color: 'teal', message: t('toolbar.deleted', { count: n }) });
      setSelected(new Set());
      list.reload();
    },
  });
  const submitBatchTag = async (e: FormEvent) => {
    e.preventDefault();
    setBatchTagError('');
    try {
      const n = await post<number>('/api/channel/batch/tag', { ids: ids(), tag: batchTag?.trim() || null }, { inline: true });
      notifications.show({ color: 'teal', message: batchTag?.trim() ? t('batch.tagged', { count: n, tag: batchTag.trim() }) : t('batch.untagged', { count: n }) });
      setBatchTag(null);
      list.reload();
    } catch (err) {
      setBatchTagError(err instanceof Error ? err.message : String(err));
    }
  };
  const tagStatus = (tag: string, enable: boolean) => run(`tag-${tag}`, async () => {
    const n = await post<number>(enable ? '/api/channel/tag/enabled' : '/api/channel/tag/disabled', { tag });
    notifications.show({ color: 'teal', message: t(enable ? 'tags.enabled' : 'tags.disabled', { count: n, tag }) });
    list.reload();
  });

  // type chips: every type with channels (under the status filter), the most used first
  const counts = Object.entries(list.typeCounts).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
  const allCount = counts.reduce((s, [, n]) => s + n, 0);
  const searching = !!(keyword || model || group);
  const filtered = searching || status !== '' || type !== '';
  const rows = sortRows(list.items, columns, sort);

  const empty = filtered ? t('list.noMatch') : (
    <Stack align="center" gap="xs">
      <Text c="dimmed">{t('list.none')}</Text>
      <Button size="xs" leftSection={<IconPlus size={14} />} onClick={() => setEditing(0)}>{t('toolbar.add')}</Button>
    </Stack>
  );

  const table = (items: Channel[], paged: boolean, label: string) => (
    <DataTable
      label={label}
      columns={columns}
      rows={items}
      rowKey={(r) => r.id}
      loading={list.loading}
      error={paged ? list.error : ''}
      onRetry={list.reload}
      empty={empty}
      sort={sort}
      onSort={setSort}
      selected={selected}
      onSelect={setSelected}
      {...(paged ? { page: list.page, pageSize: list.pageSize, total: list.total, onPage: list.setPage, onPageSize: list.setPageSize } : {})}
    />
  );

  // tag mode: one block per tag, with the tag's own actions
  const byTag = new Map<string, Channel[]>();
  if (tagMode) for (const ch of rows) byTag.set(ch.tag || '', [...(byTag.get(ch.tag || '') ?? []), ch]);

  return (
    <>
      <PageHeader
        title={t('title')}
        description={t('description')}
        actions={
          <>
            <Button variant="default" leftSection={<IconPlayerPlay size={16} />} loading={working === 'test' || polling > 0} onClick={() => void testAll()}>
              {t('toolbar.testAll')}
            </Button>
            <Menu position="bottom-end">
              <Menu.Target>
                <Button variant="default" rightSection={<IconChevronDown size={14} />} loading={working === 'balance' || working === 'fix'}>{t('toolbar.more')}</Button>
              </Menu.Target>
              <Menu.Dropdown>
                <Menu.Item leftSection={<IconRefresh size={14} />} onClick={() => void balancesAll()}>{t('toolbar.balances')}</Menu.Item>
                <Menu.Item leftSection={<IconTool size={14} />} onClick={() => void fix()}>{t('toolbar.fix')}</Menu.Item>
                <Menu.Divider />
                <Menu.Item color="red" leftSection={<IconTrash size={14} />} onClick={deleteDisabled}>{t('toolbar.deleteDisabled')}</Menu.Item>
              </Menu.Dropdown>
            </Menu>
            <Button leftSection={<IconPlus size={16} />} onClick={() => setEditing(0)}>{t('toolbar.add')}</Button>
          </>
        }
      />
      <Paper withBorder p="md" radius="md">
        <Stack gap="sm" mb="md">
          <Group gap="sm" align="flex-end">
            <TextInput aria-label={t('filters.keyword')} placeholder={t('filters.keyword')} leftSection={<IconSearch size={16} />} value={keywordInput} onChange={(e) => setKeywordInput(e.currentTarget.value)} w={{ base: '100%', sm: 260 }} />
            <TextInput aria-label={t('filters.model')} placeholder={t('filters.model')} value={modelInput} onChange={(e) => setModelInput(e.currentTarget.value)} w={{ base: '100%', sm: 180 }} />
            <Select aria-label={t('filters.group')} placeholder={t('filters.anyGroup')} data={groupNames} value={group || null} onChange={(v) => setGroup(v ?? '')} clearable w={{ base: '47%', sm: 150 }} />
            <Select
              aria-label={t('filters.status')}
              data={[{ value: 'all', label: t('filters.anyStatus') }, { value: 'enabled', label: t('status.enabled') }, { value: 'disabled', label: t('status.disabled') }]}
              value={status || 'all'}
              onChange={(v) => setStatus(v === 'enabled' || v === 'disabled' ? v : '')}
              allowDeselect={false}
              w={{ base: '47%', sm: 140 }}
            />
            <Switch label={t('filters.idSort')} checked={idSort} onChange={(e) => setIdSort(e.currentTarget.checked)} mb={6} />
            <Tooltip label={searching ? t('filters.tagModeSearch') : t('filters.tagModeHint')} multiline maw={280}>
              <Switch label={t('filters.tagMode')} checked={tagMode} onChange={(e) => setTagMode(e.currentTarget.checked)} mb={6} />
            </Tooltip>
          </Group>
          {tagMode && !searching && <Text size="xs" c="dimmed">{t('filters.tagModeHint')}</Text>}
          {counts.length > 0 && (
            <Chip.Group multiple={false} value={type || 'all'} onChange={(v) => setType(v === 'all' ? '' : String(v))}>
              <Group gap={6} role="radiogroup" aria-label={t('filters.type')}>
                <Chip value="all" size="xs" variant="light">{t('filters.allTypes', { count: allCount })}</Chip>
                {counts.map(([id, n]) => (
                  <Chip key={id} value={id} size="xs" variant="light">{`${channelType(Number(id)).name} (${n})`}</Chip>
                ))}
              </Group>
            </Chip.Group>
          )}
          {selected.size > 0 && (
            <Group gap="xs" p="xs" bg="var(--mantine-primary-color-light)" style={{ borderRadius: 'var(--mantine-radius-md)' }} data-testid="batch-bar">
              <Text size="sm" fw={500} mr="xs">{t('table.selected', { count: selected.size })}</Text>
              <Button size="xs" variant="default" leftSection={<IconToggleRight size={14} />} loading={working === 'batch-1'} onClick={() => void batchStatus(1)}>{t('action.enable')}</Button>
              <Button size="xs" variant="default" leftSection={<IconToggleLeft size={14} />} loading={working === 'batch-2'} onClick={() => void batchStatus(2)}>{t('action.disable')}</Button>
              <Button size="xs" variant="default" leftSection={<IconTag size={14} />} onClick={() => { setBatchTagError(''); setBatchTag(''); }}>{t('batch.setTag')}</Button>
              <Button size="xs" color="red" variant="light" leftSection={<IconTrash size={14} />} onClick={batchDelete}>{t('batch.delete')}</Button>
              <Button size="xs" variant="subtle" onClick={() => setSelected(new Set())}>{t('batch.clear')}</Button>
            </Group>
          )}
        </Stack>

        {!tagMode || list.error || (list.loading && rows.length === 0) || rows.length === 0 ? (
          table(rows, true, t('title'))
        ) : (
          <Stack gap="md">
            {[...byTag.entries()].map(([tag, items]) => {
              const on = items.filter((c) => c.status === STATUS_ENABLED).length;
              return (
                <Paper key={tag || '-'} withBorder p="sm" radius="md" data-testid={`tag-group-${tag || 'none'}`}>
                  <Group justify="space-between" mb="xs" gap="xs">
                    <Group gap="xs">
                      {tag ? <Badge size="lg" variant="light" tt="none" leftSection={<IconTag size={12} />}>{tag}</Badge> : <Text fw={500}>{t('tags.none')}</Text>}
                      <Text size="sm" c="dimmed">{t('tags.summary', { count: items.length, on })}</Text>
                    </Group>
                    {tag && (
                      <Group gap="xs">
                        <Button size="xs" variant="default" onClick={() => setTagEdit(tag)} aria-label={t('tags.editOf', { tag })}>{t('tags.edit')}</Button>
                        <Button size="xs" variant="default" loading={working === `tag-${tag}`} onClick={() => void tagStatus(tag, true)} aria-label={t('tags.enableOf', { tag })}>{t('tags.enableAll')}</Button>
                        <Button size="xs" variant="default" loading={working === `tag-${tag}`} onClick={() => void tagStatus(tag, false)} aria-label={t('tags.disableOf', { tag })}>{t('tags.disableAll')}</Button>
                      </Group>
                    )}
                  </Group>
                  {table(items, false, tag ? t('tags.tableOf', { tag }) : t('tags.none'))}
                </Paper>
              );
            })}
            <Group justify="space-between" gap="sm">
              <Text size="sm" c="dimmed">{t('tags.total', { count: list.total })}</Text>
              <Pagination total={Math.max(1, Math.ceil(list.total / list.pageSize))} value={list.page} onChange={list.setPage} size="sm" siblings={1} />
            </Group>
          </Stack>
        )}
      </Paper>

      <ChannelForm
        channelId={editing}
        groups={groupNames}
        isRoot={isRoot}
        onClose={() => setEditing(null)}
        onSaved={() => {
          setEditing(null);
          list.reload();
        }}
        onRevealKey={(ch) => void reveal(ch)}
      />
      <TestDialog channel={testing} onClose={() => setTesting(null)} onTested={list.reload} />
      <MultiKeyManager channel={keysOf} onClose={() => setKeysOf(null)} onChanged={list.reload} />
      <TagEditor tag={tagEdit} groups={groupNames} onClose={() => setTagEdit(null)} onSaved={() => { setTagEdit(null); list.reload(); }} />
      <Confirm ask={ask} onClose={() => setAsk(null)} />
      <Modal opened={batchTag !== null} onClose={() => setBatchTag(null)} title={t('batch.tagTitle', { count: selected.size })} centered>
        <form onSubmit={(e) => void submitBatchTag(e)}>
          <Stack>
            <InlineError message={batchTagError} />
            <TextInput label={t('batch.tagLabel')} description={t('batch.tagHint')} value={batchTag ?? ''} onChange={(e) => setBatchTag(e.currentTarget.value)} data-autofocus />
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setBatchTag(null)}>{t('action.cancel')}</Button>
              <Button type="submit" data-testid="batch-tag-save">{t('action.save')}</Button>
            </Group>
          </Stack>
        </form>
      </Modal>
      {revealUi}
    </>
  );
}
