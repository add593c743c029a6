// The access token for scripts: GET /api/user/token makes a new one (the old one stops working);
// it is shown once, with a copy button.
import { ActionIcon, Alert, Button, Code, Group, Stack, Text, Tooltip } from '@mantine/core';
import { IconCopy, IconKey } from '@tabler/icons-react';
import { useState } from 'react';
import { get } from '../../api/client';
import { InlineError, copyText } from '../../components/Page';
import { usePageStrings } from '../../lib/i18n';
import { S, message } from './strings';

export function AccessToken({ userId }: { userId: number }) {
  const { t } = usePageStrings('personal', S);
  const [token, setToken] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const generate = async () => {
    setBusy(true);
    setError('');
    try {
      setToken(await get<string>('/api/user/token', undefined, { inline: true }));
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Stack>
      <Text size="sm" c="dimmed">{t('tokenHint', { id: userId })}</Text>
      <Alert color="orange" variant="light">{t('tokenWarn')}</Alert>
      <InlineError message={error} />
      {token && (
        <Stack gap={4}>
          <Text size="sm" fw={500}>{t('tokenOnce')}</Text>
          <Group gap={4} wrap="nowrap">
            <Code style={{ wordBreak: 'break-all' }} data-testid="access-token">{token}</Code>
            <Tooltip label={t('copyToken')}>
              <ActionIcon variant="subtle" aria-label={t('copyToken')} onClick={() => void copyText(token)}>
                <IconCopy size={16} />
              </ActionIcon>
            </Tooltip>
          </Group>
        </Stack>
      )}
      <Group justify="flex-end">
        <Button variant="light" leftSection={<IconKey size={16} />} loading={busy} onClick={() => void generate()}>
          {token ? t('regenerate') : t('generate')}
        </Button>
      </Group>
    </Stack>
  );
}
