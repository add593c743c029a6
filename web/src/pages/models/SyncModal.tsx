// Sync from the upstream catalogue: preview (GET /api/models/sync_upstream/preview: new models,
// per-field differences), tick the fields to overwrite, apply (POST /api/models/sync_upstream).
import { Alert, Badge, Button, Checkbox, Code, Group, Modal, ScrollArea, Select, Stack, Table, Text } from '@mantine/core';
import { useState } from 'react';
import { get, post } from '../../api/client';
import { InlineError } from '../../components/Page';
import { currentLanguage, usePageStrings } from '../../lib/i18n';
import { S } from './strings';

interface Conflict {
  model_name: string;
  fields: { field: string; local: unknown; upstream: unknown }[];
}
interface Preview {
  missing: string[];
  conflicts: Conflict[];
  source: { locale: string; models_url: string; vendors_url: string };
}
interface Result {
  created_models: number;
  created_vendors: number;
  updated_models: number;
}

const show = (v: unknown) => (v === '' || v === null || v === undefined ? '—' : String(v));

export function SyncModal({ opened, onClose, onSynced }: { opened: boolean; onClose: () => void; onSynced: () => void }) {
  const { t } = usePageStrings('models', S);
  const [locale, setLocale] = useState<string>(currentLanguage());
  const [preview, setPreview] = useState<Preview | null>(null);
  const [picked, setPicked] = useState<Record<string, string[]>>({});
  const [busy, setBusy] = useState('');
  const [error, setError] = useState('');
  const [done, setDone] = useState('');

  const close = () => {
    setPreview(null);
    setPicked({});
    setError('');
    setDone('');
    onClose();
  };
  const load = async () => {
    setBusy('preview');
    setError('');
    setDone('');
    try {
      setPreview(await get<Preview>('/api/models/sync_upstream/preview', { locale }, { inline: true }));
      setPicked({});
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy('');
    }
  };
  const apply = async () => {
    setBusy('apply');
    setError('');
    try {
      const overwrite = Object.entries(picked).filter(([, f]) => f.length).map(([model_name, fields]) => ({ model_name, fields }));
      const r = await post<Result>('/api/models/sync_upstream', { overwrite, locale }, { inline: true });
      setDone(t('syncDone', { created: r.created_models, vendors: r.created_vendors, updated: r.updated_models }));
      setPreview(null);
      onSynced();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy('');
    }
  };
  const toggle = (model: string, field: string) => setPicked((p) => {
    const cur = p[model] ?? [];
    return { ...p, [model]: cur.includes(field) ? cur.filter((f) => f !== field) : [...cur, field] };
  });

  return (
    <Modal opened={opened} onClose={close} title={t('syncTitle')} centered size="xl">
      <Stack>
        <InlineError message={error} />
        {done && <Alert color="teal" data-testid="sync-done">{done}</Alert>}
        <Group align="flex-end">
          <Select
            label={t('locale')}
            data={[{ value: 'en', label: 'English' }, { value: 'zh', label: '中文' }, { value: 'ja', label: '日本語' }]}
            value={locale}
            onChange={(v) => setLocale(v ?? 'en')}
            allowDeselect={false}
            w={200}
          />
          <Button variant="default" onClick={() => void load()} loading={busy === 'preview'}>{t('preview')}</Button>
        </Group>
        {preview && (
          <>
            <Text size="xs" c="dimmed">{t('source', { url: preview.source.models_url })}</Text>
            <Stack gap={4}>
              <Text fw={600} size="sm">{preview.missing.length ? t('syncNew', { count: preview.missing.length }) : t('syncNewNone')}</Text>
              {preview.missing.length > 0 && (
                <ScrollArea.Autosize mah={120}>
                  <Group gap={4}>{preview.missing.map((m) => <Badge key={m} variant="light" tt="none">{m}</Badge>)}</Group>
                </ScrollArea.Autosize>
              )}
            </Stack>
            <Stack gap={4}>
              <Text fw={600} size="sm">{preview.conflicts.length ? t('syncConflicts') : t('syncConflictsNone')}</Text>
              {preview.conflicts.length > 0 && (
                <ScrollArea.Autosize mah={300}>
                  <Table striped verticalSpacing={4}>
                    <Table.Thead>
                      <Table.Tr><Table.Th /><Table.Th>{t('colName')}</Table.Th><Table.Th>{t('field')}</Table.Th><Table.Th>{t('local')}</Table.Th><Table.Th>{t('upstream')}</Table.Th></Table.Tr>
                    </Table.Thead>
                    <Table.Tbody>
                      {preview.conflicts.flatMap((c) => c.fields.map((f) => (
                        <Table.Tr key={`${c.model_name}/${f.field}`}>
                          <Table.Td>
                            <Checkbox
                              aria-label={t('overwrite', { field: f.field, name: c.model_name })}
                              checked={(picked[c.model_name] ?? []).includes(f.field)}
                              onChange={() => toggle(c.model_name, f.field)}
                            />
                          </Table.Td>
                          <Table.Td><Text size="sm">{c.model_name}</Text></Table.Td>
                          <Table.Td><Code>{f.field}</Code></Table.Td>
                          <Table.Td><Text size="sm" lineClamp={3}>{show(f.local)}</Text></Table.Td>
                          <Table.Td><Text size="sm" lineClamp={3}>{show(f.upstream)}</Text></Table.Td>
                        </Table.Tr>
                      )))}
                    </Table.Tbody>
                  </Table>
                </ScrollArea.Autosize>
              )}
            </Stack>
          </>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={close}>{t('action.close')}</Button>
          <Button onClick={() => void apply()} loading={busy === 'apply'} disabled={!preview}>{t('apply')}</Button>
        </Group>
      </Stack>
    </Modal>
  );
}
