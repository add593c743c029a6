// Showing a channel's key (root only): POST /api/channel/{id}/key behind the secure
// verification dialog; the key is shown in a dialog with a copy button, never kept.
import { Alert, Button, Code, Group, Modal, Stack } from '@mantine/core';
import { IconCopy } from '@tabler/icons-react';
import { useState, type ReactNode } from 'react';
import { post, reportError } from '../../api/client';
import { copyText } from '../../components/Page';
import { isCancelled, useSecureVerification } from '../../components/SecureVerify';
import { useChannelStrings } from './strings';

export function useKeyReveal(): { reveal: (ch: { id: number; name: string }) => Promise<void>; ui: ReactNode } {
  const { t } = useChannelStrings();
  const { guard, modal } = useSecureVerification();
  const [shown, setShown] = useState<{ name: string; key: string } | null>(null);

  const reveal = async (ch: { id: number; name: string }) => {
    try {
      const data = await guard(() => post<{ key: string }>(`/api/channel/${ch.id}/key`, {}, { inline: true }));
      setShown({ name: ch.name, key: data.key });
    } catch (e) {
      if (!isCancelled(e)) reportError(e);
    }
  };

  const ui = (
    <>
      {modal}
      <Modal opened={shown !== null} onClose={() => setShown(null)} title={t('key.title', { name: shown?.name ?? '' })} centered size="lg" zIndex={400}>
        <Stack>
          <Alert color="orange">{t('key.warning')}</Alert>
          <Code block data-testid="revealed-key" style={{ wordBreak: 'break-all', whiteSpace: 'pre-wrap', maxHeight: 320, overflow: 'auto' }}>
            {shown?.key}
          </Code>
          <Group justify="flex-end">
            <Button leftSection={<IconCopy size={16} />} onClick={() => void copyText(shown?.key ?? '')}>{t('action.copy')}</Button>
            <Button variant="default" onClick={() => setShown(null)}>{t('action.close')}</Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
  return { reveal, ui };
}
