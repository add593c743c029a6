// The passkey: status (GET /api/user/passkey), register (POST .../register/begin, the browser
// makes the credential, .../register/finish) and remove (DELETE /api/user/passkey). Both need a
// fresh secure verification when the server asks for one (403 VERIFICATION_REQUIRED): the
// shared dialog opens and the call runs again.
import { Alert, Badge, Button, Group, Loader, Stack, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconFingerprint } from '@tabler/icons-react';
import { useState } from 'react';
import { del, post } from '../../api/client';
import { useRequest } from '../../api/hooks';
import { useAppState } from '../../api/session';
import { ConfirmModal, type ConfirmRequest } from '../../components/ConfirmModal';
import { InlineError } from '../../components/Page';
import { isCancelled, useSecureVerification } from '../../components/SecureVerify';
import { usePageStrings } from '../../lib/i18n';
import { formatTime } from '../../lib/time';
import { passkeysSupported } from '../../lib/webauthn';
import { createPasskey } from './passkeyCreate';
import { S, message } from './strings';

interface Status {
  enabled: boolean;
  last_used_at?: string | null;
}

export function Passkey() {
  const { t } = usePageStrings('personal', S);
  const { status: system } = useAppState();
  const status = useRequest<Status>('/api/user/passkey');
  const { guard, modal } = useSecureVerification();
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [confirm, setConfirm] = useState<ConfirmRequest | null>(null);
  const switchedOn = system?.passkey_login === true;
  const has = status.data?.enabled ?? false;

  const register = async () => {
    setBusy(true);
    setError('');
    try {
      type Begin = { options: { publicKey: Parameters<typeof createPasskey>[0] } };
      const begin = await guard(() => post<Begin>('/api/user/passkey/register/begin', {}, { inline: true }));
      let credential: Record<string, unknown>;
      try {
        credential = await createPasskey(begin.options.publicKey);
      } catch (err) {
        throw new Error(err instanceof DOMException && err.name === 'NotAllowedError' ? t('passkeyCancelled') : message(err));
      }
      await guard(() => post('/api/user/passkey/register/finish', credential, { inline: true }));
      notifications.show({ color: 'teal', message: t('passkeyAdded') });
      status.reload();
    } catch (err) {
      if (!isCancelled(err)) setError(message(err));
    } finally {
      setBusy(false);
    }
  };

  const remove = () =>
    setConfirm({
      message: t('removePasskeyAsk'),
      action: t('removePasskey'),
      run: async () => {
        try {
          await guard(() => del('/api/user/passkey', { inline: true }));
        } catch (err) {
          if (isCancelled(err)) return;
          throw err;
        }
        notifications.show({ color: 'teal', message: t('passkeyRemoved') });
        status.reload();
      },
    });

  const lastUsed = status.data?.last_used_at ? formatTime(Date.parse(status.data.last_used_at) / 1000) : t('never');
  return (
    <Stack>
      <Group justify="space-between" wrap="nowrap">
        <Text size="sm" c="dimmed">{t('passkeyHint')}</Text>
        {status.data && (
          <Badge color={has ? 'teal' : 'gray'} variant="light" style={{ flex: 'none' }} data-testid="passkey-status">
            {has ? t('bound') : t('notBound')}
          </Badge>
        )}
      </Group>
      <InlineError message={status.error} onRetry={status.reload} />
      <InlineError message={error} />
      {status.loading && !status.data && <Loader size="xs" aria-label={t('table.loading')} />}
      {status.data && (
        <Text size="sm">{has ? t('passkeyLast', { when: lastUsed }) : t('passkeyNone')}</Text>
      )}
      {!switchedOn && <Alert color="gray">{t('passkeyOff')}</Alert>}
      {switchedOn && !passkeysSupported() && <Alert color="orange">{t('noPasskeySupport')}</Alert>}
      {status.data && (
        <Group justify="flex-end">
          {has ? (
            <Button color="red" variant="light" onClick={remove}>{t('removePasskey')}</Button>
          ) : (
            <Button
              leftSection={<IconFingerprint size={16} />}
              loading={busy}
              disabled={!switchedOn || !passkeysSupported()}
              onClick={() => void register()}
            >
              {t('registerPasskey')}
            </Button>
          )}
        </Group>
      )}
      <ConfirmModal request={confirm} onClose={() => setConfirm(null)} />
      {modal}
    </Stack>
  );
}
