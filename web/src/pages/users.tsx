// Users (/console/user, admins): list (soft-deleted users included), search by name / email /
// id, filter by group; create, edit, adjust the balance, enable / disable, promote / demote
// (root only promotes), delete (soft, then permanently), turn off 2FA and remove a passkey.
// Rows of your own or a higher role are read-only (root is exempt, as on the server).
import { ActionIcon, Badge, Button, Group, Menu, Paper, Select, Stack, Switch, Text, TextInput, Tooltip } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import {
  IconCoin, IconDots, IconEdit, IconFingerprint, IconPlus, IconSearch, IconShieldOff, IconTrash, IconUserDown, IconUserUp,
} from '@tabler/icons-react';
import { useMemo, useState } from 'react';
import { del, post } from '../api/client';
import { usePagedList, useRequest } from '../api/hooks';
import { useAppState, useQuotaOptions } from '../api/session';
import { ROLE_ADMIN, ROLE_ROOT } from '../api/types';
import { ConfirmModal, type ConfirmRequest } from '../components/ConfirmModal';
import { DataTable, listProps, sortRows, type Column, type SortState } from '../components/DataTable';
import { PageHeader } from '../components/Page';
import { usePageStrings } from '../lib/i18n';
import { formatQuota } from '../lib/quota';
import { formatTime } from '../lib/time';
import { QuotaModal } from './users/QuotaModal';
import { S, type AdminUser } from './users/strings';
import { UserForm } from './users/UserForm';

function RoleBadge({ role, t }: { role: number; t: (k: string) => string }) {
  if (role >= ROLE_ROOT) return <Badge color="red" variant="light">{t('role.root')}</Badge>;
  if (role >= ROLE_ADMIN) return <Badge color="violet" variant="light">{t('role.admin')}</Badge>;
  return <Badge color="gray" variant="light">{t('role.user')}</Badge>;
}

function StatusBadge({ user, t }: { user: AdminUser; t: (k: string) => string }) {
  if (user.DeletedAt) return <Badge color="dark" variant="light">{t('deleted')}</Badge>;
  return user.status === 1
    ? <Badge color="teal" variant="light">{t('status.enabled')}</Badge>
    : <Badge color="orange" variant="light">{t('status.disabled')}</Badge>;
}

