// The OAuth callback (/oauth/:provider): the provider sent the browser back with ?code&state
// (or ?error=). The page forwards them to GET /api/oauth/<provider>; a sign-in answers the user
// (stored, then /console), a bind by a logged-in user answers {action: "bind"} (then
// /console/personal). A refusal is shown with a way back.
import { Alert, Button, Card, Group, Loader, Stack, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useEffect, useRef, useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { get, type StoredUser } from '../api/client';
import { useAppState } from '../api/session';
import { PROVIDER_NAMES } from '../components/auth/oauth-start';
import { usePageStrings } from '../lib/i18n';

const S = {
  en: {
    title: 'Signing in with {{name}}',
    working: 'Checking your {{name}} account…',
    failed: 'The sign-in with {{name}} did not work',
    bound: 'Your {{name}} account is now bound to this account.',
    backLogin: 'Back to login',
    backPersonal: 'Back to personal settings',
  },
  zh: {
    title: '使用 {{name}} 登录',
    working: '正在验证你的 {{name}} 账户…',
    failed: '使用 {{name}} 登录失败',
    bound: '已将 {{name}} 账户绑定到当前账户。',
    backLogin: '返回登录',
    backPersonal: '返回个人设置',
  },
};

type Answer = StoredUser | { action: 'bind' };
const FORWARDED = ['code', 'state', 'error', 'error_description'];

export default function OAuthCallbackPage() {
  const { t } = usePageStrings('oauth', S);
  const { provider = '' } = useParams();
  const [params] = useSearchParams();
  const { user, setUser } = useAppState();
  const navigate = useNavigate();
  const [error, setError] = useState('');
  const started = useRef(false);
  const name = PROVIDER_NAMES[provider] ?? provider;
  const binding = useRef(!!user);

  useEffect(() => {
    if (started.current) return;
    started.current = true;
    const query = Object.fromEntries(FORWARDED.map((k) => [k, params.get(k)]));
    get<Answer>(`/api/oauth/${encodeURIComponent(provider)}`, query, { inline: true, allow401: true })
      .then((data) => {
        if (data && 'action' in data && data.action === 'bind') {
          notifications.show({ color: 'teal', message: t('bound', { name }) });
          navigate('/console/personal', { replace: true });
          return;
        }
        setUser(data as StoredUser);
        navigate('/console', { replace: true });
      })
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, [provider, params, navigate, setUser, t, name]);

  return (
    <Card withBorder padding="xl" radius="lg" aria-labelledby="oauth-title">
      <Stack>
        <Title order={2} id="oauth-title">
          {t('title', { name })}
        </Title>
        {error ? (
          <>
            <Alert color="red" title={t('failed', { name })} role="alert" data-testid="oauth-error">
              {error}
            </Alert>
            <Button component={Link} to={binding.current ? '/console/personal' : '/login'} variant="default">
              {binding.current ? t('backPersonal') : t('backLogin')}
            </Button>
          </>
        ) : (
          <Group gap="sm" role="status">
            <Loader size="sm" />
            <Text size="sm">{t('working', { name })}</Text>
          </Group>
        )}
      </Stack>
    </Card>
  );
}
