// One section of the settings page: its option fields and a Save button that sends
// PUT /api/option/ for each changed option only (switches turned on last, after the ids they
// need). JSON and numbers are checked before anything is sent; a refusal from the server is
// shown under its field.
import { Alert, Badge, Button, Card, Group, PasswordInput, Select, SimpleGrid, Stack, Switch, Textarea, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useState, type ReactNode } from 'react';
import { put } from '../../api/client';
import { useAppState } from '../../api/session';
import { usePageStrings } from '../../lib/i18n';
import { checkJson, prettyJson, sameJson } from './json';
import type { Field, Section } from './schema';
import { S } from './strings';

export type Label = (item: { en: string; zh: string }) => string;
type T = ReturnType<typeof usePageStrings>['t'];

/** The value to send, or null when the field is unchanged. */
function changedValue(f: Field, draft: string | undefined, stored: string): string | null {
  if (draft === undefined) return null;
  if (f.kind === 'secret') return draft === '' ? null : draft;
  if (f.kind === 'json') {
    if (sameJson(draft, stored)) return null;
    return draft.trim() ? JSON.stringify(JSON.parse(draft)) : ''; // checked by localError first
  }
  if (f.kind === 'number') return draft.trim() === stored.trim() ? null : draft.trim();
  return draft === stored ? null : draft;
}

/** The error the browser finds before sending ('' when none). */
function localError(t: T, f: Field, value: string): string {
  if (f.kind === 'json') {
    const problem = checkJson(value, f.shape ?? 'object');
    return problem ? t(problem.code, problem.values) : '';
  }
  if (f.kind === 'number' && (value.trim() === '' || !Number.isFinite(Number(value)))) return t('notNumber');
  return '';
}

function FieldInput(props: { field: Field; value: string; error: string; label: string; onChange: (v: string) => void; t: T }) {
  const { field: f, value, error, label, onChange, t } = props;
  const id = `opt-${f.key}`;
  const common = { label, error: error || undefined, 'data-option': f.key, id };
  switch (f.kind) {
    case 'switch':
      return <Switch {...common} checked={value === 'true'} onChange={(e) => onChange(e.currentTarget.checked ? 'true' : 'false')} mt="xs" />;
    case 'secret':
      return <PasswordInput {...common} description={t('secretHint')} value={value} onChange={(e) => onChange(e.currentTarget.value)} autoComplete="new-password" />;
    case 'select':
      return (
        <Select
          {...common}
          value={value === '' ? '__empty' : value}
          onChange={(v) => v !== null && onChange(v === '__empty' ? '' : v)}
          allowDeselect={false}
          data={(f.choices ?? []).map((c) => ({ value: c === '' ? '__empty' : c, label: c === '' ? t('any') : c }))}
        />
      );
    case 'number':
      return <TextInput {...common} inputMode="decimal" value={value} onChange={(e) => onChange(e.currentTarget.value)} />;
    case 'textarea':
      return <Textarea {...common} value={value} onChange={(e) => onChange(e.currentTarget.value)} autosize minRows={2} maxRows={10} />;
    case 'json':
      return (
        <div>
          <Textarea
            {...common}
            value={value}
            onChange={(e) => onChange(e.currentTarget.value)}
            autosize
            minRows={3}
            maxRows={14}
            spellCheck={false}
            styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 13 } }}
          />
          <Button size="compact-xs" variant="subtle" mt={4} disabled={!!checkJson(value, f.shape ?? 'object') || !value.trim()} onClick={() => onChange(prettyJson(value))}>
            {t('json.format')}
          </Button>
        </div>
      );
    default:
      return <TextInput {...common} value={value} onChange={(e) => onChange(e.currentTarget.value)} />;
  }
}

export function SectionCard(props: { section: Section; options: Record<string, string>; onSaved: (values: Record<string, string>) => void; label: Label; extra?: ReactNode }) {
  const { section, options, onSaved, label } = props;
  const { t } = usePageStrings('settings', S);
  const { refreshStatus } = useAppState();
  const [draft, setDraft] = useState<Record<string, string>>({});
  const [serverErrors, setServerErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState('');
  const [busy, setBusy] = useState(false);

  const fields = section.fields.filter((f) => f.kind === 'secret' || f.key in options);
  if (fields.length === 0 && !props.extra) return null;
  const stored = (f: Field) => (f.kind === 'secret' ? '' : (options[f.key] ?? ''));
  const shown = (f: Field) => draft[f.key] ?? (f.kind === 'json' ? prettyJson(stored(f)) : stored(f));
  const changes = fields.filter((f) => draft[f.key] !== undefined && (localError(t, f, draft[f.key]) !== '' || changedValue(f, draft[f.key], stored(f)) !== null));

  const edit = (key: string, value: string) => {
    setDraft((d) => ({ ...d, [key]: value }));
    setServerErrors((e) => ({ ...e, [key]: '' }));
    setMessage('');
  };

  const save = async () => {
    if (changes.some((f) => localError(t, f, draft[f.key]) !== '')) {
      setMessage(t('fixFirst'));
      return;
    }
    // switches turned on go last: the server refuses to enable a provider before its ids are set
    const order = [...changes].sort((a, b) => Number(a.kind === 'switch' && draft[a.key] === 'true') - Number(b.kind === 'switch' && draft[b.key] === 'true'));
    setBusy(true);
    setMessage('');
    const failed: Record<string, string> = {};
    const done: Record<string, string> = {};
    for (const f of order) {
      const value = changedValue(f, draft[f.key], stored(f));
      if (value === null) continue;
      try {
        await put('/api/option/', { key: f.key, value: f.kind === 'switch' ? value === 'true' : value }, { inline: true });
        if (f.kind !== 'secret') done[f.key] = value;
        setDraft((d) => {
          const next = { ...d };
          delete next[f.key];
          return next;
        });
      } catch (e) {
        failed[f.key] = e instanceof Error ? e.message : String(e);
      }
    }
    setBusy(false);
    setServerErrors(failed);
    if (Object.keys(done).length) onSaved(done);
    const savedCount = order.length - Object.keys(failed).length;
    if (Object.keys(failed).length) setMessage(t('partial'));
    if (savedCount > 0) {
      notifications.show({ color: 'teal', message: t('saved', { count: savedCount }) });
      void refreshStatus();
    }
  };

  const title = label(section);
  return (
    <Card withBorder radius="md" padding="md" component="section" aria-label={title} data-section={section.id}>
      <Group justify="space-between" mb="sm">
        <Title order={4}>{title}</Title>
        {changes.length > 0 && <Badge variant="light" color="orange">{t('unsaved', { count: changes.length })}</Badge>}
      </Group>
      <Stack gap="sm">
        {fields.length > 0 && (
          <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md" verticalSpacing="sm">
            {fields.map((f) => (
              <div key={f.key} style={f.kind === 'json' || f.kind === 'textarea' ? { gridColumn: '1 / -1' } : undefined}>
                <FieldInput field={f} value={shown(f)} label={label(f)} t={t} onChange={(v) => edit(f.key, v)} error={serverErrors[f.key] || (draft[f.key] !== undefined ? localError(t, f, draft[f.key]) : '')} />
              </div>
            ))}
          </SimpleGrid>
        )}
        {message && (
          <Alert color="red" role="alert" py="xs">
            {message}
          </Alert>
        )}
        {fields.length > 0 && (
          <Group justify="flex-end">
            <Button onClick={() => void save()} loading={busy} disabled={changes.length === 0}>
              {t('saveSection', { section: title })}
            </Button>
          </Group>
        )}
        {props.extra}
      </Stack>
    </Card>
  );
}
