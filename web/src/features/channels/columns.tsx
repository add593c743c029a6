// The channel table's columns: identity, type, status (with the reason of an automatic
// disable), models, groups, last test time, priority and weight edited in place, usage and
// balance, and the row's actions.
import { ActionIcon, Badge, type BadgeProps, Group, Loader, Menu, NumberInput, Stack, Switch, Text, Tooltip, UnstyledButton } from '@mantine/core';
import {
  IconCopy, IconDots, IconEdit, IconEye, IconKey, IconPlayerPlay, IconRefresh, IconStethoscope, IconTrash,
} from '@tabler/icons-react';
import { useEffect, useState, type ReactNode } from 'react';
import type { Column } from '../../components/DataTable';
import { formatQuota, type QuotaOptions } from '../../lib/quota';
import { formatTime } from '../../lib/time';
import { BALANCE_TYPES, channelType } from './catalog';
import { STATUS_AUTO, STATUS_ENABLED, commaList, statusReason, type Channel } from './model';

type T = (key: string, values?: Record<string, unknown>) => string;

/** A badge that keeps its whole text in a crowded table row (no ellipsis, no capitals). */
export function Pill(props: BadgeProps & { children?: ReactNode; 'data-testid'?: string }) {
  return <Badge tt="none" miw="max-content" {...props} />;
}

export interface RowActions {
  toggle: (ch: Channel) => void;
  quickTest: (ch: Channel) => void;
  test: (ch: Channel) => void;
  edit: (ch: Channel) => void;
  copy: (ch: Channel) => void;
  remove: (ch: Channel) => void;
  balance: (ch: Channel) => void;
  keys: (ch: Channel) => void;
  reveal: (ch: Channel) => void;
  save: (ch: Channel, field: 'priority' | 'weight', value: number) => void;
}

function InlineNumber(props: { value: number; label: string; onSave: (v: number) => void }) {
  const [value, setValue] = useState<number | string>(props.value);
  useEffect(() => setValue(props.value), [props.value]);
  const commit = () => {
    const n = Number(value);
    if (value === '' || !Number.isFinite(n) || n < 0) return setValue(props.value);
    if (n !== props.value) props.onSave(Math.floor(n));
  };
  return (
    <NumberInput
      size="xs"
      w={64}
      min={0}
      allowDecimal={false}
      allowNegative={false}
      hideControls
      aria-label={props.label}
      value={value}
      onChange={setValue}
      onBlur={commit}
      onKeyDown={(e) => e.key === 'Enter' && (e.currentTarget as HTMLInputElement).blur()}
    />
  );
}

export function StatusBadge({ ch, t }: { ch: Channel; t: T }) {
  if (ch.status === STATUS_ENABLED) return <Pill color="teal" variant="light">{t('status.enabled')}</Pill>;
  const auto = ch.status === STATUS_AUTO;
  const badge = <Pill color={auto ? 'orange' : 'gray'} variant="light">{auto ? t('list.autoDisabled') : t('list.manualDisabled')}</Pill>;
  const why = statusReason(ch);
  if (!why) return badge;
  return <Tooltip label={[why.reason, why.time ? formatTime(why.time) : ''].filter(Boolean).join(' · ')} multiline maw={320}>{badge}</Tooltip>;
}

export function ResponseTime({ ch, t, busy }: { ch: Channel; t: T; busy?: boolean }) {
  if (busy) return <Loader size="xs" aria-label={t('list.testing')} />;
  if (!ch.test_time) return <Text size="sm" c="dimmed">{t('list.untested')}</Text>;
  const ms = ch.response_time;
  const color = ms <= 1000 ? 'teal' : ms <= 3000 ? 'yellow' : ms <= 5000 ? 'orange' : 'red';
  return (
    <Tooltip label={t('list.testedAt', { time: formatTime(ch.test_time) })}>
      <Pill color={color} variant="light" data-testid={`response-time-${ch.id}`}>{(ms / 1000).toFixed(2)} s</Pill>
    </Tooltip>
  );
}

