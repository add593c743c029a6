// Two-factor authentication (TOTP): its status (GET /api/user/2fa/status), enrolment
// (POST /api/user/2fa/setup: QR code, key for manual entry, backup codes; then /enable with a
// code), turning it off (/disable: a code or a backup code) and new backup codes (/backup_codes).
import { ActionIcon, Alert, Badge, Button, Code, Group, Loader, Modal, SimpleGrid, Stack, Text, TextInput, Tooltip } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconCopy, IconDownload, IconShieldCheck } from '@tabler/icons-react';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { post } from '../../api/client';
import { useRequest } from '../../api/hooks';
import { InlineError, copyText } from '../../components/Page';
import { usePageStrings } from '../../lib/i18n';
import { QrCode } from './QrCode';
import { S, message } from './strings';

interface Status {
  enabled: boolean;
  locked: boolean;
  backup_codes_remaining?: number;
}

interface Setup {
  secret: string;
  qr_code_data: string;
  backup_codes: string[];
}

type Dialog = 'setup' | 'disable' | 'regen' | null;

export function TwoFactor({ username }: { username: string }) {
  const { t } = usePageStrings('personal', S);
  const status = useRequest<Status>('/api/user/2fa/status');
  const [dialog, setDialog] = useState<Dialog>(null);
  const on = status.data?.enabled ?? false;
  const done = (msg: string) => {
    setDialog(null);
    notifications.show({ color: 'teal', message: msg });
    status.reload();
  };

  return (
    <Stack>
      <Group justify="space-between" wrap="nowrap">
        <Text size="sm" c="dimmed">{t('twofaHint')}</Text>
        {status.loading && !status.data ? (
          <Loader size="xs" aria-label={t('table.loading')} />
        ) : (
          status.data && (
            <Badge color={on ? 'teal' : 'gray'} variant="light" data-testid="twofa-status" style={{ flex: 'none' }}>
              {on ? t('twofaOn') : t('twofaOff')}
            </Badge>
          )
        )}
      </Group>
      <InlineError message={status.error} onRetry={status.reload} />
      {status.data?.locked && <Alert color="orange">{t('twofaLocked')}</Alert>}
      {on && <Text size="sm" data-testid="backup-left">{t('backupLeft', { count: status.data?.backup_codes_remaining ?? 0 })}</Text>}
      {status.data && (
        <Group justify="flex-end" gap="xs">
          {on ? (
            <>
              <Button variant="default" onClick={() => setDialog('regen')}>{t('regenCodes')}</Button>
              <Button color="red" variant="light" onClick={() => setDialog('disable')}>{t('disable2fa')}</Button>
            </>
          ) : (
            <Button leftSection={<IconShieldCheck size={16} />} onClick={() => setDialog('setup')}>{t('setup')}</Button>
          )}
        </Group>
      )}
      <Modal opened={dialog === 'setup'} onClose={() => setDialog(null)} title={t('setupTitle')} centered size="lg">
        {dialog === 'setup' && <SetupForm username={username} onDone={() => done(t('enabled2fa'))} />}
      </Modal>
      <Modal opened={dialog === 'disable'} onClose={() => setDialog(null)} title={t('disableTitle')} centered>
        {dialog === 'disable' && (
          <CodeForm
            hint={t('disableHint')}
            label={t('codeOrBackup')}
            action={t('disable2fa')}
            color="red"
            run={(code) => post('/api/user/2fa/disable', { code }, { inline: true }).then(() => done(t('disabled2fa')))}
          />
        )}
      </Modal>
      <Modal opened={dialog === 'regen'} onClose={() => setDialog(null)} title={t('regenTitle')} centered>
        {dialog === 'regen' && <Regenerate username={username} onDone={status.reload} />}
      </Modal>
    </Stack>
  );
}

