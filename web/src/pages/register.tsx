// Registration (/register): username, password twice, and when the gateway verifies addresses an
// email with a mailed code (GET /api/verification?email=); the invite code of an invite link
// (?aff=, kept in localStorage as new-api's console does); Turnstile when it is on.
// POST /api/user/register logs nobody in: the page goes to /login with a notice.
import { Alert, Anchor, Button, Card, Divider, Group, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useEffect, useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { get, post, type StoredUser } from '../api/client';
import { useAppState } from '../api/session';
import { PageLoader } from '../app/guards';
import { OAuthButtons } from '../components/auth/oauth';
import { hasOutsideAccounts, rememberAff, type AuthStatus } from '../components/auth/oauth-start';
import { Turnstile } from '../components/auth/turnstile';
import { InlineError } from '../components/Page';
import { usePageStrings } from '../lib/i18n';

const S = {
  en: {
    title: 'Create an account',
    subtitle: 'on {{name}}',
    username: 'Username',
    usernameHint: 'At most 20 characters.',
    password: 'Password',
    passwordHint: '8 to 20 characters.',
    confirm: 'Repeat the password',
    email: 'Email',
    sendCode: 'Send code',
    resend: 'Resend in {{s}} s',
    codeSent: 'A code was mailed to {{email}}. It is valid for 10 minutes.',
    code: 'Verification code',
    aff: 'Invite code',
    affHint: 'From the invite link that brought you here; optional.',
    submit: 'Create the account',
    mismatch: 'The passwords differ.',
    length: 'The password needs 8 to 20 characters.',
    usernameLong: 'The username is at most 20 characters.',
    needEmail: 'Type your email address first.',
    waitTurnstile: 'The anti-bot check is still running; try again in a few seconds.',
    closed: 'Registration is closed on this gateway. Ask its administrator for an account.',
    passwordClosed: 'Registration with a username and password is turned off on this gateway.',
    or: 'or',
    haveAccount: 'Already have an account?',
    login: 'Log in',
  },
  zh: {
    title: '注册账户',
    subtitle: '{{name}}',
    username: '用户名',
    usernameHint: '最多 20 个字符。',
    password: '密码',
    passwordHint: '8 到 20 个字符。',
    confirm: '再次输入密码',
    email: '邮箱',
    sendCode: '发送验证码',
    resend: '{{s}} 秒后重新发送',
    codeSent: '验证码已发送至 {{email}}，10 分钟内有效。',
    code: '验证码',
    aff: '邀请码',
    affHint: '来自邀请链接，可不填。',
    submit: '注册',
    mismatch: '两次输入的密码不一致。',
    length: '密码需要 8 到 20 个字符。',
    usernameLong: '用户名最多 20 个字符。',
    needEmail: '请先输入邮箱地址。',
    waitTurnstile: '人机验证仍在进行，请几秒后重试。',
    closed: '此网关已关闭注册，请联系管理员开通账户。',
    passwordClosed: '此网关已关闭用户名密码注册。',
    or: '或',
    haveAccount: '已有账户？',
    login: '登录',
  },
};

const RESEND_SECONDS = 30;

export default function RegisterPage() {
  const { t } = usePageStrings('register', S);
  const { status: plain, statusError, refreshStatus, setUser } = useAppState();
  const status = plain as AuthStatus | null;
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [form, setForm] = useState({ username: '', password: '', confirm: '', email: '', code: '', aff: '' });
  const [turnstile, setTurnstile] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [sending, setSending] = useState(false);
  const [sentTo, setSentTo] = useState('');
  const [wait, setWait] = useState(0);

  useEffect(() => {
    const aff = rememberAff(params.toString());
    if (aff) setForm((f) => ({ ...f, aff }));
  }, [params]);

  useEffect(() => {
    if (wait <= 0) return;
    const id = window.setTimeout(() => setWait(wait - 1), 1000);
    return () => window.clearTimeout(id);
  }, [wait]);

  if (!status) {
    return statusError ? <InlineError message={statusError} onRetry={() => void refreshStatus()} /> : <PageLoader />;
  }
  const name = status.system_name || 'ClawRouter';
  const closed = status.register_enabled === false;
  const passwordClosed = status.password_register_enabled === false;
  const verify = !!status.email_verification;
  const set = (key: keyof typeof form) => (e: { currentTarget: { value: string } }) => {
    const value = e.currentTarget.value;
    setForm((f) => ({ ...f, [key]: value }));
  };
  const turnstileQuery = turnstile ? { turnstile } : undefined;
  const signedIn = (user: StoredUser) => {
    setUser(user);
    navigate('/console', { replace: true });
  };
  const outside = !closed && hasOutsideAccounts(status) && (
    <>
      <Divider label={t('or')} labelPosition="center" />
      <OAuthButtons status={status} onLoggedIn={signedIn} />
    </>
  );

  const sendCode = async () => {
    const email = form.email.trim();
    if (!email) return setError(t('needEmail'));
    if (status.turnstile_check && !turnstile) return setError(t('waitTurnstile'));
    setSending(true);
    setError('');
    try {
      await get('/api/verification', { email, ...turnstileQuery }, { inline: true });
      setSentTo(email);
      setWait(RESEND_SECONDS);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setSending(false);
    }
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const username = form.username.trim();
    if (username.length > 20) return setError(t('usernameLong'));
    if (form.password.length < 8 || form.password.length > 20) return setError(t('length'));
    if (form.password !== form.confirm) return setError(t('mismatch'));
    if (status.turnstile_check && !turnstile) return setError(t('waitTurnstile'));
    setBusy(true);
    setError('');
    try {
      const path = turnstile ? `/api/user/register?turnstile=${encodeURIComponent(turnstile)}` : '/api/user/register';
      await post(path, {
        username,
        password: form.password,
        email: verify ? form.email.trim() : '',
        verification_code: verify ? form.code.trim() : '',
        aff_code: form.aff.trim(),
      }, { inline: true });
      navigate('/login?registered=1', { replace: true });
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  const header = (
    <div>
      <Title order={2} id="register-title">
        {t('title')}
      </Title>
      <Text c="dimmed" size="sm">
        {t('subtitle', { name })}
      </Text>
    </div>
  );
  const toLogin = (
    <Text size="sm" ta="center">
      {t('haveAccount')}{' '}
      <Anchor component={Link} to="/login">
        {t('login')}
      </Anchor>
    </Text>
  );

  if (closed || passwordClosed) {
    return (
      <Card withBorder padding="xl" radius="lg" aria-labelledby="register-title">
        <Stack>
          {header}
          <Alert color="gray" role="status" data-testid="register-closed">
            {closed ? t('closed') : t('passwordClosed')}
          </Alert>
          {outside}
          {toLogin}
        </Stack>
      </Card>
    );
  }

  return (
    <Card withBorder padding="xl" radius="lg" component="form" onSubmit={(e: FormEvent) => void submit(e)} aria-labelledby="register-title">
      <Stack>
        {header}
        <InlineError message={error} />
        <TextInput label={t('username')} description={t('usernameHint')} value={form.username} onChange={set('username')} required autoComplete="username" maxLength={20} autoFocus />
        <PasswordInput label={t('password')} description={t('passwordHint')} value={form.password} onChange={set('password')} required autoComplete="new-password" />
        <PasswordInput label={t('confirm')} value={form.confirm} onChange={set('confirm')} required autoComplete="new-password" />
        {verify && (
          <>
            <Group align="flex-end" gap="xs">
              <TextInput label={t('email')} type="email" value={form.email} onChange={set('email')} required autoComplete="email" style={{ flex: '1 1 220px' }} />
              <Button variant="default" onClick={() => void sendCode()} loading={sending} disabled={wait > 0}>
                {wait > 0 ? t('resend', { s: wait }) : t('sendCode')}
              </Button>
            </Group>
            {sentTo && (
              <Text size="sm" c="dimmed" role="status">
                {t('codeSent', { email: sentTo })}
              </Text>
            )}
            <TextInput label={t('code')} value={form.code} onChange={set('code')} required autoComplete="one-time-code" />
          </>
        )}
        <TextInput label={t('aff')} description={t('affHint')} value={form.aff} onChange={set('aff')} autoComplete="off" />
        <Turnstile status={status} onToken={setTurnstile} />
        <Button type="submit" loading={busy} size="md">
          {t('submit')}
        </Button>
        {outside}
        {toLogin}
      </Stack>
    </Card>
  );
}