export default function UsersPage() {
  const { t } = usePageStrings('users', S);
  const qo = useQuotaOptions();
  const { user: me, isRoot } = useAppState();
  const [query, setQuery] = useState('');
  const [group, setGroup] = useState<string | null>(null);
  const [keyword] = useDebouncedValue(query.trim(), 400);
  const list = usePagedList<AdminUser>({ listPath: '/api/user/', searchPath: '/api/user/search', search: { keyword, group: group ?? '' } });
  const groups = useRequest<string[]>('/api/group/');
  const [sort, setSort] = useState<SortState | null>(null);
  const [form, setForm] = useState<{ mode: 'create' | 'edit'; user?: AdminUser } | null>(null);
  const [quotaUser, setQuotaUser] = useState<AdminUser | null>(null);
  const [confirm, setConfirm] = useState<ConfirmRequest | null>(null);

  const myRole = me?.role ?? 0;
  const canManage = (u: AdminUser) => myRole === ROLE_ROOT || myRole > u.role;
  const done = (message = t('done')) => {
    notifications.show({ color: 'teal', message, autoClose: 2500 });
    list.reload();
  };
  const manage = (u: AdminUser, action: string) => post('/api/user/manage', { id: u.id, action }, { inline: true }).then(() => done());
  const ask = (message: string, run: () => Promise<unknown>, action?: string, color = 'red') => setConfirm({ message, run, action, color });

  const toggle = (u: AdminUser) => {
    if (u.status === 1) ask(t('confirmDisable', { name: u.username }), () => manage(u, 'disable'), t('action.disable'));
    else void post('/api/user/manage', { id: u.id, action: 'enable' }).then(() => done(), () => undefined);
  };

  const columns: Column<AdminUser>[] = useMemo(() => [
    { key: 'id', title: t('colId'), render: (u) => u.id, sortValue: (u) => u.id, width: 60 },
    {
      key: 'user', title: t('colUser'), sortValue: (u) => u.username.toLowerCase(),
      render: (u) => (
        <Stack gap={0}>
          <Text fw={500} size="sm">{u.username}</Text>
          {(u.display_name && u.display_name !== u.username) && <Text size="xs" c="dimmed">{u.display_name}</Text>}
          {u.remark && <Text size="xs" c="dimmed" fs="italic" lineClamp={1}>{u.remark}</Text>}
        </Stack>
      ),
    },
    { key: 'role', title: t('colRole'), render: (u) => <RoleBadge role={u.role} t={t} />, sortValue: (u) => u.role },
    { key: 'status', title: t('colStatus'), render: (u) => <StatusBadge user={u} t={t} />, sortValue: (u) => (u.DeletedAt ? 3 : u.status) },
    { key: 'group', title: t('colGroup'), render: (u) => <Badge variant="outline" color="gray" tt="none">{u.group}</Badge>, sortValue: (u) => u.group },
    { key: 'balance', title: t('colBalance'), align: 'right', render: (u) => <Text size="sm" ff="monospace">{formatQuota(u.quota, qo)}</Text>, sortValue: (u) => u.quota },
    { key: 'used', title: t('colUsed'), align: 'right', render: (u) => <Text size="sm" ff="monospace">{formatQuota(u.used_quota, qo)}</Text>, sortValue: (u) => u.used_quota },
    { key: 'requests', title: t('colRequests'), align: 'right', render: (u) => u.request_count.toLocaleString('en-US'), sortValue: (u) => u.request_count },
    { key: 'invites', title: t('colInvites'), align: 'right', render: (u) => u.aff_count, sortValue: (u) => u.aff_count },
    { key: 'login', title: t('colLastLogin'), render: (u) => <Text size="sm">{formatTime(u.last_login_at, false)}</Text>, sortValue: (u) => u.last_login_at },
    {
      key: 'actions', title: t('table.actions'),
      render: (u) => {
        const allowed = canManage(u);
        const name = u.username;
        const gone = !!u.DeletedAt;
        const buttons = (
          <Group gap={4} wrap="nowrap">
            <Switch
              size="sm"
              checked={u.status === 1 && !gone}
              disabled={!allowed || gone || u.role >= ROLE_ROOT}
              onChange={() => toggle(u)}
              aria-label={u.status === 1 ? t('disableUser', { name }) : t('enableUser', { name })}
            />
            <ActionIcon variant="subtle" disabled={!allowed || gone} aria-label={t('edit', { name })} onClick={() => setForm({ mode: 'edit', user: u })}>
              <IconEdit size={16} />
            </ActionIcon>
            <ActionIcon variant="subtle" disabled={!allowed || gone} aria-label={t('quota', { name })} onClick={() => setQuotaUser(u)}>
              <IconCoin size={16} />
            </ActionIcon>
            <Menu position="bottom-end" withinPortal disabled={!allowed}>
              <Menu.Target>
                <ActionIcon variant="subtle" disabled={!allowed} aria-label={t('more', { name })}>
                  <IconDots size={16} />
                </ActionIcon>
              </Menu.Target>
              <Menu.Dropdown>
                {!gone && isRoot && u.role < ROLE_ADMIN && (
                  <Menu.Item leftSection={<IconUserUp size={14} />} onClick={() => ask(t('confirmPromote', { name }), () => manage(u, 'promote'), t('promote'), 'blue')}>
                    {t('promote')}
                  </Menu.Item>
                )}
                {!gone && u.role >= ROLE_ADMIN && u.role < ROLE_ROOT && (
                  <Menu.Item leftSection={<IconUserDown size={14} />} onClick={() => ask(t('confirmDemote', { name }), () => manage(u, 'demote'), t('demote'), 'blue')}>
                    {t('demote')}
                  </Menu.Item>
                )}
                {!gone && (
                  <>
                    <Menu.Item leftSection={<IconShieldOff size={14} />} onClick={() => ask(t('confirm2fa', { name }), () => del(`/api/user/${u.id}/2fa`, { inline: true }).then(() => done()), t('reset2fa'))}>
                      {t('reset2fa')}
                    </Menu.Item>
                    <Menu.Item leftSection={<IconFingerprint size={14} />} onClick={() => ask(t('confirmPasskey', { name }), () => del(`/api/user/${u.id}/reset_passkey`, { inline: true }).then(() => done()), t('resetPasskey'))}>
                      {t('resetPasskey')}
                    </Menu.Item>
                  </>
                )}
                {u.role < ROLE_ROOT && <Menu.Divider />}
                {!gone && u.role < ROLE_ROOT && (
                  <Menu.Item color="red" leftSection={<IconTrash size={14} />} onClick={() => ask(t('confirmDelete', { name }), () => manage(u, 'delete'), t('delete'))}>
                    {t('delete')}
                  </Menu.Item>
                )}
                {u.role < ROLE_ROOT && myRole > u.role && (
                  <Menu.Item color="red" leftSection={<IconTrash size={14} />} onClick={() => ask(t('confirmHard', { name }), () => del(`/api/user/${u.id}`, { inline: true }).then(() => done()), t('deleteHard'))}>
                    {t('deleteHard')}
                  </Menu.Item>
                )}
              </Menu.Dropdown>
            </Menu>
          </Group>
        );
        return allowed ? buttons : <Tooltip label={t('outranked')}><div>{buttons}</div></Tooltip>;
      },
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
  ], [t, qo, myRole, isRoot]);

  const groupOptions = (groups.data ?? []).map((g) => ({ value: g, label: g }));
  return (
    <>
      <PageHeader
        title={t('title')}
        description={t('description')}
        actions={<Button leftSection={<IconPlus size={16} />} onClick={() => setForm({ mode: 'create' })}>{t('create')}</Button>}
      />
      <Paper withBorder p="md" radius="md">
        <Group mb="md" gap="sm">
          <TextInput aria-label={t('search')} placeholder={t('search')} leftSection={<IconSearch size={16} />} value={query} onChange={(e) => setQuery(e.currentTarget.value)} w={{ base: '100%', xs: 280 }} />
          <Select aria-label={t('groupFilter')} placeholder={t('allGroups')} data={groupOptions} value={group} onChange={setGroup} clearable w={{ base: '100%', xs: 200 }} />
        </Group>
        <DataTable
          label={t('title')}
          columns={columns}
          rows={sortRows(list.items, columns, sort)}
          rowKey={(u) => u.id}
          {...listProps(list)}
          sort={sort}
          onSort={setSort}
        />
      </Paper>
      <UserForm
        mode={form?.mode ?? null}
        user={form?.user}
        groups={groups.data ?? []}
        isRoot={isRoot}
        onClose={() => setForm(null)}
        onSaved={(name) => {
          const created = form?.mode === 'create';
          setForm(null);
          done(created ? t('created', { name }) : t('saved'));
        }}
      />
      <QuotaModal user={quotaUser} onClose={() => setQuotaUser(null)} onSaved={() => { setQuotaUser(null); done(t('saved')); }} />
      <ConfirmModal request={confirm} onClose={() => setConfirm(null)} />
    </>
  );
}
