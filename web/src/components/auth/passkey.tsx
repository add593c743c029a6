// "Log in with a passkey" on the login page, shown when /api/status says passkey_login:
// POST /api/user/passkey/login/begin, the browser's passkey prompt (navigator.credentials.get,
// discoverable: no user name asked), POST /api/user/passkey/login/finish -> the login answer.
import { Alert, Button, Stack } from '@mantine/core';
import { IconFingerprint } from '@tabler/icons-react';
import { useState } from 'react';
import { post, type StoredUser } from '../../api/client';
import { usePageStrings } from '../../lib/i18n';
import { ceremonyCancelled, getAssertion, passkeysSupported } from '../../lib/webauthn';
import { InlineError } from '../Page';
import type { AuthHookProps } from './types';

const S = {
  en: {
    button: 'Log in with a passkey',
    unsupported: 'This browser cannot use passkeys on this address (passkeys need HTTPS or localhost).',
    cancelled: 'The passkey prompt was closed or timed out. Try again when ready.',
  },
  zh: {
    button: '使用通行密钥登录',
    unsupported: '此浏览器无法在当前地址使用通行密钥（需要 HTTPS 或 localhost）。',
    cancelled: '通行密钥验证已取消或超时，请重试。',
  },
};

interface BeginAnswer {
  options: { publicKey: Parameters<typeof getAssertion>[0] };
}

export function PasskeyLogin({ status, onLoggedIn }: AuthHookProps) {
  const { t } = usePageStrings('auth-passkey', S);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  if (!status?.passkey_login) return null;
  const supported = passkeysSupported() && window.isSecureContext;

  const run = async () => {
    setBusy(true);
    setError('');
    try {
      const begin = await post<BeginAnswer>('/api/user/passkey/login/begin', {}, { inline: true, allow401: true });
      const assertion = await getAssertion(begin.options.publicKey);
      const user = await post<StoredUser>('/api/user/passkey/login/finish', assertion, { inline: true, allow401: true });
      onLoggedIn(user);
    } catch (e) {
      setError(ceremonyCancelled(e) ? t('cancelled') : e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Stack gap="xs" data-testid="passkey-login">
      <InlineError message={error} />
      {supported ? (
        <Button variant="default" leftSection={<IconFingerprint size={18} />} loading={busy} onClick={() => void run()}>
          {t('button')}
        </Button>
      ) : (
        <Alert color="gray">{t('unsupported')}</Alert>
      )}
    </Stack>
  );
}
