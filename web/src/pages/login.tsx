// Login (/login): username (or email) and password, then the 2FA step when the answer says
// require_2fa (POST /api/user/login/2fa, a 6-digit code or a backup code). Passkey, OAuth and
// Turnstile come from components/auth/. Notices: ?expired=true (the session ended),
// ?registered=1 (after /register), ?reset=1 (after /user/reset). Returns to ?next= after.
import { Alert, Anchor, Button, Card, Divider, Group, PasswordInput, PinInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { post, type StoredUser } from '../api/client';
import { useAppState } from '../api/session';
import { nextPath } from '../app/guards';
import { OAuthButtons, PasskeyLogin, Turnstile } from '../components/auth/hooks';
import { hasOtherSignIns, type AuthStatus } from '../components/auth/oauth-start';
import { InlineError } from '../components/Page';
import { usePageStrings } from '../lib/i18n';

const S = {
  en: {
    title: 'Log in',
    subtitle: 'to the {{name}} console',
    username: 'Username or email',
    password: 'Password',
    submit: 'Log in',
    expired: 'Your session has expired. Please log in again.',
    registered: 'Your account is ready. Log in with your username and password.',
    resetDone: 'Your password was reset. Log in with the new password.',
    waitTurnstile: 'The anti-bot check is still running; try again in a few seconds.',
    passwordOff: 'Logging in with a password is turned off on this gateway; use one of the options below.',
    twofaTitle: 'Two-factor authentication',
    twofaIntro: 'Enter the 6-digit code from your authenticator app, or a backup code.',
    code: 'Verification code',
    backup: 'Use a backup code instead',
    useTotp: 'Use an authenticator code',
    verify: 'Verify',
    cancel: 'Back to password',
    forgot: 'Forgot your password?',
    register: 'Create an account',
    or: 'or',
  },
  zh: {
    title: '登录',
    subtitle: '{{name}} 控制台',
    username: '用户名或邮箱',
    password: '密码',
    submit: '登录',
    expired: '登录已过期，请重新登录。',
    registered: '账户已创建，请使用用户名和密码登录。',
    resetDone: '密码已重置，请使用新密码登录。',
    waitTurnstile: '人机验证仍在进行，请几秒后重试。',
    passwordOff: '此网关已关闭密码登录，请使用下方的其他方式。',
    twofaTitle: '两步验证',
    twofaIntro: '请输入身份验证器中的 6 位验证码，或一个备用码。',
    code: '验证码',
    backup: '改用备用码',
    useTotp: '改用验证器验证码',
    verify: '验证',
    cancel: '返回密码登录',
    forgot: '忘记密码？',
    register: '注册账户',
    or: '或',
  },
};

type LoginAnswer = StoredUser & { require_2fa?: boolean };

export default function LoginPage() {
  const { t } = usePageStrings('login', S);
  const { status, statusError, refreshStatus, setUser } = useAppState();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [turnstile, setTurnstile] = useState('');
  const [step, setStep] = useState<'password' | '2fa'>('password');
  const [code, setCode] = useState('');
  const [backup, setBackup] = useState(false);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const finish = (user: StoredUser) => {
    setUser(user);
    navigate(nextPath(`?${params.toString()}`), { replace: true });
  };

  const run = async (fn: () => Promise<void>) => {
    setBusy(true);
    setError('');
    try {
      await fn();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  const login = (e: FormEvent) => {
    e.preventDefault();
    if (status?.turnstile_check && !turnstile) {
      setError(t('waitTurnstile'));
      return;
    }
    void run(async () => {
      const path = turnstile ? `/api/user/login?turnstile=${encodeURIComponent(turnstile)}` : '/api/user/login';
      const data = await post<LoginAnswer>(path, { username: username.trim(), password }, { inline: true, allow401: true });
      if (data?.require_2fa) {
        setStep('2fa');
        return;
      }
      finish(data);
    });
  };

  const verify = (e?: FormEvent) => {
    e?.preventDefault();
    void run(async () => {
      const data = await post<StoredUser>('/api/user/login/2fa', { code: code.trim() }, { inline: true, allow401: true });
      finish(data);
    });
  };

  const name = status?.system_name || 'ClawRouter';
  if (step === '2fa') {
    return (
      <Card withBorder padding="xl" radius="lg" component="form" onSubmit={verify} aria-labelledby="twofa-title">
        <Stack>
          <Title order={2} id="twofa-title">
            {t('twofaTitle')}
          </Title>
          <Text size="sm" c="dimmed">
            {t('twofaIntro')}
          </Text>
          <InlineError message={error} />
          {backup ? (
            <TextInput label={t('code')} value={code} onChange={(e) => setCode(e.currentTarget.value)} placeholder="XXXX-XXXX" autoFocus required />
          ) : (
            <Stack gap={4}>
              <Text size="sm" fw={500} id="code-label">
                {t('code')}
              </Text>
              <PinInput
                length={6}
                type="number"
                oneTimeCode
                value={code}
                onChange={setCode}
                onComplete={() => undefined}
                aria-labelledby="code-label"
                autoFocus
                data-testid="twofa-code"
              />
            </Stack>
          )}
          <Anchor component="button" type="button" size="sm" onClick={() => { setBackup(!backup); setCode(''); }}>
            {backup ? t('useTotp') : t('backup')}
          </Anchor>
          <Button type="submit" loading={busy} disabled={code.trim().length < 6}>
            {t('verify')}
          </Button>
          <Button variant="subtle" onClick={() => { setStep('password'); setCode(''); setError(''); }}>
            {t('cancel')}
          </Button>
        </Stack>
      </Card>
    );
  }

  const auth = status as AuthStatus | null;
  const passwordOn = auth?.password_login_enabled !== false;
  const registerOn = auth?.register_enabled !== false;
  const notice = params.get('expired') ? t('expired') : params.get('registered') ? t('registered') : params.get('reset') ? t('resetDone') : '';
  return (
    <Card withBorder padding="xl" radius="lg" component="form" onSubmit={login} aria-labelledby="login-title">
      <Stack>
        <div>
          <Title order={2} id="login-title">
            {t('title')}
          </Title>
          <Text c="dimmed" size="sm">
            {t('subtitle', { name })}
          </Text>
        </div>
        {notice && !error && (
          <Alert color={params.get('expired') ? 'yellow' : 'green'} role="status" data-testid="login-notice">
            {notice}
          </Alert>
        )}
        <InlineError message={statusError} onRetry={() => void refreshStatus()} />
        <InlineError message={error} />
        {passwordOn ? (
          <>
            <TextInput label={t('username')} value={username} onChange={(e) => setUsername(e.currentTarget.value)} required autoComplete="username" autoFocus />
            <PasswordInput label={t('password')} value={password} onChange={(e) => setPassword(e.currentTarget.value)} required autoComplete="current-password" />
            <Turnstile status={status} onToken={setTurnstile} />
            <Button type="submit" loading={busy} size="md">
              {t('submit')}
            </Button>
          </>
        ) : (
          <Text size="sm" c="dimmed">
            {t('passwordOff')}
          </Text>
        )}
        {passwordOn && hasOtherSignIns(auth) && <Divider label={t('or')} labelPosition="center" />}
        <PasskeyLogin status={status} onLoggedIn={finish} />
        <OAuthButtons status={status} onLoggedIn={finish} />
        <Group justify="space-between">
          <Anchor component={Link} to="/reset" size="sm">
            {t('forgot')}
          </Anchor>
          {registerOn && (
            <Anchor component={Link} to="/register" size="sm">
              {t('register')}
            </Anchor>
          )}
        </Group>
      </Stack>
    </Card>
  );
}
