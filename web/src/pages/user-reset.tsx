// Password reset, step 2 (/user/reset?email=&token=): the mailed link. "Reset" posts
// POST /api/user/reset {email, token}; the answer is the new password, shown with a copy button.
// The reset ends every session of the user, so the next stop is the login page.
import { Alert, Anchor, Button, Card, Code, Group, Stack, Text, Title } from '@mantine/core';
import { IconCheck, IconCopy } from '@tabler/icons-react';
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { post } from '../api/client';
import { copyText, InlineError } from '../components/Page';
import { usePageStrings } from '../lib/i18n';

const S = {
  en: {
    title: 'Set a new password',
    intro: 'Reset the password of {{email}}. A new random password is made and shown here once.',
    submit: 'Reset the password',
    badLink: 'This link is incomplete: open the link from the mail as it is, or ask for a new one.',
    newLink: 'Ask for a new link',
    done: 'Your new password:',
    doneHint: 'Copy it now and keep it safe. Every session of this account has ended: log in with it, then change it in your personal settings if you like.',
    copy: 'Copy the password',
    copied: 'Copied',
    login: 'Log in',
  },
  zh: {
    title: '设置新密码',
    intro: '重置 {{email}} 的密码。系统会生成一个新的随机密码，仅在此显示一次。',
    submit: '重置密码',
    badLink: '链接不完整：请直接打开邮件中的链接，或重新申请。',
    newLink: '重新申请链接',
    done: '你的新密码：',
    doneHint: '请立即复制并妥善保存。此账户的所有会话均已结束：请用新密码登录，之后可在个人设置中修改。',
    copy: '复制密码',
    copied: '已复制',
    login: '登录',
  },
};

export default function UserResetPage() {
  const { t } = usePageStrings('user-reset', S);
  const [params] = useSearchParams();
  const email = params.get('email') ?? '';
  const token = params.get('token') ?? '';
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [copied, setCopied] = useState(false);

  const submit = async () => {
    setBusy(true);
    setError('');
    try {
      setPassword(await post<string>('/api/user/reset', { email, token }, { inline: true, allow401: true }));
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card withBorder padding="xl" radius="lg" aria-labelledby="user-reset-title">
      <Stack>
        <Title order={2} id="user-reset-title">
          {t('title')}
        </Title>
        {!email || !token ? (
          <>
            <Alert color="yellow" role="alert">
              {t('badLink')}
            </Alert>
            <Button component={Link} to="/reset" variant="default">
              {t('newLink')}
            </Button>
          </>
        ) : password ? (
          <>
            <Text size="sm">{t('done')}</Text>
            <Group gap="xs" wrap="nowrap">
              <Code fz="lg" p="xs" data-testid="new-password" style={{ flex: 1, wordBreak: 'break-all' }}>
                {password}
              </Code>
              <Button variant="default" onClick={() => void copyText(password).then(setCopied)} leftSection={copied ? <IconCheck size={16} /> : <IconCopy size={16} />}>
                {copied ? t('copied') : t('copy')}
              </Button>
            </Group>
            <Text size="sm" c="dimmed">
              {t('doneHint')}
            </Text>
            <Button component={Link} to="/login?reset=1">
              {t('login')}
            </Button>
          </>
        ) : (
          <>
            <Text size="sm" c="dimmed">
              {t('intro', { email })}
            </Text>
            <InlineError message={error} />
            <Button onClick={() => void submit()} loading={busy} size="md">
              {t('submit')}
            </Button>
            {error && (
              <Anchor component={Link} to="/reset" size="sm" ta="center">
                {t('newLink')}
              </Anchor>
            )}
          </>
        )}
      </Stack>
    </Card>
  );
}
