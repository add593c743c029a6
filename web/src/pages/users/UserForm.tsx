// Create a user (POST /api/user/: username, password, display name, a role below your own) or
// edit one (PUT /api/user/: username, display name, group, remark, optional new password).
import { Autocomplete, Badge, Button, Drawer, Group, PasswordInput, Select, Stack, Table, Text, TextInput, Textarea } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { post, put } from '../../api/client';
import { ROLE_ADMIN, ROLE_USER } from '../../api/types';
import { InlineError } from '../../components/Page';
import { usePageStrings } from '../../lib/i18n';
import { formatTime } from '../../lib/time';
import { S, type AdminUser } from './strings';

interface Form {
  username: string;
  display_name: string;
  password: string;
  role: string;
  group: string;
  remark: string;
}

const BINDINGS = [
  ['github_id', 'GitHub'], ['discord_id', 'Discord'], ['oidc_id', 'OIDC'], ['wechat_id', 'WeChat'],
  ['telegram_id', 'Telegram'], ['linux_do_id', 'LinuxDO'],
] as const;

export function UserForm(props: {
  mode: 'create' | 'edit' | null;
  user?: AdminUser | null;
  groups: string[];
  isRoot: boolean;
  onClose: () => void;
  onSaved: (name: string) => void;
}) {
  const { t } = usePageStrings('users', S);
  const open = props.mode !== null;
  return (
    <Drawer opened={open} onClose={props.onClose} title={props.mode === 'edit' ? t('formEdit') : t('formCreate')} position="right" size="md">
      {open && <FormBody key={props.user?.id ?? 'new'} {...props} />}
    </Drawer>
  );
}

function FormBody({ mode, user, groups, isRoot, onClose, onSaved }: Parameters<typeof UserForm>[0]) {
  const { t } = usePageStrings('users', S);
  const [form, setForm] = useState<Form>({
    username: user?.username ?? '', display_name: user?.display_name ?? '', password: '', role: String(ROLE_USER),
    group: user?.group ?? 'default', remark: user?.remark ?? '',
  });
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const set = (patch: Partial<Form>) => setForm((f) => ({ ...f, ...patch }));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      if (mode === 'create') {
        await post('/api/user/', {
          username: form.username.trim(), display_name: form.display_name.trim(), password: form.password, role: Number(form.role),
        }, { inline: true });
      } else if (user) {
        const body: Record<string, unknown> = {
          id: user.id, username: form.username.trim(), display_name: form.display_name.trim(), group: form.group.trim(), remark: form.remark,
        };
        if (form.password) body.password = form.password;
        await put('/api/user/', body, { inline: true });
      }
      onSaved(form.username.trim());
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  const roles = [{ value: String(ROLE_USER), label: t('role.user') }, ...(isRoot ? [{ value: String(ROLE_ADMIN), label: t('role.admin') }] : [])];
  const bound = user ? BINDINGS.filter(([k]) => user[k]).map(([k, name]) => `${name}: ${user[k]}`) : [];
  return (
    <form onSubmit={submit}>
      <Stack>
        <InlineError message={error} />
        <TextInput label={t('username')} description={t('usernameHint')} required maxLength={20} value={form.username} onChange={(e) => set({ username: e.currentTarget.value })} data-autofocus />
        <TextInput label={t('displayName')} description={t('displayNameHint')} maxLength={20} value={form.display_name} onChange={(e) => set({ display_name: e.currentTarget.value })} />
        <PasswordInput
          label={mode === 'create' ? t('password') : t('newPassword')}
          description={mode === 'create' ? t('passwordHint') : t('newPasswordHint')}
          required={mode === 'create'}
          minLength={8}
          maxLength={20}
          autoComplete="new-password"
          value={form.password}
          onChange={(e) => set({ password: e.currentTarget.value })}
        />
        {mode === 'create' && (
          <Select label={t('role')} data={roles} value={form.role} onChange={(v) => set({ role: v ?? String(ROLE_USER) })} allowDeselect={false} />
        )}
        {mode === 'edit' && (
          <>
            <Autocomplete label={t('group')} description={t('groupHint')} data={groups} value={form.group} onChange={(v) => set({ group: v })} maxLength={64} />
            <Textarea label={t('remark')} description={t('remarkHint')} maxLength={255} autosize minRows={2} value={form.remark} onChange={(e) => set({ remark: e.currentTarget.value })} />
          </>
        )}
        {mode === 'edit' && user && (
          <Stack gap={4}>
            <Text fw={600} size="sm">{t('info')}</Text>
            <Table verticalSpacing={2} horizontalSpacing="xs">
              <Table.Tbody>
                <Table.Tr><Table.Th scope="row" fw={500} c="dimmed">ID</Table.Th><Table.Td>{user.id}</Table.Td></Table.Tr>
                <Table.Tr><Table.Th scope="row" fw={500} c="dimmed">{t('email')}</Table.Th><Table.Td>{user.email || '—'}</Table.Td></Table.Tr>
                <Table.Tr><Table.Th scope="row" fw={500} c="dimmed">{t('affCode')}</Table.Th><Table.Td>{user.aff_code || '—'}</Table.Td></Table.Tr>
                <Table.Tr><Table.Th scope="row" fw={500} c="dimmed">{t('inviter')}</Table.Th><Table.Td>{user.inviter_id ? `#${user.inviter_id}` : '—'}</Table.Td></Table.Tr>
                <Table.Tr><Table.Th scope="row" fw={500} c="dimmed">{t('colCreated')}</Table.Th><Table.Td>{formatTime(user.created_at)}</Table.Td></Table.Tr>
                <Table.Tr><Table.Th scope="row" fw={500} c="dimmed">{t('colLastLogin')}</Table.Th><Table.Td>{formatTime(user.last_login_at)}</Table.Td></Table.Tr>
                <Table.Tr>
                  <Table.Th scope="row" fw={500} c="dimmed">{t('bindings')}</Table.Th>
                  <Table.Td>{bound.length ? <Group gap={4}>{bound.map((b) => <Badge key={b} variant="light">{b}</Badge>)}</Group> : t('none')}</Table.Td>
                </Table.Tr>
              </Table.Tbody>
            </Table>
          </Stack>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>{t('action.cancel')}</Button>
          <Button type="submit" loading={busy}>{mode === 'create' ? t('action.create') : t('action.save')}</Button>
        </Group>
      </Stack>
    </form>
  );
}
