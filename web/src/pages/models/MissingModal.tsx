// Models an enabled channel serves that have no metadata yet (GET /api/models/missing): add one
// (opens the form prefilled) or add them all with defaults.
import { Alert, Button, Group, Modal, ScrollArea, Stack, Table, Text } from '@mantine/core';
import { useState } from 'react';
import { post } from '../../api/client';
import { InlineError } from '../../components/Page';
import { usePageStrings } from '../../lib/i18n';
import { S } from './strings';

interface Props {
  opened: boolean;
  missing: string[] | undefined;
  error: string;
  onClose: () => void;
  onAdd: (name: string) => void;
  onAdded: (count: number) => void;
}

export function MissingModal({ opened, missing, error, onClose, onAdd, onAdded }: Props) {
  const { t } = usePageStrings('models', S);
  const [busy, setBusy] = useState(false);
  const [addError, setAddError] = useState('');
  const names = missing ?? [];
  const addAll = async () => {
    setBusy(true);
    setAddError('');
    let added = 0;
    try {
      for (const name of names) {
        await post('/api/models/', { model_name: name }, { inline: true });
        added += 1;
      }
    } catch (e) {
      setAddError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
      if (added) onAdded(added);
    }
  };
  return (
    <Modal opened={opened} onClose={onClose} title={t('missingTitle')} centered size="lg">
      <Stack>
        <Text size="sm" c="dimmed">{t('missingHint')}</Text>
        <InlineError message={error || addError} />
        {missing && names.length === 0 && <Alert color="teal">{t('missingNone')}</Alert>}
        {names.length > 0 && (
          <ScrollArea.Autosize mah={360}>
            <Table striped verticalSpacing={4}>
              <Table.Tbody>
                {names.map((name) => (
                  <Table.Tr key={name}>
                    <Table.Td><Text size="sm">{name}</Text></Table.Td>
                    <Table.Td ta="right">
                      <Button size="compact-sm" variant="light" onClick={() => onAdd(name)} aria-label={t('addThis', { name })}>{t('action.create')}</Button>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </ScrollArea.Autosize>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>{t('action.close')}</Button>
          {names.length > 0 && <Button onClick={() => void addAll()} loading={busy}>{t('addAll', { count: names.length })}</Button>}
        </Group>
      </Stack>
    </Modal>
  );
}
