// The profile: who you are (name, role, group, balance and usage), the display name
// (PUT /api/user/self) and the email, bound or changed with a mailed code
// (GET /api/verification, then POST /api/oauth/email/bind).
import { Avatar, Badge, Button, Card, Group, Modal, Paper, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconMail } from '@tabler/icons-react';
import { useEffect, useState, type FormEvent } from 'react';
import { get, post, put, storedUser } from '../../api/client';
import { useAppState, useQuotaOptions } from '../../api/session';
import { ROLE_ADMIN, ROLE_ROOT } from '../../api/types';
import { Turnstile } from '../../components/auth/turnstile';
import { InlineError } from '../../components/Page';
import { usePageStrings } from '../../lib/i18n';
import { formatQuota } from '../../lib/quota';
import { S, message, type SelfUser } from './strings';

function roleKey(role: number) {
  if (role >= ROLE_ROOT) return 'role.root';
  return role >= ROLE_ADMIN ? 'role.admin' : 'role.user';
}

export function ProfileHeader({ me }: { me?: SelfUser }) {
  const { t } = usePageStrings('personal', S);
  const qo = useQuotaOptions();
  const name = me ? me.display_name || me.username : '…';
  const stats = [
    { title: t('balance'), value: me ? formatQuota(me.quota, qo) : '…', id: 'personal-balance' },
    { title: t('used'), value: me ? formatQuota(me.used_quota, qo) : '…', id: 'personal-used' },
    { title: t('requests'), value: me ? me.request_count.toLocaleString('en-US') : '…', id: 'personal-requests' },
  ];
  return (
    <Card withBorder radius="md" padding="md" mb="md">
      <Group gap="md" wrap="nowrap" mb="md">
        <Avatar size={56} radius="md" color="blue">{name.slice(0, 2).toUpperCase()}</Avatar>
        <Stack gap={2} style={{ minWidth: 0 }}>
          <Group gap="xs">
            <Title order={3} data-testid="personal-name" style={{ wordBreak: 'break-word' }}>{name}</Title>
            {me && <Badge variant="light">{t(roleKey(me.role))}</Badge>}
          </Group>
          <Text size="sm" c="dimmed">{me ? `@${me.username} · ${me.group || 'default'}` : ''}</Text>
        </Stack>
      </Group>
      <SimpleGrid cols={3} spacing="xs">
        {stats.map((s) => (
          <Paper key={s.id} withBorder p="xs" px="sm" radius="md" style={{ minWidth: 0 }}>
            <Text size="xs" c="dimmed" tt="uppercase" fw={600} truncate>{s.title}</Text>
            <Text size="lg" fw={700} data-testid={s.id} truncate>{s.value}</Text>
          </Paper>
        ))}
      </SimpleGrid>
    </Card>
  );
}