export function channelColumns(t: T, qo: QuotaOptions, isRoot: boolean, busy: Record<number, string>, a: RowActions, showTag: boolean): Column<Channel>[] {
  return [
    { key: 'id', title: t('list.id'), render: (r) => <Text size="sm">{r.id}</Text>, sortValue: (r) => r.id, width: 64 },
    {
      key: 'name', title: t('list.name'), sortValue: (r) => r.name.toLowerCase(),
      render: (r) => (
        <Stack gap={2}>
          <Group gap={6} wrap="nowrap">
            <Text fw={500} size="sm">{r.name}</Text>
            {r.channel_info?.is_multi_key && (
              <Tooltip label={t(`list.multiMode.${r.channel_info.multi_key_mode || 'random'}`)}>
                <Pill size="xs" variant="outline" leftSection={<IconKey size={10} />}>{t('list.keyCount', { count: r.channel_info.multi_key_size })}</Pill>
              </Tooltip>
            )}
          </Group>
          {(r.remark || (showTag && r.tag)) && (
            <Group gap={6}>
              {showTag && r.tag && <Pill size="xs" variant="dot">{r.tag}</Pill>}
              {r.remark && <Text size="xs" c="dimmed" lineClamp={1}>{r.remark}</Text>}
            </Group>
          )}
        </Stack>
      ),
    },
    { key: 'type', title: t('list.type'), render: (r) => <Pill variant="light" color={channelType(r.type).protocol === 'other' ? 'gray' : 'blue'}>{channelType(r.type).name}</Pill>, sortValue: (r) => channelType(r.type).name },
    { key: 'status', title: t('list.status'), render: (r) => <StatusBadge ch={r} t={t} />, sortValue: (r) => r.status },
    {
      key: 'models', title: t('list.models'),
      render: (r) => {
        const models = commaList(r.models);
        const label = models.slice(0, 30).join(', ') + (models.length > 30 ? ` … +${models.length - 30}` : '');
        return models.length ? (
          <Tooltip label={label} multiline maw={360}><Pill variant="light" color="violet">{models.length === 1 ? models[0] : t('list.modelCount', { count: models.length })}</Pill></Tooltip>
        ) : <Text size="sm" c="dimmed">—</Text>;
      },
    },
    { key: 'group', title: t('list.groups'), render: (r) => <Group gap={4}>{commaList(r.group).map((g) => <Pill key={g} size="sm" variant="outline" color="gray">{g}</Pill>)}</Group> },
    { key: 'response', title: t('list.response'), render: (r) => <ResponseTime ch={r} t={t} busy={busy[r.id] === 'test'} />, sortValue: (r) => (r.test_time ? r.response_time : Number.MAX_SAFE_INTEGER) },
    { key: 'priority', title: t('list.priority'), render: (r) => <InlineNumber value={r.priority ?? 0} label={t('list.priorityOf', { name: r.name })} onSave={(v) => a.save(r, 'priority', v)} />, sortValue: (r) => r.priority ?? 0 },
    { key: 'weight', title: t('list.weight'), render: (r) => <InlineNumber value={r.weight ?? 0} label={t('list.weightOf', { name: r.name })} onSave={(v) => a.save(r, 'weight', v)} />, sortValue: (r) => r.weight ?? 0 },
    {
      key: 'usage', title: t('list.usage'), sortValue: (r) => r.used_quota,
      render: (r) => (
        <Stack gap={0}>
          <Tooltip label={t('list.usedQuota')}><Text size="sm">{formatQuota(r.used_quota, qo)}</Text></Tooltip>
          {BALANCE_TYPES.has(r.type) && !r.channel_info?.is_multi_key && (
            <Tooltip label={r.balance_updated_time ? t('list.balanceAt', { time: formatTime(r.balance_updated_time) }) : t('list.balanceNever')}>
              <UnstyledButton onClick={() => a.balance(r)} aria-label={t('list.updateBalanceOf', { name: r.name })} data-testid={`balance-${r.id}`}>
                <Group gap={4} wrap="nowrap">
                  <Text size="xs" c="dimmed">{r.balance_updated_time ? t('list.balance', { value: r.balance.toFixed(2) }) : t('list.balanceUnknown')}</Text>
                  {busy[r.id] === 'balance' ? <Loader size={10} /> : <IconRefresh size={12} opacity={0.6} />}
                </Group>
              </UnstyledButton>
            </Tooltip>
          )}
        </Stack>
      ),
    },
    {
      key: 'actions', title: t('table.actions'),
      render: (r) => (
        <Group gap={4} wrap="nowrap">
          <Switch size="sm" checked={r.status === STATUS_ENABLED} onChange={() => a.toggle(r)} aria-label={r.status === STATUS_ENABLED ? t('list.disableOf', { name: r.name }) : t('list.enableOf', { name: r.name })} />
          <Tooltip label={t('list.quickTest')}>
            <ActionIcon variant="subtle" aria-label={t('list.testOf', { name: r.name })} onClick={() => a.quickTest(r)} loading={busy[r.id] === 'test'}>
              <IconPlayerPlay size={16} />
            </ActionIcon>
          </Tooltip>
          <ActionIcon variant="subtle" aria-label={t('list.editOf', { name: r.name })} onClick={() => a.edit(r)}>
            <IconEdit size={16} />
          </ActionIcon>
          <Menu position="bottom-end" withinPortal>
            <Menu.Target>
              <ActionIcon variant="subtle" color="gray" aria-label={t('list.moreOf', { name: r.name })}>
                <IconDots size={16} />
              </ActionIcon>
            </Menu.Target>
            <Menu.Dropdown>
              <Menu.Item leftSection={<IconStethoscope size={14} />} onClick={() => a.test(r)}>{t('list.testModel')}</Menu.Item>
              {r.channel_info?.is_multi_key && <Menu.Item leftSection={<IconKey size={14} />} onClick={() => a.keys(r)}>{t('list.manageKeys')}</Menu.Item>}
              {isRoot && <Menu.Item leftSection={<IconEye size={14} />} onClick={() => a.reveal(r)}>{t('key.reveal')}</Menu.Item>}
              {BALANCE_TYPES.has(r.type) && !r.channel_info?.is_multi_key && <Menu.Item leftSection={<IconRefresh size={14} />} onClick={() => a.balance(r)}>{t('list.updateBalance')}</Menu.Item>}
              <Menu.Item leftSection={<IconCopy size={14} />} onClick={() => a.copy(r)}>{t('list.copy')}</Menu.Item>
              <Menu.Divider />
              <Menu.Item color="red" leftSection={<IconTrash size={14} />} onClick={() => a.remove(r)}>{t('action.delete')}</Menu.Item>
            </Menu.Dropdown>
          </Menu>
        </Group>
      ),
    },
  ];
}
