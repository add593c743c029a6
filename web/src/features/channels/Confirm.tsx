// A confirmation dialog for the channel page's destructive actions: the question, the error in
// place when the action fails (the dialog stays open), a busy state while it runs.
import { Button, Group, Modal, Stack, Text } from '@mantine/core';
import { useState, type ReactNode } from 'react';
import { InlineError } from '../../components/Page';
import { useChannelStrings } from './strings';

export interface ConfirmAsk {
  message: ReactNode;
  action: string;
  color?: string;
  run: () => Promise<unknown>;
}

export function Confirm({ ask, onClose }: { ask: ConfirmAsk | null; onClose: () => void }) {
  const { t } = useChannelStrings();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const close = () => {
    setError('');
    onClose();
  };
  const go = async () => {
    if (!ask) return;
    setBusy(true);
    setError('');
    try {
      await ask.run();
      close();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal opened={ask !== null} onClose={close} title={t('action.confirm')} centered zIndex={350}>
      <Stack>
        <InlineError message={error} />
        {typeof ask?.message === 'string' ? <Text>{ask.message}</Text> : ask?.message}
        <Group justify="flex-end">
          <Button variant="default" onClick={close}>{t('action.cancel')}</Button>
          <Button color={ask?.color ?? 'red'} loading={busy} onClick={() => void go()} data-testid="confirm-action" data-autofocus>
            {ask?.action}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