export function Profile({ me, onChanged }: { me: SelfUser; onChanged: () => void }) {
  const { t } = usePageStrings('personal', S);
  const { setUser } = useAppState();
  const [displayName, setDisplayName] = useState(me.display_name);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [emailOpen, setEmailOpen] = useState(false);
  useEffect(() => setDisplayName(me.display_name), [me.display_name]);

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      await put('/api/user/self', { display_name: displayName.trim() }, { inline: true });
      const stored = storedUser();
      if (stored) setUser({ ...stored, display_name: displayName.trim() });
      notifications.show({ color: 'teal', message: t('saved') });
      onChanged();
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Stack>
      <form onSubmit={save}>
        <Stack>
          <InlineError message={error} />
          <SimpleGrid cols={2}>
            <TextInput label={t('username')} value={me.username} readOnly variant="filled" />
            <TextInput label={t('group')} value={me.group || 'default'} readOnly variant="filled" />
          </SimpleGrid>
          <TextInput
            label={t('displayName')}
            description={t('displayNameHint')}
            value={displayName}
            maxLength={20}
            onChange={(e) => setDisplayName(e.currentTarget.value)}
          />
          <Group justify="flex-end">
            <Button type="submit" loading={busy} disabled={!displayName.trim() || displayName.trim() === me.display_name}>
              {t('action.save')}
            </Button>
          </Group>
        </Stack>
      </form>
      <Group justify="space-between" wrap="nowrap" gap="sm">
        <Group gap="sm" wrap="nowrap" style={{ minWidth: 0 }}>
          <IconMail size={20} style={{ flex: 'none' }} />
          <Stack gap={0} style={{ minWidth: 0 }}>
            <Text size="sm" fw={500}>{t('email')}</Text>
            <Text size="sm" c="dimmed" data-testid="personal-email" style={{ wordBreak: 'break-all' }}>{me.email || t('noEmail')}</Text>
          </Stack>
        </Group>
        <Button variant="default" size="xs" onClick={() => setEmailOpen(true)} style={{ flex: 'none' }}>
          {me.email ? t('changeEmail') : t('bindEmail')}
        </Button>
      </Group>
      <Modal opened={emailOpen} onClose={() => setEmailOpen(false)} title={t('emailTitle')} centered>
        {emailOpen && (
          <EmailBind
            onDone={(email) => {
              setEmailOpen(false);
              notifications.show({ color: 'teal', message: t('emailBound', { email }) });
              onChanged();
            }}
          />
        )}
      </Modal>
    </Stack>
  );
}

function EmailBind({ onDone }: { onDone: (email: string) => void }) {
  const { t } = usePageStrings('personal', S);
  const { status } = useAppState();
  const [turnstile, setTurnstile] = useState('');
  const [email, setEmail] = useState('');
  const [code, setCode] = useState('');
  const [sentTo, setSentTo] = useState('');
  const [wait, setWait] = useState(0);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState<'' | 'send' | 'bind'>('');

  useEffect(() => {
    if (wait <= 0) return;
    const id = window.setTimeout(() => setWait((n) => n - 1), 1000);
    return () => window.clearTimeout(id);
  }, [wait]);

  const send = async () => {
    if (status?.turnstile_check && !turnstile) {
      setError(t('waitTurnstile'));
      return;
    }
    setBusy('send');
    setError('');
    try {
      await get('/api/verification', { email: email.trim(), turnstile }, { inline: true });
      setSentTo(email.trim());
      setWait(30);
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy('');
    }
  };
  const bind = async (e: FormEvent) => {
    e.preventDefault();
    setBusy('bind');
    setError('');
    try {
      await post('/api/oauth/email/bind', { email: email.trim(), code: code.trim() }, { inline: true });
      onDone(email.trim().toLowerCase());
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy('');
    }
  };
  return (
    <form onSubmit={bind}>
      <Stack>
        <InlineError message={error} />
        <Group align="flex-end" gap="xs" wrap="nowrap">
          <TextInput
            label={t('emailAddress')}
            type="email"
            required
            value={email}
            onChange={(e) => setEmail(e.currentTarget.value)}
            autoComplete="email"
            style={{ flex: 1 }}
            data-autofocus
          />
          <Button variant="default" onClick={() => void send()} loading={busy === 'send'} disabled={!email.trim() || wait > 0}>
            {wait > 0 ? t('resend', { s: wait }) : t('sendCode')}
          </Button>
        </Group>
        <Turnstile status={status} onToken={setTurnstile} />
        {sentTo && <Text size="sm" c="teal" role="status">{t('codeSent', { email: sentTo })}</Text>}
        <TextInput
          label={t('mailCode')}
          description={t('mailCodeHint')}
          required
          value={code}
          onChange={(e) => setCode(e.currentTarget.value)}
          autoComplete="one-time-code"
          spellCheck={false}
        />
        <Group justify="flex-end">
          <Button type="submit" loading={busy === 'bind'} disabled={!email.trim() || !code.trim()}>{t('bind')}</Button>
        </Group>
      </Stack>
    </form>
  );
}
