// Editing every channel of a tag at once (PUT /api/channel/tag): rename the tag, set priority,
// weight, models, groups, model mapping and overrides. An empty field changes nothing.
import { Button, Group, Modal, NumberInput, Stack, TagsInput, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useEffect, useState, type FormEvent } from 'react';
import { get, put } from '../../api/client';
import { InlineError } from '../../components/Page';
import { JsonField, jsonError } from './JsonField';
import { commaList } from './model';
import { useChannelStrings } from './strings';

interface TagForm {
  newTag: string;
  priority: number | '';
  weight: number | '';
  models: string[];
  modelsTouched: boolean;
  groups: string[];
  mapping: string;
  params: string;
  headers: string;
}

const EMPTY: TagForm = { newTag: '', priority: '', weight: '', models: [], modelsTouched: false, groups: [], mapping: '', params: '', headers: '' };

export function TagEditor(props: { tag: string | null; groups: string[]; onClose: () => void; onSaved: () => void }) {
  const { t } = useChannelStrings();
  const [form, setForm] = useState<TagForm>(EMPTY);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const tag = props.tag;

  useEffect(() => {
    if (tag === null) return;
    setForm({ ...EMPTY, newTag: tag });
    setError('');
    let live = true;
    get<string>('/api/channel/tag/models', { tag }, { inline: true })
      .then((models) => live && setForm((f) => (f.modelsTouched ? f : { ...f, models: commaList(models) })))
      .catch((e: unknown) => live && setError(e instanceof Error ? e.message : String(e)));
    return () => {
      live = false;
    };
  }, [tag]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (tag === null) return;
    const bad = jsonError(t, form.mapping, 'stringMap') || jsonError(t, form.params, 'object') || jsonError(t, form.headers, 'stringMap');
    if (bad) return setError(bad);
    const body: Record<string, unknown> = { tag };
    if (form.newTag.trim() && form.newTag.trim() !== tag) body.new_tag = form.newTag.trim();
    if (form.priority !== '') body.priority = form.priority;
    if (form.weight !== '') body.weight = form.weight;
    if (form.modelsTouched && form.models.length) body.models = form.models.join(',');
    if (form.groups.length) body.groups = form.groups.join(',');
    if (form.mapping.trim()) body.model_mapping = form.mapping.trim();
    if (form.params.trim()) body.param_override = form.params.trim();
    if (form.headers.trim()) body.header_override = form.headers.trim();
    if (Object.keys(body).length === 1) return setError(t('tags.nothing'));
    setBusy(true);
    setError('');
    try {
      const count = await put<number>('/api/channel/tag', body, { inline: true });
      notifications.show({ color: 'teal', message: t('tags.saved', { count }) });
      props.onSaved();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal opened={tag !== null} onClose={props.onClose} title={t('tags.editTitle', { tag: tag ?? '' })} centered size="lg">
      <form onSubmit={submit} noValidate>
        <Stack>
          <Text size="sm" c="dimmed">{t('tags.editHint')}</Text>
          <InlineError message={error} />
          <TextInput label={t('tags.newName')} value={form.newTag} onChange={(e) => setForm({ ...form, newTag: e.currentTarget.value })} data-autofocus />
          <Group grow align="flex-start">
            <NumberInput label={t('form.priority')} min={0} allowDecimal={false} allowNegative={false} value={form.priority} onChange={(v) => setForm({ ...form, priority: v === '' ? '' : Number(v) })} placeholder={t('tags.unchanged')} />
            <NumberInput label={t('form.weight')} min={0} allowDecimal={false} allowNegative={false} value={form.weight} onChange={(v) => setForm({ ...form, weight: v === '' ? '' : Number(v) })} placeholder={t('tags.unchanged')} />
          </Group>
          <TagsInput label={t('form.models')} description={t('tags.modelsHint')} value={form.models} onChange={(v) => setForm({ ...form, models: v, modelsTouched: true })} splitChars={[',', ' ']} clearable />
          <TagsInput label={t('form.groups')} description={t('tags.groupsHint')} data={props.groups} value={form.groups} onChange={(v) => setForm({ ...form, groups: v })} splitChars={[',', ' ']} placeholder={t('tags.unchanged')} />
          <JsonField label={t('form.mapping')} value={form.mapping} onChange={(v) => setForm({ ...form, mapping: v })} kind="stringMap" />
          <JsonField label={t('form.paramOverride')} value={form.params} onChange={(v) => setForm({ ...form, params: v })} />
          <JsonField label={t('form.headerOverride')} value={form.headers} onChange={(v) => setForm({ ...form, headers: v })} kind="stringMap" />
          <Group justify="flex-end">
            <Button variant="default" onClick={props.onClose}>{t('action.cancel')}</Button>
            <Button type="submit" loading={busy} data-testid="tag-save">{t('action.save')}</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
