// Password reset, step 1 (/reset): an email address -> GET /api/reset_password?email= (with
// ?turnstile= when Turnstile is on). The answer is the same whether or not the address has an
// account, and so is what the page says.
import { Alert, Anchor, Button, Card, Stack, Text, TextInput, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { get } from '../api/client';
import { useAppState } from '../api/session';
import { Turnstile } from '../components/auth/turnstile';
import { InlineError } from '../components/Page';
import { usePageStrings } from '../lib/i18n';

const S = {
  en: {
    title: 'Reset your password',
    intro: 'Type the email address of your account. We mail you a link that sets a new password.',
    email: 'Email',
    submit: 'Send the reset link',
    sent: 'If {{email}} belongs to an account, a mail with a reset link is on its way. The link works once, for 10 minutes. Check your spam folder too.',
    again: 'Send again',
    waitTurnstile: 'The anti-bot check is still running; try again in a few seconds.',
    back: 'Back to login',
  },
  zh: {
    title: '重置密码',
    intro: '输入账户的邮箱地址，我们会发送一封包含重置链接的邮件。',
    email: '邮箱',
    submit: '发送重置链接',
    sent: '如果 {{email}} 对应某个账户，重置邮件已发出。链接仅可使用一次，10 分钟内有效。也请检查垃圾邮件。',
    again: '重新发送',
    waitTurnstile: '人机验证仍在进行，请几秒后重试。',
    back: '返回登录',
  },
};

export default function ResetPage() {
  const { t } = usePageStrings('reset', S);
  const { status } = useAppState();
  const [email, setEmail] = useState('');
  const [turnstile, setTurnstile] = useState('');
  const [sent, setSent] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (status?.turnstile_check && !turnstile) return setError(t('waitTurnstile'));
    setBusy(true);
    setError('');
    try {
      const address = email.trim();
      await get('/api/reset_password', { email: address, turnstile }, { inline: true });
      setSent(address);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card withBorder padding="xl" radius="lg" component="form" onSubmit={(e: FormEvent) => void submit(e)} aria-labelledby="reset-title">
      <Stack>
        <Title order={2} id="reset-title">
          {t('title')}
        </Title>
        {sent ? (
          <Alert color="green" role="status" data-testid="reset-sent">
            {t('sent', { email: sent })}
          </Alert>
        ) : (
          <Text size="sm" c="dimmed">
            {t('intro')}
          </Text>
        )}
        <InlineError message={error} />
        <TextInput label={t('email')} type="email" value={email} onChange={(e) => setEmail(e.currentTarget.value)} required autoComplete="email" autoFocus />
        <Turnstile status={status} onToken={setTurnstile} />
        <Button type="submit" loading={busy} size="md" variant={sent ? 'default' : 'filled'}>
          {sent ? t('again') : t('submit')}
        </Button>
        <Anchor component={Link} to="/login" size="sm" ta="center">
          {t('back')}
        </Anchor>
      </Stack>
    </Card>
  );
}