function CodeForm(props: { hint: string; label: string; action: string; color?: string; run: (code: string) => Promise<unknown> }) {
  const [code, setCode] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      await props.run(code.trim());
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit}>
      <Stack>
        <Text size="sm">{props.hint}</Text>
        <InlineError message={error} />
        <TextInput
          label={props.label}
          required
          value={code}
          onChange={(e) => setCode(e.currentTarget.value)}
          autoComplete="one-time-code"
          spellCheck={false}
          data-autofocus
        />
        <Group justify="flex-end">
          <Button type="submit" color={props.color} loading={busy} disabled={!code.trim()}>{props.action}</Button>
        </Group>
      </Stack>
    </form>
  );
}

function BackupCodes({ codes, username }: { codes: string[]; username: string }) {
  const { t } = usePageStrings('personal', S);
  const text = codes.join('\n');
  const download = () => {
    const url = URL.createObjectURL(new Blob([text + '\n'], { type: 'text/plain' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `backup-codes-${username}.txt`;
    a.click();
    URL.revokeObjectURL(url);
  };
  return (
    <Stack gap="xs">
      <SimpleGrid cols={2} spacing={4} data-testid="backup-codes">
        {codes.map((c) => (
          <Code key={c} ta="center" fz="sm">{c}</Code>
        ))}
      </SimpleGrid>
      <Group gap="xs">
        <Button size="xs" variant="default" leftSection={<IconCopy size={14} />} onClick={() => void copyText(text)}>{t('copyCodes')}</Button>
        <Button size="xs" variant="default" leftSection={<IconDownload size={14} />} onClick={download}>{t('downloadCodes')}</Button>
      </Group>
    </Stack>
  );
}

function SetupForm({ username, onDone }: { username: string; onDone: () => void }) {
  const { t } = usePageStrings('personal', S);
  const [setup, setSetup] = useState<Setup | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(true);

  const start = async () => {
    setBusy(true);
    setError('');
    try {
      setSetup(await post<Setup>('/api/user/2fa/setup', {}, { inline: true }));
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(false);
    }
  };

  // the dialog opens on a fresh secret (once, also under React's double effects in development)
  const started = useRef(false);
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    void start();
  }, []);

  if (!setup) {
    return (
      <Stack>
        <InlineError message={error} />
        {busy ? (
          <Loader size="sm" aria-label={t('table.loading')} />
        ) : (
          <Group justify="flex-end">
            <Button onClick={() => void start()}>{t('action.retry')}</Button>
          </Group>
        )}
      </Stack>
    );
  }
  return (
    <Stack>
      <Text size="sm">{t('step1')}</Text>
      <Group align="flex-start" gap="md">
        <QrCode value={setup.qr_code_data} label={t('qrLabel')} />
        <Stack gap={4} style={{ flex: 1, minWidth: 180 }}>
          <Text size="sm">{t('manual')}</Text>
          <Group gap={4} wrap="nowrap">
            <Code style={{ wordBreak: 'break-all' }} aria-label={t('secretLabel')} data-testid="twofa-secret">{setup.secret}</Code>
            <Tooltip label={t('copySecret')}>
              <ActionIcon variant="subtle" aria-label={t('copySecret')} onClick={() => void copyText(setup.secret)}>
                <IconCopy size={16} />
              </ActionIcon>
            </Tooltip>
          </Group>
        </Stack>
      </Group>
      <Text size="sm">{t('step2')}</Text>
      <BackupCodes codes={setup.backup_codes} username={username} />
      <CodeForm
        hint={t('step3')}
        label={t('code')}
        action={t('enable2fa')}
        run={(code) => post('/api/user/2fa/enable', { code }, { inline: true }).then(onDone)}
      />
    </Stack>
  );
}

function Regenerate({ username, onDone }: { username: string; onDone: () => void }) {
  const { t } = usePageStrings('personal', S);
  const [codes, setCodes] = useState<string[] | null>(null);
  if (codes) {
    return (
      <Stack>
        <Text size="sm">{t('newCodes')}</Text>
        <BackupCodes codes={codes} username={username} />
      </Stack>
    );
  }
  return (
    <CodeForm
      hint={t('regenHint')}
      label={t('code')}
      action={t('makeCodes')}
      run={async (code) => {
        const data = await post<{ backup_codes: string[] }>('/api/user/2fa/backup_codes', { code }, { inline: true });
        setCodes(data.backup_codes);
        onDone();
      }}
    />
  );
}
