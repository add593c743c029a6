// Secure verification ("sudo mode"): some calls (a channel key reveal, passkey changes) answer
// 403 with code VERIFICATION_REQUIRED / _EXPIRED / _INVALID until the user has proved presence
// again with POST /api/verify — a 2FA or backup code, a passkey, or the password of an account
// with neither. `useSecureVerification().guard(call)` runs the call, opens the dialog on such a
// 403, and retries once the user has verified (the proof lasts five minutes on the server).
//
//   const { guard, modal } = useSecureVerification();
//   const key = await guard(() => post('/api/channel/1/key', {}, { inline: true }));
//   ... {modal} somewhere in the page; a cancelled dialog rejects with isCancelled(err) true.
import { Alert, Button, Center, Group, Loader, Modal, PasswordInput, SegmentedControl, Stack, Text, TextInput } from '@mantine/core';
import { IconFingerprint, IconShieldLock } from '@tabler/icons-react';
import { useCallback, useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { ApiError, get, post } from '../api/client';
import { useAppState } from '../api/session';
import { usePageStrings } from '../lib/i18n';
import { getAssertion, passkeysSupported } from '../lib/webauthn';
import { InlineError } from './Page';

export const VERIFICATION_CODES = ['VERIFICATION_REQUIRED', 'VERIFICATION_EXPIRED', 'VERIFICATION_INVALID'];

/** True for the 403 a call answers until the user has verified. */
export function needsVerification(err: unknown): err is ApiError {
  return err instanceof ApiError && err.status === 403 && VERIFICATION_CODES.includes(err.code);
}

export class VerificationCancelled extends Error {
  constructor() {
    super('secure verification cancelled');
    this.name = 'VerificationCancelled';
  }
}

/** The user closed the dialog: nothing to report. */
export function isCancelled(err: unknown): boolean {
  return err instanceof VerificationCancelled;
}

const S = {
  en: {
    title: 'Confirm it is you',
    why: 'This action shows or changes something sensitive. Confirm your identity to go on; the confirmation lasts 5 minutes.',
    expired: 'Your last confirmation has expired. Confirm again to go on.',
    method: 'Verification method',
    m2fa: 'Authenticator code',
    mpasskey: 'Passkey',
    mpassword: 'Password',
    code: 'Authentication code',
    codeHint: 'The 6-digit code from your authenticator app, or one of your backup codes.',
    password: 'Your password',
    passwordHint: 'Your account has neither 2FA nor a passkey, so your password confirms it is you.',
    passkeyHint: 'Your browser asks for the passkey registered to this account.',
    usePasskey: 'Use my passkey',
    noPasskeySupport: 'This browser cannot use passkeys here (it needs HTTPS or localhost).',
    verify: 'Verify',
    loadFailed: 'Could not read your verification methods: {{message}}',
    passkeyCancelled: 'The passkey check was cancelled or timed out.',
  },
  zh: {
    title: '确认是你本人',
    why: '此操作会显示或修改敏感信息，请先验证身份；验证在 5 分钟内有效。',
    expired: '上次验证已过期，请重新验证后继续。',
    method: '验证方式',
    m2fa: '验证器代码',
    mpasskey: '通行密钥',
    mpassword: '密码',
    code: '验证码',
    codeHint: '验证器应用中的 6 位数字，或一个备用码。',
    password: '你的密码',
    passwordHint: '你的账户没有启用两步验证或通行密钥，请输入密码确认身份。',
    passkeyHint: '浏览器会请求此账户注册的通行密钥。',
    usePasskey: '使用通行密钥',
    noPasskeySupport: '此浏览器在当前地址下无法使用通行密钥（需要 HTTPS 或 localhost）。',
    verify: '验证',
    loadFailed: '无法读取你的验证方式：{{message}}',
    passkeyCancelled: '通行密钥验证已取消或超时。',
  },
};

type Method = '2fa' | 'passkey' | 'password';

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

export function SecureVerifyModal(props: { opened: boolean; code?: string; onVerified: () => void; onCancel: () => void }) {
  const { t } = usePageStrings('secure', S);
  const { status } = useAppState();
  const [methods, setMethods] = useState<Method[] | null>(null);
  const [method, setMethod] = useState<Method>('2fa');
  const [loadError, setLoadError] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [code, setCode] = useState('');
  const [password, setPassword] = useState('');
  const [tick, setTick] = useState(0);

  useEffect(() => {
    if (!props.opened) return;
    let live = true;
    setMethods(null);
    setLoadError('');
    setError('');
    setCode('');
    setPassword('');
    Promise.all([
      get<{ enabled: boolean }>('/api/user/2fa/status', undefined, { inline: true }),
      get<{ enabled: boolean }>('/api/user/passkey', undefined, { inline: true }),
    ])
      .then(([twofa, passkey]) => {
        if (!live) return;
        const found: Method[] = [];
        if (twofa?.enabled) found.push('2fa');
        if (passkey?.enabled && status?.passkey_login !== false) found.push('passkey');
        if (!twofa?.enabled && !passkey?.enabled) found.push('password');
        setMethods(found);
        setMethod(found[0]);
      })
      .catch((e: unknown) => live && setLoadError(message(e)));
    return () => {
      live = false;
    };
  }, [props.opened, tick, status?.passkey_login]);

  const confirm = async (body: Record<string, unknown>) => {
    await post('/api/verify', body, { inline: true });
    props.onVerified();
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      if (method === '2fa') await confirm({ method: '2fa', code: code.trim() });
      else if (method === 'password') await confirm({ method: 'password', password });
      else {
        const begin = await post<{ options: { publicKey: Parameters<typeof getAssertion>[0] } }>('/api/user/passkey/verify/begin', {}, { inline: true });
        let assertion: Record<string, unknown>;
        try {
          assertion = await getAssertion(begin.options.publicKey);
        } catch (err) {
          throw new Error(err instanceof DOMException && err.name === 'NotAllowedError' ? t('passkeyCancelled') : message(err));
        }
        await post('/api/user/passkey/verify/finish', assertion, { inline: true });
        await confirm({ method: 'passkey' });
      }
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(false);
    }
  };

  let body: ReactNode;
  if (loadError) {
    body = <InlineError message={t('loadFailed', { message: loadError })} onRetry={() => setTick((n) => n + 1)} />;
  } else if (!methods) {
    body = (
      <Center py="md" role="status">
        <Loader size="sm" mr="sm" />
        <Text c="dimmed">{t('table.loading')}</Text>
      </Center>
    );
  } else {
    body = (
      <form onSubmit={submit}>
        <Stack>
          {methods.length > 1 && (
            <SegmentedControl
              aria-label={t('method')}
              value={method}
              onChange={(v) => {
                setMethod(v as Method);
                setError('');
              }}
              data={methods.map((m) => ({ value: m, label: t(`m${m}`) }))}
            />
          )}
          <InlineError message={error} />
          {method === '2fa' && (
            <TextInput
              label={t('code')}
              description={t('codeHint')}
              value={code}
              onChange={(e) => setCode(e.currentTarget.value)}
              autoComplete="one-time-code"
              required
              data-autofocus
              data-testid="verify-code"
            />
          )}
          {method === 'password' && (
            <PasswordInput
              label={t('password')}
              description={t('passwordHint')}
              value={password}
              onChange={(e) => setPassword(e.currentTarget.value)}
              autoComplete="current-password"
              required
              data-autofocus
              data-testid="verify-password"
            />
          )}
          {method === 'passkey' &&
            (passkeysSupported() ? (
              <Text size="sm" c="dimmed">{t('passkeyHint')}</Text>
            ) : (
              <Alert color="orange">{t('noPasskeySupport')}</Alert>
            ))}
          <Group justify="flex-end">
            <Button variant="default" onClick={props.onCancel}>{t('action.cancel')}</Button>
            <Button
              type="submit"
              loading={busy}
              disabled={method === 'passkey' && !passkeysSupported()}
              leftSection={method === 'passkey' ? <IconFingerprint size={16} /> : undefined}
              data-testid="verify-submit"
            >
              {method === 'passkey' ? t('usePasskey') : t('verify')}
            </Button>
          </Group>
        </Stack>
      </form>
    );
  }

  return (
    <Modal
      opened={props.opened}
      onClose={props.onCancel}
      centered
      zIndex={400}
      title={
        <Group gap="xs">
          <IconShieldLock size={18} />
          <Text fw={600}>{t('title')}</Text>
        </Group>
      }
    >
      <Stack data-testid="secure-verify">
        <Text size="sm">{props.code === 'VERIFICATION_EXPIRED' ? t('expired') : t('why')}</Text>
        {body}
      </Stack>
    </Modal>
  );
}

