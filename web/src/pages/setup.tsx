// First-run setup (/setup): create the root user. GET /api/setup tells whether it is done;
// POST /api/setup creates the root and the two mode switches, then login follows.
import { Alert, Button, Card, PasswordInput, Stack, Switch, Text, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useEffect, useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { get, post } from '../api/client';
import { useAppState } from '../api/session';
import { PageLoader } from '../app/guards';
import { InlineError } from '../components/Page';
import { usePageStrings } from '../lib/i18n';

const S = {
  en: {
    title: 'Welcome to ClawRouter',
    intro: 'Create the root account. It administers everything: channels, users, keys and settings.',
    username: 'Root username',
    password: 'Password',
    passwordHint: 'At least 8 characters.',
    confirm: 'Repeat the password',
    mismatch: 'The passwords differ.',
    tooShort: 'The password needs at least 8 characters.',
    usernameLong: 'At most 12 characters.',
    selfUse: 'Self-use mode',
    selfUseHint: 'Models without a configured price can be used (nothing is billed for them).',
    demo: 'Demo site mode',
    demoHint: 'Marks this instance as a public demo.',
    submit: 'Create the root account',
    done: 'Setup complete. Log in with the root account.',
    already: 'This gateway is already set up.',
    toLogin: 'Go to login',
  },
  zh: {
    title: '欢迎使用 ClawRouter',
    intro: '创建超级管理员账户，它可以管理渠道、用户、令牌和所有设置。',
    username: '超级管理员用户名',
    password: '密码',
    passwordHint: '至少 8 个字符。',
    confirm: '再次输入密码',
    mismatch: '两次输入的密码不一致。',
    tooShort: '密码至少需要 8 个字符。',
    usernameLong: '最多 12 个字符。',
    selfUse: '自用模式',
    selfUseHint: '未设置价格的模型也可以使用（不计费）。',
    demo: '演示站点模式',
    demoHint: '将此实例标记为公开演示站点。',
    submit: '创建超级管理员',
    done: '初始化完成，请使用超级管理员账户登录。',
    already: '此网关已完成初始化。',
    toLogin: '前往登录',
  },
};

interface SetupInfo {
  status: boolean;
  root_init: boolean;
}

export default function SetupPage() {
  const { t } = usePageStrings('setup', S);
  const navigate = useNavigate();
  const { refreshStatus } = useAppState();
  const [info, setInfo] = useState<SetupInfo | null>(null);
  const [loadError, setLoadError] = useState('');
  const [form, setForm] = useState({ username: 'root', password: '', confirm: '', selfUse: false, demo: false });
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    get<SetupInfo>('/api/setup', undefined, { inline: true })
      .then(setInfo)
      .catch((e: Error) => setLoadError(e.message));
  }, []);

  if (loadError) return <InlineError message={loadError} />;
  if (!info) return <PageLoader />;
  if (info.status) {
    return (
      <Alert title={t('already')} color="teal">
        <Button mt="sm" onClick={() => navigate('/login')}>
          {t('toLogin')}
        </Button>
      </Alert>
    );
  }

  const mismatch = form.confirm !== '' && form.confirm !== form.password;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (form.password.length < 8) return setError(t('tooShort'));
    if (form.password !== form.confirm) return setError(t('mismatch'));
    setBusy(true);
    setError('');
    try {
      await post(
        '/api/setup',
        {
          username: form.username.trim(),
          password: form.password,
          confirmPassword: form.confirm,
          SelfUseModeEnabled: form.selfUse,
          DemoSiteEnabled: form.demo,
        },
        { inline: true },
      );
      notifications.show({ color: 'teal', message: t('done') });
      await refreshStatus();
      navigate('/login', { replace: true });
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card withBorder padding="xl" radius="lg" component="form" onSubmit={submit} aria-labelledby="setup-title">
      <Stack>
        <Title order={2} id="setup-title">
          {t('title')}
        </Title>
        <Text c="dimmed" size="sm">
          {t('intro')}
        </Text>
        <InlineError message={error} />
        {!info.root_init && (
          <>
            <TextInput
              label={t('username')}
              value={form.username}
              maxLength={12}
              description={t('usernameLong')}
              onChange={(e) => setForm({ ...form, username: e.currentTarget.value })}
              required
              autoComplete="username"
            />
            <PasswordInput
              label={t('password')}
              description={t('passwordHint')}
              value={form.password}
              onChange={(e) => setForm({ ...form, password: e.currentTarget.value })}
              required
              autoComplete="new-password"
            />
            <PasswordInput
              label={t('confirm')}
              value={form.confirm}
              error={mismatch ? t('mismatch') : undefined}
              onChange={(e) => setForm({ ...form, confirm: e.currentTarget.value })}
              required
              autoComplete="new-password"
            />
          </>
        )}
        <Switch
          label={t('selfUse')}
          description={t('selfUseHint')}
          checked={form.selfUse}
          onChange={(e) => setForm({ ...form, selfUse: e.currentTarget.checked })}
        />
        <Switch
          label={t('demo')}
          description={t('demoHint')}
          checked={form.demo}
          onChange={(e) => setForm({ ...form, demo: e.currentTarget.checked })}
        />
        <Button type="submit" loading={busy} size="md">
          {t('submit')}
        </Button>
      </Stack>
    </Card>
  );
}
