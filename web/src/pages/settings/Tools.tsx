// The settings page's one-off actions: reset ModelRatio to the built-in table
// (POST /api/option/rest_model_ratio), move the legacy console options into console_setting.*
// (POST /api/option/migrate_console_setting) and delete old logs (DELETE /api/log/?target_
// timestamp=), each behind a confirmation that shows the server's error in place.
import { Button, Divider, Group, Stack, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useState } from 'react';
import { del, post } from '../../api/client';
import { ConfirmModal, type ConfirmRequest } from '../../components/ConfirmModal';
import { usePageStrings } from '../../lib/i18n';
import { formatTime, fromLocalInput, nowUnix, toLocalInput } from '../../lib/time';
import { S } from './strings';

export function ResetModelRatio({ onDone }: { onDone: () => void }) {
  const { t } = usePageStrings('settings', S);
  const [confirm, setConfirm] = useState<ConfirmRequest | null>(null);
  const ask = () =>
    setConfirm({
      message: t('reset.confirm'),
      action: t('reset.button'),
      run: async () => {
        await post('/api/option/rest_model_ratio', {}, { inline: true });
        notifications.show({ color: 'teal', message: t('reset.done') });
        onDone();
      },
    });
  return (
    <>
      <Divider />
      <Group justify="space-between" wrap="wrap" gap="xs">
        <Text size="sm" c="dimmed">
          {t('reset.hint')}
        </Text>
        <Button variant="light" color="red" onClick={ask}>
          {t('reset.button')}
        </Button>
      </Group>
      <ConfirmModal request={confirm} onClose={() => setConfirm(null)} />
    </>
  );
}

export function LogCleanup() {
  const { t } = usePageStrings('settings', S);
  const [when, setWhen] = useState(() => toLocalInput(nowUnix() - 30 * 86400));
  const [confirm, setConfirm] = useState<ConfirmRequest | null>(null);
  const [result, setResult] = useState('');
  const target = fromLocalInput(when);
  const valid = Number.isFinite(target) && target > 0;
  const ask = () =>
    setConfirm({
      message: t('cleanup.confirm', { time: formatTime(target) }),
      action: t('cleanup.button'),
      run: async () => {
        const count = await del<number>('/api/log/', { query: { target_timestamp: target }, inline: true });
        setResult(t('cleanup.done', { count }));
      },
    });
  return (
    <>
      <Divider label={t('cleanup.title')} labelPosition="left" />
      <Stack gap="xs">
        <Group align="flex-end" gap="sm" wrap="wrap">
          <TextInput
            type="datetime-local"
            label={t('cleanup.before')}
            value={when}
            onChange={(e) => {
              setWhen(e.currentTarget.value);
              setResult('');
            }}
            error={valid ? undefined : t('cleanup.invalid')}
          />
          <Button color="red" variant="light" disabled={!valid} onClick={ask}>
            {t('cleanup.button')}
          </Button>
        </Group>
        {result && (
          <Text size="sm" c="teal" role="status" data-testid="cleanup-result">
            {result}
          </Text>
        )}
      </Stack>
      <ConfirmModal request={confirm} onClose={() => setConfirm(null)} />
    </>
  );
}

/** The options new-api's older consoles kept the panels in (moved by the migration). */
export const LEGACY_CONSOLE_KEYS = ['ApiInfo', 'Announcements', 'FAQ', 'UptimeKumaUrl', 'UptimeKumaSlug'];

export function MigrateConsole({ onDone }: { onDone: () => void }) {
  const { t } = usePageStrings('settings', S);
  const [confirm, setConfirm] = useState<ConfirmRequest | null>(null);
  const ask = () =>
    setConfirm({
      message: t('migrate.confirm'),
      action: t('migrate.button'),
      color: 'blue',
      run: async () => {
        await post('/api/option/migrate_console_setting', {}, { inline: true });
        notifications.show({ color: 'teal', message: t('migrate.done') });
        onDone();
      },
    });
  return (
    <>
      <Group justify="space-between" wrap="wrap" gap="xs">
        <Text size="sm" c="dimmed">
          {t('migrate.hint')}
        </Text>
        <Button variant="light" onClick={ask}>
          {t('migrate.button')}
        </Button>
      </Group>
      <ConfirmModal request={confirm} onClose={() => setConfirm(null)} />
    </>
  );
}
