// The keys of a multi-key channel: each key's preview and status (enabled, disabled by hand,
// disabled automatically with the reason), enable / disable / delete one or all, the order
// in which keys are used (random or in turn), and more keys added to the channel.
import { ActionIcon, Button, Group, Modal, Pagination, SegmentedControl, Stack, Switch, Table, Text, Textarea, Tooltip } from '@mantine/core';
import { Pill } from './columns';
import { notifications } from '@mantine/notifications';
import { IconTrash } from '@tabler/icons-react';
import { useCallback, useEffect, useState } from 'react';
import { post, put } from '../../api/client';
import { InlineError } from '../../components/Page';
import { formatTime } from '../../lib/time';
import { Confirm, type ConfirmAsk } from './Confirm';
import type { Channel } from './model';
import { useChannelStrings } from './strings';

interface KeyEntry {
  index: number;
  status: number;
  disabled_time?: number;
  reason?: string;
  key_preview: string;
}

interface KeyStatus {
  keys: KeyEntry[];
  total: number;
  page: number;
  page_size: number;
  total_pages: number;
  enabled_count: number;
  manual_disabled_count: number;
  auto_disabled_count: number;
}

const PAGE_SIZE = 20;
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

export function MultiKeyManager(props: { channel: Channel | null; onClose: () => void; onChanged: () => void }) {
  const { t } = useChannelStrings();
  const ch = props.channel;
  const [data, setData] = useState<KeyStatus | null>(null);
  const [page, setPage] = useState(1);
  const [filter, setFilter] = useState('0');
  const [error, setError] = useState('');
  const [loading, setLoading] = useState(false);
  const [busy, setBusy] = useState(false);
  const [mode, setMode] = useState<'random' | 'polling'>('random');
  const [more, setMore] = useState('');
  const [ask, setAsk] = useState<ConfirmAsk | null>(null);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    if (!ch) return;
    setPage(1);
    setFilter('0');
    setMore('');
    setError('');
    setData(null);
    setMode(ch.channel_info?.multi_key_mode === 'polling' ? 'polling' : 'random');
  }, [ch]);

  useEffect(() => {
    if (!ch) return;
    let live = true;
    setLoading(true);
    post<KeyStatus>('/api/channel/multi_key/manage', {
      channel_id: ch.id, action: 'get_key_status', page, page_size: PAGE_SIZE, status: Number(filter) || undefined,
    }, { inline: true })
      .then((d) => {
        if (!live) return;
        setData(d);
        setError('');
      })
      .catch((e: unknown) => live && setError(message(e)))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [ch, page, filter, tick]);

  const reload = useCallback(() => setTick((n) => n + 1), []);

  const act = async (action: string, keyIndex?: number) => {
    if (!ch) return;
    setBusy(true);
    setError('');
    try {
      await post('/api/channel/multi_key/manage', { channel_id: ch.id, action, key_index: keyIndex }, { inline: true });
      reload();
      props.onChanged();
    } catch (e) {
      setError(message(e));
      throw e;
    } finally {
      setBusy(false);
    }
  };
  const quietly = (p: Promise<unknown>) => p.catch(() => undefined); // shown in place by act()

  const changeMode = async (next: 'random' | 'polling') => {
    if (!ch) return;
    const before = mode;
    setMode(next);
    try {
      await put('/api/channel/', { id: ch.id, multi_key_mode: next }, { inline: true });
      notifications.show({ color: 'teal', message: t('keys.modeSaved') });
      props.onChanged();
    } catch (e) {
      setMode(before);
      setError(message(e));
    }
  };

  const addKeys = async () => {
    if (!ch || !more.trim()) return;
    setBusy(true);
    setError('');
    try {
      await put('/api/channel/', { id: ch.id, key: more.trim(), key_mode: 'append' }, { inline: true });
      setMore('');
      reload();
      props.onChanged();
    } catch (e) {
      setError(message(e));
    } finally {
      setBusy(false);
    }
  };

  const statusBadge = (k: KeyEntry) => {
    if (k.status === 1) return <Pill color="teal" variant="light">{t('status.enabled')}</Pill>;
    const badge = <Pill color={k.status === 3 ? 'orange' : 'gray'} variant="light">{k.status === 3 ? t('list.autoDisabled') : t('list.manualDisabled')}</Pill>;
    const when = k.disabled_time ? formatTime(k.disabled_time) : '';
    return k.reason || when ? <Tooltip label={[k.reason, when].filter(Boolean).join(' · ')}>{badge}</Tooltip> : badge;
  };

  return (
    <Modal opened={ch !== null} onClose={props.onClose} title={ch ? t('keys.title', { name: ch.name }) : ''} centered size="xl">
      <Stack>
        <InlineError message={error} onRetry={data ? undefined : reload} />
        <Group justify="space-between" gap="sm">
          <Group gap="xs">
            <Pill color="teal" variant="light">{t('keys.enabled', { count: data?.enabled_count ?? 0 })}</Pill>
            <Pill color="gray" variant="light">{t('keys.manual', { count: data?.manual_disabled_count ?? 0 })}</Pill>
            <Pill color="orange" variant="light">{t('keys.auto', { count: data?.auto_disabled_count ?? 0 })}</Pill>
          </Group>
          <Group gap="xs">
            <Text size="sm">{t('keys.mode')}</Text>
            <SegmentedControl
              aria-label={t('keys.mode')}
              size="xs"
              value={mode}
              onChange={(v) => void changeMode(v as 'random' | 'polling')}
              data={[{ value: 'random', label: t('form.random') }, { value: 'polling', label: t('form.polling') }]}
            />
          </Group>
        </Group>
        <Group justify="space-between" gap="sm">
          <SegmentedControl
            aria-label={t('keys.filter')}
            size="xs"
            value={filter}
            onChange={(v) => {
              setFilter(v);
              setPage(1);
            }}
            data={[
              { value: '0', label: t('keys.all') },
              { value: '1', label: t('status.enabled') },
              { value: '2', label: t('list.manualDisabled') },
              { value: '3', label: t('list.autoDisabled') },
            ]}
          />
          <Group gap="xs">
            <Button size="xs" variant="default" disabled={busy} onClick={() => void quietly(act('enable_all_keys'))}>{t('keys.enableAll')}</Button>
            <Button size="xs" variant="default" disabled={busy} onClick={() => void quietly(act('disable_all_keys'))}>{t('keys.disableAll')}</Button>
            <Button
              size="xs"
              variant="light"
              color="red"
              disabled={busy || !data || data.manual_disabled_count + data.auto_disabled_count === 0}
              onClick={() => setAsk({ message: t('keys.confirmDeleteDisabled'), action: t('action.delete'), run: () => act('delete_disabled_keys') })}
            >
              {t('keys.deleteDisabled')}
            </Button>
          </Group>
        </Group>
        <Table.ScrollContainer minWidth={520}>
          <Table aria-label={t('keys.table')} aria-busy={loading} striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th w={60}>#</Table.Th>
                <Table.Th>{t('keys.preview')}</Table.Th>
                <Table.Th>{t('list.status')}</Table.Th>
                <Table.Th w={110}>{t('table.actions')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {(data?.keys ?? []).map((k) => (
                <Table.Tr key={k.index} data-testid={`key-row-${k.index}`}>
                  <Table.Td>{k.index + 1}</Table.Td>
                  <Table.Td><Text ff="monospace" size="sm">{k.key_preview}</Text></Table.Td>
                  <Table.Td>{statusBadge(k)}</Table.Td>
                  <Table.Td>
                    <Group gap={4} wrap="nowrap">
                      <Switch
                        size="sm"
                        checked={k.status === 1}
                        disabled={busy}
                        aria-label={k.status === 1 ? t('keys.disableOne', { n: k.index + 1 }) : t('keys.enableOne', { n: k.index + 1 })}
                        onChange={() => void quietly(act(k.status === 1 ? 'disable_key' : 'enable_key', k.index))}
                      />
                      <ActionIcon
                        variant="subtle"
                        color="red"
                        disabled={busy || (data?.total ?? 0) <= 1}
                        aria-label={t('keys.deleteOne', { n: k.index + 1 })}
                        onClick={() => setAsk({ message: t('keys.confirmDelete', { n: k.index + 1, key: k.key_preview }), action: t('action.delete'), run: () => act('delete_key', k.index) })}
                      >
                        <IconTrash size={16} />
                      </ActionIcon>
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
              {data && data.keys.length === 0 && (
                <Table.Tr>
                  <Table.Td colSpan={4}><Text c="dimmed" ta="center" py="md">{t('table.empty')}</Text></Table.Td>
                </Table.Tr>
              )}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
        {data && data.total_pages > 1 && <Pagination total={data.total_pages} value={page} onChange={setPage} size="sm" />}
        <Textarea
          label={t('keys.add')}
          description={t('keys.addHint')}
          value={more}
          onChange={(e) => setMore(e.currentTarget.value)}
          autosize
          minRows={2}
          maxRows={6}
          spellCheck={false}
          styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
        />
        <Group justify="flex-end">
          <Button variant="default" onClick={props.onClose}>{t('action.close')}</Button>
          <Button disabled={!more.trim()} loading={busy} onClick={() => void addKeys()}>{t('keys.addButton')}</Button>
        </Group>
      </Stack>
      <Confirm ask={ask} onClose={() => setAsk(null)} />
    </Modal>
  );
}
