// A confirmation dialog for destructive or irreversible actions: the question, the API error in
// place when the action fails (the dialog stays open), and a busy state while it runs.
import { Button, Group, Modal, Stack, Text } from '@mantine/core';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { InlineError } from './Page';

export interface ConfirmRequest {
  message: ReactNode;
  /** the button's label (default: Confirm) */
  action?: string;
  color?: string;
  /** runs the action; a thrown error is shown in the dialog */
  run: () => Promise<unknown>;
}

export function ConfirmModal({ request, onClose }: { request: ConfirmRequest | null; onClose: () => void }) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const close = () => {
    setError('');
    onClose();
  };
  const go = async () => {
    if (!request) return;
    setBusy(true);
    setError('');
    try {
      await request.run();
      close();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal opened={request !== null} onClose={close} title={t('action.confirm')} centered>
      <Stack>
        <InlineError message={error} />
        {typeof request?.message === 'string' ? <Text>{request.message}</Text> : request?.message}
        <Group justify="flex-end">
          <Button variant="default" onClick={close}>{t('action.cancel')}</Button>
          <Button color={request?.color ?? 'red'} loading={busy} onClick={() => void go()} data-testid="confirm-action" data-autofocus>
            {request?.action ?? t('action.confirm')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
