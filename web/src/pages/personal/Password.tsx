// Changing the password: PUT /api/user/self {original_password, password} as new-api's console
// sends it. The server ends the other sessions and revokes the access token; this one stays.
import { Alert, Button, Group, PasswordInput, Stack, Text } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { put } from '../../api/client';
import { InlineError } from '../../components/Page';
import { usePageStrings } from '../../lib/i18n';
import { S, message } from './strings';

export function Password() {
  const { t } = usePageStrings('personal', S);
  const [original, setOriginal] = useState('');
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [error, setError] = useState('');
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError('');
    setDone(false);
    if (password !== repeat) {
      setError(t('mismatch'));
      return;
    }
    setBusy(true);
    try {
      await put('/api/user/self', { original_password: original, password }, { inline: true });
      setOriginal('');
      setPassword('');
      setRepeat('');
      setDone(true);
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit}>
      <Stack>
        <Text size="sm" c="dimmed">{t('passwordNote')}</Text>
        <InlineError message={error} />
        {done && (
          <Alert color="teal" role="status" withCloseButton onClose={() => setDone(false)} data-testid="password-changed">
            {t('passwordChanged')}
          </Alert>
        )}
        <PasswordInput label={t('oldPassword')} description={t('oldPasswordHint')} value={original} onChange={(e) => setOriginal(e.currentTarget.value)} autoComplete="current-password" />
        <PasswordInput
          label={t('newPassword')}
          description={t('newPasswordHint')}
          required
          minLength={8}
          maxLength={20}
          value={password}
          onChange={(e) => setPassword(e.currentTarget.value)}
          autoComplete="new-password"
        />
        <PasswordInput
          label={t('repeatPassword')}
          required
          value={repeat}
          onChange={(e) => setRepeat(e.currentTarget.value)}
          autoComplete="new-password"
          error={repeat && password !== repeat ? t('mismatch') : undefined}
        />
        <Group justify="flex-end">
          <Button type="submit" loading={busy}>{t('changePassword')}</Button>
        </Group>
      </Stack>
    </form>
  );
}
