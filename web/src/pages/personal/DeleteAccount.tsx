// "Delete my account": DELETE /api/user/self behind a dialog that asks for the username; the
// server refuses it for root. Afterwards the session is gone: back to the login page.
import { Button, Group, Modal, Stack, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconTrash } from '@tabler/icons-react';
import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { del } from '../../api/client';
import { useAppState } from '../../api/session';
import { ROLE_ROOT } from '../../api/types';
import { InlineError } from '../../components/Page';
import { usePageStrings } from '../../lib/i18n';
import { S, message, type SelfUser } from './strings';

export function DeleteAccount({ me }: { me: SelfUser }) {
  const { t } = usePageStrings('personal', S);
  const { setUser } = useAppState();
  const navigate = useNavigate();
  const [open, setOpen] = useState(false);
  const [name, setName] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const root = me.role >= ROLE_ROOT;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      await del('/api/user/self', { inline: true });
      notifications.show({ color: 'teal', message: t('deleted') });
      setUser(null);
      void navigate('/login', { replace: true });
    } catch (err) {
      setError(message(err));
      setBusy(false);
    }
  };

  return (
    <Stack>
      <Text size="sm" c="dimmed">{root ? t('rootNoDelete') : t('dangerHint')}</Text>
      <Group justify="flex-end">
        <Button color="red" variant="light" leftSection={<IconTrash size={16} />} disabled={root} onClick={() => setOpen(true)}>
          {t('deleteAccount')}
        </Button>
      </Group>
      <Modal opened={open} onClose={() => setOpen(false)} title={t('dangerTitle')} centered>
        <form onSubmit={submit}>
          <Stack>
            <Text size="sm">{t('dangerHint')}</Text>
            <InlineError message={error} />
            <TextInput
              label={t('deleteAsk', { name: me.username })}
              value={name}
              onChange={(e) => setName(e.currentTarget.value)}
              autoComplete="off"
              data-autofocus
            />
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setOpen(false)}>{t('action.cancel')}</Button>
              <Button type="submit" color="red" loading={busy} disabled={name !== me.username}>{t('deleteAccount')}</Button>
            </Group>
          </Stack>
        </form>
      </Modal>
    </Stack>
  );
}
