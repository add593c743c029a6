// The sign-in buttons for outside accounts, one per provider /api/status enables: GitHub,
// Discord, OIDC and LinuxDO redirect to the provider (oauth-start.ts); WeChat opens the
// official account's QR code and asks for the code it answers (GET /api/oauth/wechat?code=);
// Telegram draws its own login widget (telegram.org's script, loaded only then), whose signed
// fields go to GET /api/oauth/telegram/login.
import { Box, Button, Group, Image, Modal, Stack, Text, TextInput } from '@mantine/core';
import { IconBrandDiscord, IconBrandGithub, IconBrandWechat, IconId, IconKey } from '@tabler/icons-react';
import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { get, type StoredUser } from '../../api/client';
import { usePageStrings } from '../../lib/i18n';
import { InlineError } from '../Page';
import { PROVIDER_NAMES, REDIRECT_PROVIDERS, providerEnabled, startOAuth, type AuthStatus, type RedirectProvider } from './oauth-start';
import type { AuthHookProps } from './types';

const S = {
  en: {
    with: 'Continue with {{name}}',
    wechatTitle: 'Log in with WeChat',
    wechatIntro: 'Scan the QR code with WeChat, follow the official account and send it "验证码"; type the code it answers here.',
    wechatQr: 'The official account’s QR code',
    wechatCode: 'Verification code',
    wechatSubmit: 'Log in',
    telegramFailed: 'The Telegram login widget could not load.',
  },
  zh: {
    with: '使用 {{name}} 继续',
    wechatTitle: '微信登录',
    wechatIntro: '用微信扫描二维码关注公众号，发送“验证码”，然后在此输入收到的验证码。',
    wechatQr: '公众号二维码',
    wechatCode: '验证码',
    wechatSubmit: '登录',
    telegramFailed: 'Telegram 登录组件加载失败。',
  },
};

const ICONS: Record<RedirectProvider, ReactNode> = {
  github: <IconBrandGithub size={18} />,
  discord: <IconBrandDiscord size={18} />,
  oidc: <IconId size={18} />,
  linuxdo: <IconKey size={18} />,
};

export function OAuthButtons({ status, onLoggedIn }: AuthHookProps) {
  const { t } = usePageStrings('auth-oauth', S);
  const s = status as AuthStatus | null;
  const [busy, setBusy] = useState<RedirectProvider | null>(null);
  const [error, setError] = useState('');
  const [wechat, setWechat] = useState(false);
  if (!s) return null;
  const redirects = REDIRECT_PROVIDERS.filter((p) => providerEnabled(s, p));
  const telegram = !!s.telegram_oauth && !!s.telegram_bot_name;
  if (!redirects.length && !s.wechat_login && !telegram) return null;

  const go = async (p: RedirectProvider) => {
    setBusy(p);
    setError('');
    try {
      await startOAuth(s, p);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
      setBusy(null);
    }
  };

  return (
    <Stack gap="xs" data-testid="oauth-buttons">
      <InlineError message={error} />
      {redirects.map((p) => (
        <Button key={p} variant="default" leftSection={ICONS[p]} loading={busy === p} onClick={() => void go(p)}>
          {t('with', { name: PROVIDER_NAMES[p] })}
        </Button>
      ))}
      {s.wechat_login && (
        <Button variant="default" leftSection={<IconBrandWechat size={18} />} onClick={() => setWechat(true)}>
          {t('with', { name: PROVIDER_NAMES.wechat })}
        </Button>
      )}
      {telegram && <TelegramWidget bot={s.telegram_bot_name ?? ''} onLoggedIn={onLoggedIn} onError={setError} />}
      <WeChatLogin opened={wechat} qrcode={s.wechat_qrcode ?? ''} onClose={() => setWechat(false)} onLoggedIn={onLoggedIn} />
    </Stack>
  );
}

function WeChatLogin(props: { opened: boolean; qrcode: string; onClose: () => void; onLoggedIn: (u: StoredUser) => void }) {
  const { t } = usePageStrings('auth-oauth', S);
  const [code, setCode] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      const user = await get<StoredUser>('/api/oauth/wechat', { code: code.trim() }, { inline: true, allow401: true });
      props.onLoggedIn(user);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal opened={props.opened} onClose={props.onClose} title={t('wechatTitle')} centered>
      <form onSubmit={(e) => void submit(e)}>
        <Stack>
          {props.qrcode && <Image src={props.qrcode} alt={t('wechatQr')} w={200} h={200} mx="auto" fit="contain" />}
          <Text size="sm" c="dimmed">
            {t('wechatIntro')}
          </Text>
          <InlineError message={error} />
          <TextInput label={t('wechatCode')} value={code} onChange={(e) => setCode(e.currentTarget.value)} required autoComplete="one-time-code" data-autofocus />
          <Group justify="flex-end">
            <Button type="submit" loading={busy} disabled={!code.trim()}>
              {t('wechatSubmit')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

const TELEGRAM_SCRIPT = 'https://telegram.org/js/telegram-widget.js?22';
const TELEGRAM_CALLBACK = 'clawrouterTelegramAuth';

type TelegramUser = Record<string, string | number>;

/** Telegram's widget: its script replaces itself with the login button and calls the global
 * function named in data-onauth with the signed fields. */
function TelegramWidget(props: { bot: string; onLoggedIn: (u: StoredUser) => void; onError: (m: string) => void }) {
  const { t } = usePageStrings('auth-oauth', S);
  const box = useRef<HTMLDivElement>(null);
  const latest = useRef({ ...props, failed: t('telegramFailed') });
  latest.current = { ...props, failed: t('telegramFailed') };

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const w = window as unknown as Record<string, unknown>;
    w[TELEGRAM_CALLBACK] = (user: TelegramUser) => {
      const query = Object.fromEntries(Object.entries(user).map(([k, v]) => [k, String(v)]));
      get<StoredUser>('/api/oauth/telegram/login', query, { inline: true, allow401: true })
        .then((u) => latest.current.onLoggedIn(u))
        .catch((e: unknown) => latest.current.onError(e instanceof Error ? e.message : String(e)));
    };
    const script = document.createElement('script');
    script.src = TELEGRAM_SCRIPT;
    script.async = true;
    script.setAttribute('data-telegram-login', props.bot);
    script.setAttribute('data-size', 'large');
    script.setAttribute('data-request-access', 'write');
    script.setAttribute('data-onauth', `${TELEGRAM_CALLBACK}(user)`);
    script.addEventListener('error', () => latest.current.onError(latest.current.failed));
    el.appendChild(script);
    return () => {
      el.replaceChildren();
      delete w[TELEGRAM_CALLBACK];
    };
  }, [props.bot]);

  return <Box ref={box} data-testid="telegram-login" style={{ display: 'flex', justifyContent: 'center' }} />;
}