interface Pending {
  code: string;
  resolve: () => void;
  reject: (e: Error) => void;
}

/** `guard(call)`: run `call`, ask for a verification when it needs one, and run it again. */
export function useSecureVerification(): { guard: <T>(call: () => Promise<T>) => Promise<T>; modal: ReactNode } {
  const [pending, setPending] = useState<Pending | null>(null);
  const pendingRef = useRef<Pending | null>(null);
  pendingRef.current = pending;

  const ask = useCallback(
    (code: string) =>
      new Promise<void>((resolve, reject) => {
        setPending({ code, resolve, reject });
      }),
    [],
  );

  const guard = useCallback(
    async <T,>(call: () => Promise<T>): Promise<T> => {
      for (let attempt = 0; ; attempt++) {
        try {
          return await call();
        } catch (e) {
          if (!needsVerification(e) || attempt >= 2) throw e;
          await ask(e.code);
        }
      }
    },
    [ask],
  );

  // a page left with the dialog open: the waiting call ends as cancelled
  useEffect(() => () => pendingRef.current?.reject(new VerificationCancelled()), []);

  const modal = (
    <SecureVerifyModal
      opened={pending !== null}
      code={pending?.code}
      onVerified={() => {
        pending?.resolve();
        setPending(null);
      }}
      onCancel={() => {
        pending?.reject(new VerificationCancelled());
        setPending(null);
      }}
    />
  );
  return { guard, modal };
}
