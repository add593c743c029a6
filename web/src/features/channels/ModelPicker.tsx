// Choosing among the models a provider lists (or the type's known models): a searchable
// checklist, everything not yet on the channel ticked; add them, or replace the list.
import { Button, Checkbox, Group, Modal, ScrollArea, Stack, Text, TextInput } from '@mantine/core';
import { IconSearch } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { useChannelStrings } from './strings';

export function ModelPicker(props: {
  models: string[] | null;
  current: string[];
  onClose: () => void;
  onPick: (models: string[], replace: boolean) => void;
}) {
  const { t } = useChannelStrings();
  const [picked, setPicked] = useState<Set<string>>(new Set());
  const [query, setQuery] = useState('');
  const { models } = props;

  useEffect(() => {
    if (!models) return;
    setQuery('');
    setPicked(new Set(models));
  }, [models]);

  const shown = (models ?? []).filter((m) => m.toLowerCase().includes(query.trim().toLowerCase()));
  const toggle = (m: string) => {
    const next = new Set(picked);
    if (next.has(m)) next.delete(m);
    else next.add(m);
    setPicked(next);
  };
  const all = shown.length > 0 && shown.every((m) => picked.has(m));
  const list = (models ?? []).filter((m) => picked.has(m));

  return (
    <Modal opened={models !== null} onClose={props.onClose} title={t('models.pickTitle', { count: models?.length ?? 0 })} centered size="lg" zIndex={300}>
      <Stack gap="sm">
        <TextInput aria-label={t('models.filter')} placeholder={t('models.filter')} leftSection={<IconSearch size={16} />} value={query} onChange={(e) => setQuery(e.currentTarget.value)} />
        <Checkbox
          label={t('models.pickAll', { count: shown.length })}
          checked={all}
          indeterminate={!all && shown.some((m) => picked.has(m))}
          onChange={() => {
            const next = new Set(picked);
            shown.forEach((m) => (all ? next.delete(m) : next.add(m)));
            setPicked(next);
          }}
        />
        <ScrollArea.Autosize mah={320} type="auto">
          <Stack gap={6} data-testid="model-picker">
            {shown.map((m) => (
              <Checkbox
                key={m}
                label={
                  <Group gap={6} wrap="nowrap">
                    <Text size="sm" ff="monospace">{m}</Text>
                    {props.current.includes(m) && <Text size="xs" c="dimmed">{t('models.already')}</Text>}
                  </Group>
                }
                checked={picked.has(m)}
                onChange={() => toggle(m)}
              />
            ))}
            {shown.length === 0 && <Text c="dimmed" size="sm">{t('table.empty')}</Text>}
          </Stack>
        </ScrollArea.Autosize>
        <Group justify="flex-end" gap="xs">
          <Button variant="default" onClick={props.onClose}>{t('action.cancel')}</Button>
          <Button variant="light" disabled={list.length === 0} onClick={() => props.onPick(list, true)}>{t('models.replace', { count: list.length })}</Button>
          <Button disabled={list.length === 0} onClick={() => props.onPick(list, false)} data-testid="models-add">{t('models.add', { count: list.length })}</Button>
        </Group>
      </Stack>
    </Modal>
  );
}
