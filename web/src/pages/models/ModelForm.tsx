// Add or edit one model's metadata (POST / PUT /api/models/): name and name rule, vendor,
// description, icon, tags, endpoints (JSON, checked before saving), status, catalogue sync.
import { Button, Drawer, Group, Select, Stack, Switch, TagsInput, TextInput, Textarea } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { post, put } from '../../api/client';
import { InlineError } from '../../components/Page';
import { usePageStrings } from '../../lib/i18n';
import { S, type ModelMeta, type Vendor } from './strings';

export type ModelDraft = Partial<ModelMeta> & { model_name: string };

interface Props {
  draft: ModelDraft | null;
  vendors: Vendor[];
  onClose: () => void;
  onSaved: () => void;
}

export function ModelForm(props: Props) {
  const { t } = usePageStrings('models', S);
  return (
    <Drawer opened={props.draft !== null} onClose={props.onClose} title={props.draft?.id ? t('formEdit') : t('formCreate')} position="right" size="md">
      {props.draft && <Body key={props.draft.id ?? `new-${props.draft.model_name}`} {...props} draft={props.draft} />}
    </Drawer>
  );
}

function Body({ draft, vendors, onClose, onSaved }: Props & { draft: ModelDraft }) {
  const { t } = usePageStrings('models', S);
  const [name, setName] = useState(draft.model_name);
  const [rule, setRule] = useState(String(draft.name_rule ?? 0));
  const [vendor, setVendor] = useState<string | null>(draft.vendor_id ? String(draft.vendor_id) : null);
  const [description, setDescription] = useState(draft.description ?? '');
  const [icon, setIcon] = useState(draft.icon ?? '');
  const [tags, setTags] = useState<string[]>((draft.tags ?? '').split(',').map((s) => s.trim()).filter(Boolean));
  // an id means a stored row: its endpoints may be the computed default, shown as stored text
  const [endpoints, setEndpoints] = useState(draft.id ? prettyJson(draft.endpoints ?? '') : '');
  const [enabled, setEnabled] = useState((draft.status ?? 1) === 1);
  const [sync, setSync] = useState((draft.sync_official ?? 1) === 1);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    let ep = endpoints.trim();
    if (ep) {
      try {
        ep = JSON.stringify(JSON.parse(ep));
      } catch (err) {
        return setError(t('badJson', { message: err instanceof Error ? err.message : String(err) }));
      }
    }
    const body = {
      model_name: name.trim(), name_rule: Number(rule), vendor_id: vendor ? Number(vendor) : 0, description, icon: icon.trim(),
      tags: tags.join(','), endpoints: ep, status: enabled ? 1 : 0, sync_official: sync ? 1 : 0,
    };
    setBusy(true);
    setError('');
    try {
      if (draft.id) await put('/api/models/', { id: draft.id, ...body }, { inline: true });
      else await post('/api/models/', body, { inline: true });
      onSaved();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  const rules = [0, 1, 2, 3].map((n) => ({ value: String(n), label: t(`rule${n}`) }));
  return (
    <form onSubmit={submit}>
      <Stack>
        <InlineError message={error} />
        <TextInput label={t('name')} description={t('nameHint')} required maxLength={128} value={name} onChange={(e) => setName(e.currentTarget.value)} data-autofocus />
        <Select label={t('rule')} description={t('ruleHint')} data={rules} value={rule} onChange={(v) => setRule(v ?? '0')} allowDeselect={false} />
        <Select label={t('vendor')} placeholder={t('noVendor')} data={vendors.map((v) => ({ value: String(v.id), label: v.name }))} value={vendor} onChange={setVendor} clearable searchable />
        <Textarea label={t('descriptionLabel')} autosize minRows={2} maxRows={8} value={description} onChange={(e) => setDescription(e.currentTarget.value)} />
        <TextInput label={t('icon')} description={t('iconHint')} maxLength={128} value={icon} onChange={(e) => setIcon(e.currentTarget.value)} />
        <TagsInput label={t('tags')} description={t('tagsHint')} value={tags} onChange={setTags} clearable />
        <Textarea
          label={t('endpoints')}
          description={t('endpointsHint')}
          autosize
          minRows={3}
          maxRows={12}
          styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
          value={endpoints}
          onChange={(e) => setEndpoints(e.currentTarget.value)}
        />
        <Switch label={t('enabled')} checked={enabled} onChange={(e) => setEnabled(e.currentTarget.checked)} />
        <Switch label={t('syncOfficial')} description={t('syncHint')} checked={sync} onChange={(e) => setSync(e.currentTarget.checked)} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>{t('action.cancel')}</Button>
          <Button type="submit" loading={busy}>{draft.id ? t('action.save') : t('action.create')}</Button>
        </Group>
      </Stack>
    </form>
  );
}

function prettyJson(text: string): string {
  if (!text.trim()) return '';
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}
