// Sign-in bindings: which outside accounts are bound (the *_id fields of /api/user/self) and a
// bind button for each provider /api/status enables. GitHub, Discord, OIDC and LinuxDO go
// through the OAuth redirect (GET /api/oauth/state, the provider, back to /oauth/<provider>,
// which binds while logged in); WeChat takes the code its official account answers
// (POST /api/oauth/wechat/bind); Telegram uses its login widget (GET /api/oauth/telegram/bind).
// The API lets only an administrator remove a binding.
import { Badge, Button, Group, Image, Modal, Stack, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { post } from '../../api/client';
import { useAppState } from '../../api/session';
import { PROVIDER_NAMES, REDIRECT_PROVIDERS, providerEnabled, startOAuth, type AuthStatus, type RedirectProvider } from '../../components/auth/oauth-start';
import { InlineError } from '../../components/Page';
import { usePageStrings } from '../../lib/i18n';
import { S, message, type SelfUser } from './strings';

type Provider = RedirectProvider | 'wechat' | 'telegram';

const FIELDS: Record<Provider, keyof SelfUser> = {
  github: 'github_id',
  discord: 'discord_id',
  oidc: 'oidc_id',
  linuxdo: 'linux_do_id',
  wechat: 'wechat_id',
  telegram: 'telegram_id',
};
const ORDER: Provider[] = [...REDIRECT_PROVIDERS, 'wechat', 'telegram'];

function enabled(s: AuthStatus, p: Provider): boolean {
  if (p === 'wechat') return !!s.wechat_login;
  if (p === 'telegram') return !!s.telegram_oauth && !!s.telegram_bot_name;
  return providerEnabled(s, p);
}

export function Bindings({ me, onChanged }: { me: SelfUser; onChanged: () => void }) {
  const { t } = usePageStrings('personal', S);
  const status = useAppState().status as AuthStatus | null;
  const [error, setError] = useState('');
  const [busy, setBusy] = useState<Provider | null>(null);
  const [open, setOpen] = useState<'wechat' | 'telegram' | null>(null);
  const shown = status ? ORDER.filter((p) => enabled(status, p) || me[FIELDS[p]]) : [];

  const bind = async (p: Provider) => {
    if (!status) return;
    if (p === 'wechat' || p === 'telegram') {
      setOpen(p);
      return;
    }
    setBusy(p);
    setError('');
    try {
      await startOAuth(status, p);
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
        const id = String(me[FIELDS[p]] || '');
        const name = PROVIDER_NAMES[p];
        return (
          <Group key={p} justify="space-between" wrap="nowrap" data-testid={`binding-${p}`}>
            <Stack gap={0} style={{ minWidth: 0 }}>
              <Text size="sm" fw={500}>{name}</Text>
              <Text size="xs" c="dimmed" style={{ wordBreak: 'break-all' }}>{id || t('notBound')}</Text>
            </Stack>
            {id ? (
              <Badge color="teal" variant="light" style={{ flex: 'none' }}>{t('bound')}</Badge>
            ) : (
              <Button size="xs" variant="default" loading={busy === p} disabled={!status || !enabled(status, p)} onClick={() => void bind(p)} aria-label={`${t('bindWith')} ${name}`}>
                {t('bindWith')}
              </Button>
            )}
          </Group>
        );
      })}
      <Modal opened={open === 'wechat'} onClose={() => setOpen(null)} title={t('wechatTitle')} centered>
        {open === 'wechat' && (
          <WeChatBind
            qr={status?.wechat_qrcode ?? ''}
            onDone={() => {
              setOpen(null);
              notifications.show({ color: 'teal', message: t('wechatBound') });
              onChanged();
            }}
          />
        )}
      </Modal>
      <Modal opened={open === 'telegram'} onClose={() => setOpen(null)} title="Telegram" centered>
        {open === 'telegram' && <TelegramWidget bot={status?.telegram_bot_name ?? ''} />}
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
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    const el = box.current;
    if (!el || !bot) return;
    const script = document.createElement('script');
    script.src = 'https://telegram.org/js/telegram-widget.js?22';
    script.async = true;
    script.setAttribute('data-telegram-login', bot);
    script.setAttribute('data-size', 'large');
    script.setAttribute('data-auth-url', `${window.location.origin}/api/oauth/telegram/bind`);
    script.onerror = () => setFailed(true);
    el.appendChild(script);
    return () => el.replaceChildren();
  }, [bot]);
  return (
    <Stack>
      <Text size="sm">{t('telegramHint')}</Text>
      <InlineError message={failed ? t('telegramFailed') : ''} />
      <div ref={box} />
    </Stack>
  );
}
