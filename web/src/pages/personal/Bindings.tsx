// Sign-in bindings: which outside accounts are bound (the *_id fields of /api/user/self) and a
// bind button for each provider /api/status enables. GitHub, Discord, OIDC and LinuxDO go
// through the OAuth redirect (GET /api/oauth/state, the provider, back to /oauth/<provider>,
// which binds while logged in); WeChat takes the code its official account answers
// (POST /api/oauth/wechat/bind); Telegram uses its login widget (GET /api/oauth/telegram/bind).
// The API lets only an administrator remove a binding.
import { Badge, Button, Group, Image, Modal, Stack, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { get, post } from '../../api/client';
import { useAppState } from '../../api/session';
import type { Status } from '../../api/types';
import { InlineError } from '../../components/Page';
import { usePageStrings } from '../../lib/i18n';
import { S, message, type SelfUser } from './strings';

type Provider = 'github' | 'discord' | 'oidc' | 'linuxdo' | 'wechat' | 'telegram';

const PROVIDERS: { id: Provider; name: string; field: keyof SelfUser; on: (s: Status) => boolean }[] = [
  { id: 'github', name: 'GitHub', field: 'github_id', on: (s) => !!s.github_oauth },
  { id: 'discord', name: 'Discord', field: 'discord_id', on: (s) => !!s.discord_oauth },
  { id: 'oidc', name: 'OIDC', field: 'oidc_id', on: (s) => !!s.oidc_enabled },
  { id: 'linuxdo', name: 'LinuxDO', field: 'linux_do_id', on: (s) => !!s.linuxdo_oauth },
  { id: 'wechat', name: 'WeChat', field: 'wechat_id', on: (s) => !!s.wechat_login },
  { id: 'telegram', name: 'Telegram', field: 'telegram_id', on: (s) => !!s.telegram_oauth },
];

/** Where the browser goes to authorise, for the redirect providers. */
function authorizeUrl(p: Provider, s: Status, state: string): string {
  const back = encodeURIComponent(`${window.location.origin}/oauth/${p}`);
  const str = (k: string) => encodeURIComponent(String(s[k] ?? ''));
  switch (p) {
    case 'github':
      return `https://github.com/login/oauth/authorize?client_id=${str('github_client_id')}&state=${state}&scope=user:email`;
    case 'discord':
      return `https://discord.com/oauth2/authorize?response_type=code&client_id=${str('discord_client_id')}&redirect_uri=${back}&scope=identify+openid&state=${state}`;
    case 'oidc':
      return `${String(s.oidc_authorization_endpoint ?? '')}?client_id=${str('oidc_client_id')}&redirect_uri=${back}&response_type=code&scope=openid+profile+email&state=${state}`;
    default:
      return `https://connect.linux.do/oauth2/authorize?response_type=code&client_id=${str('linuxdo_client_id')}&state=${state}`;
  }
}

export function Bindings({ me, onChanged }: { me: SelfUser; onChanged: () => void }) {
  const { t } = usePageStrings('personal', S);
  const { status } = useAppState();
  const [error, setError] = useState('');
  const [busy, setBusy] = useState<Provider | null>(null);
  const [open, setOpen] = useState<'wechat' | 'telegram' | null>(null);
  const shown = status ? PROVIDERS.filter((p) => p.on(status) || me[p.field]) : [];

  const bind = async (p: Provider) => {
    if (!status) return;
    if (p === 'wechat' || p === 'telegram') {
      setOpen(p);
      return;
    }
    setBusy(p);
    setError('');
    try {
      const state = await get<string>('/api/oauth/state', undefined, { inline: true });
      window.location.assign(authorizeUrl(p, status, encodeURIComponent(state)));
    } catch (err) {
      setError(message(err));
      setBusy(null);
    }
  };

  return (
    <Stack>
      <Text size="sm" c="dimmed">{t('bindingsHint')}</Text>
      <InlineError message={error} />
      {status && shown.length === 0 && <Text size="sm" c="dimmed">{t('noProviders')}</Text>}
      {shown.map((p) => {
        const id = String(me[p.field] || '');
        return (
          <Group key={p.id} justify="space-between" wrap="nowrap" data-testid={`binding-${p.id}`}>
            <Stack gap={0} style={{ minWidth: 0 }}>
              <Text size="sm" fw={500}>{p.name}</Text>
              <Text size="xs" c="dimmed" style={{ wordBreak: 'break-all' }}>{id || t('notBound')}</Text>
            </Stack>
            {id ? (
              <Badge color="teal" variant="light" style={{ flex: 'none' }}>{t('bound')}</Badge>
            ) : (
              <Button size="xs" variant="default" loading={busy === p.id} disabled={!p.on(status!)} onClick={() => void bind(p.id)} aria-label={`${t('bindWith')} ${p.name}`}>
                {t('bindWith')}
              </Button>
            )}
          </Group>
        );
      })}
      <Modal opened={open === 'wechat'} onClose={() => setOpen(null)} title={t('wechatTitle')} centered>
        {open === 'wechat' && (
          <WeChatBind
            qr={String(status?.wechat_qrcode ?? '')}
            onDone={() => {
              setOpen(null);
              notifications.show({ color: 'teal', message: t('wechatBound') });
              onChanged();
            }}
          />
        )}
      </Modal>
      <Modal opened={open === 'telegram'} onClose={() => setOpen(null)} title="Telegram" centered>
        {open === 'telegram' && <TelegramWidget bot={String(status?.telegram_bot_name ?? '')} />}
      </Modal>
    </Stack>
  );
}

function WeChatBind({ qr, onDone }: { qr: string; onDone: () => void }) {
  const { t } = usePageStrings('personal', S);
  const [code, setCode] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      await post('/api/oauth/wechat/bind', { code: code.trim() }, { inline: true });
      onDone();
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit}>
      <Stack>
        <Text size="sm">{t('wechatHint')}</Text>
        {qr && <Image src={qr} alt="WeChat" w={180} h={180} mx="auto" />}
        <InlineError message={error} />
        <TextInput label={t('wechatCode')} required value={code} onChange={(e) => setCode(e.currentTarget.value)} data-autofocus />
        <Group justify="flex-end">
          <Button type="submit" loading={busy} disabled={!code.trim()}>{t('bind')}</Button>
        </Group>
      </Stack>
    </form>
  );
}

/** Telegram's login widget; it sends the browser to /api/oauth/telegram/bind with signed fields. */
function TelegramWidget({ bot }: { bot: string }) {
  const { t } = usePageStrings('personal', S);
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el || !bot) return;
    const script = document.createElement('script');
    script.src = 'https://telegram.org/js/telegram-widget.js?22';
    script.async = true;
    script.setAttribute('data-telegram-login', bot);
    script.setAttribute('data-size', 'large');
    script.setAttribute('data-auth-url', `${window.location.origin}/api/oauth/telegram/bind`);
    el.appendChild(script);
    return () => el.replaceChildren();
  }, [bot]);
  return (
    <Stack>
      <Text size="sm">{t('telegramHint')}</Text>
      <div ref={box} />
    </Stack>
  );
}
