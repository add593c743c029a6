// The create / edit drawer: one form whose fields follow the channel type (base URL with its
// default, the key with the type's format, Azure's API version, Vertex AI's regions, AWS's
// region, ...), models fetched from the provider, routing, and the advanced JSON settings.
import {
  Accordion, Alert, Badge, Box, Button, Center, Checkbox, Drawer, Fieldset, Group, Loader, NumberInput, SegmentedControl,
  Select, Stack, Switch, TagsInput, Text, TextInput, Textarea,
} from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconCloudDownload, IconEye, IconListCheck, IconTrashX } from '@tabler/icons-react';
import { useEffect, useMemo, useState, type FormEvent, type ReactNode } from 'react';
import { get, post, put } from '../../api/client';
import { useRequest } from '../../api/hooks';
import { InlineError } from '../../components/Page';
import {
  ANTHROPIC, AWS, AZURE, AZURE_DEFAULT_VERSION, CHANNEL_TYPES, CODING_PLANS, CUSTOM, OPENAI, RESPONSES_MODES, VERTEX_AI,
  channelType, needsBaseUrl, otherField,
} from './catalog';
import { createBody, emptyForm, firstKey, formFromChannel, formProblem, updateBody, type FormState } from './form';
import { JsonField } from './JsonField';
import { keyCount, type Channel } from './model';
import { ModelPicker } from './ModelPicker';
import { useChannelStrings } from './strings';

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

const EXAMPLES = {
  mapping: '{"gpt-4o-mini": "llama3.2"}',
  status: '{"400": "500"}',
  params: '{"temperature": 0.2}',
  headers: '{"X-Title": "ClawRouter"}',
  regions: '{"default": "us-central1", "claude-sonnet-4": "europe-west1"}',
};

export interface ChannelFormProps {
  /** null: closed; 0: a new channel; otherwise the id to edit */
  channelId: number | null;
  groups: string[];
  isRoot: boolean;
  onClose: () => void;
  onSaved: () => void;
  onRevealKey: (ch: { id: number; name: string }) => void;
}

export function ChannelForm(props: ChannelFormProps) {
  const { t } = useChannelStrings();
  const narrow = useMediaQuery('(max-width: 48em)');
  const [form, setForm] = useState<FormState | null>(null);
  const [stored, setStored] = useState<Channel | null>(null);
  const [loadError, setLoadError] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [tick, setTick] = useState(0);
  const [fetching, setFetching] = useState(false);
  const [fetchError, setFetchError] = useState('');
  const [fetched, setFetched] = useState<string[] | null>(null);
  const opened = props.channelId !== null;
  const typeModels = useRequest<Record<string, string[]>>(opened ? '/api/models' : null);

  useEffect(() => {
    setError('');
    setFetchError('');
    setFetched(null);
    setLoadError('');
    if (props.channelId === null) return;
    if (props.channelId === 0) {
      setStored(null);
      setForm(emptyForm());
      return;
    }
    setForm(null);
    const ctl = new AbortController();
    get<Channel>(`/api/channel/${props.channelId}`, undefined, { inline: true, signal: ctl.signal })
      .then((ch) => {
        setStored(ch);
        setForm(formFromChannel(ch));
      })
      .catch((e: unknown) => !ctl.signal.aborted && setLoadError(message(e)));
    return () => ctl.abort();
  }, [props.channelId, tick]);

  const set = (patch: Partial<FormState>) => setForm((f) => (f ? { ...f, ...patch } : f));
  const setSetting = (k: string, v: unknown) => setForm((f) => (f ? { ...f, setting: { ...f.setting, [k]: v } } : f));
  const setSettings = (k: string, v: unknown) => setForm((f) => (f ? { ...f, settings: { ...f.settings, [k]: v } } : f));

  const typeOptions = useMemo(() => {
    const item = (id: number) => ({ value: String(id), label: `${channelType(id).name} (${id})` });
    const of = (p: (proto: string) => boolean) => CHANNEL_TYPES.filter((ct) => p(ct.protocol)).map((ct) => item(ct.id));
    return [
      { group: t('form.typeCompatible'), items: of((p) => p === 'openai') },
      { group: t('form.typeNative'), items: of((p) => p === 'anthropic' || p === 'gemini') },
      { group: t('form.typeUnsupported'), items: of((p) => p === 'other') },
    ];
  }, [t]);

  if (!opened) return null;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!form) return;
    const problem = formProblem(form);
    if (problem) return setError(t(`form.check.${problem}`));
    setBusy(true);
    setError('');
    try {
      if (form.id) {
        await put('/api/channel/', updateBody(form), { inline: true });
        notifications.show({ color: 'teal', message: t('form.saved') });
      } else {
        await post('/api/channel/', createBody(form), { inline: true });
        notifications.show({ color: 'teal', message: t('form.created') });
      }
      props.onSaved();
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(false);
    }
  };

  const fetchModels = async () => {
    if (!form) return;
    setFetchError('');
    const keyGiven = form.key.trim() !== '';
    const changed = !stored || stored.type !== form.type || (stored.base_url ?? '') !== form.base_url.trim().replace(/\/+$/, '');
    // a saved channel, unchanged: the server fetches with its stored key; anything else sends
    // the form's settings and key, which only root may do
    const useSaved = !!form.id && !keyGiven && !changed;
    if (!useSaved) {
      if (!props.isRoot) return setFetchError(t(form.id ? 'models.fetchSaveFirst' : 'models.fetchNeedsRoot'));
      if (!keyGiven) return setFetchError(t(form.id ? 'models.fetchChanged' : 'models.fetchNeedsKey'));
    }
    setFetching(true);
    try {
      const ids = useSaved
        ? await get<string[]>(`/api/channel/fetch_models/${form.id}`, undefined, { inline: true })
        : await post<string[]>('/api/channel/fetch_models', {
            type: form.type,
            base_url: form.base_url.trim(),
            key: keyGiven ? firstKey(form) : '',
          }, { inline: true });
      if (!ids || ids.length === 0) setFetchError(t('models.fetchedNone'));
      else setFetched(ids);
    } catch (err) {
      setFetchError(message(err));
    } finally {
      setFetching(false);
    }
  };

  let body: ReactNode;
  if (loadError) {
    body = <InlineError message={loadError} onRetry={() => setTick((n) => n + 1)} />;
  } else if (!form) {
    body = (
      <Center py="xl" role="status">
        <Loader size="sm" mr="sm" />
        <Text c="dimmed">{t('table.loading')}</Text>
      </Center>
    );
  } else {
    const info = channelType(form.type);
    const kind = otherField(form.type);
    const known = typeModels.data?.[String(form.type)] ?? [];
    const suggestions = [...new Set([...known, ...form.models])];
    const multiKeys = form.id ? form.isMultiKey : form.addMode !== 'single';
    const keys = keyCount(form.key);
    const mappingMissing = (() => {
      try {
        const m = form.model_mapping.trim() ? (JSON.parse(form.model_mapping) as Record<string, unknown>) : {};
        return Object.keys(m).filter((k) => !form.models.includes(k));
      } catch {
        return [];
      }
    })();
    body = (
      <form onSubmit={submit} noValidate>
        <Stack gap="md" pb={80}>
          <Fieldset legend={t('form.provider')}>
            <Stack gap="sm">
              <Select
                label={t('form.type')}
                data={typeOptions}
                value={String(form.type)}
                onChange={(v) => {
                  if (v === null) return;
                  const next = Number(v);
                  set({ type: next, other: otherField(next) === otherField(form.type) ? form.other : '' });
                }}
                searchable
                allowDeselect={false}
                maxDropdownHeight={320}
                description={t(`form.protocol.${info.protocol}`)}
                data-testid="channel-type"
              />
              {info.protocol === 'other' && <Alert color="orange">{t('form.unsupported', { id: form.type })}</Alert>}
              <TextInput label={t('form.name')} description={t('form.nameHint')} required value={form.name} onChange={(e) => set({ name: e.currentTarget.value })} data-autofocus />
              <Group grow align="flex-start" wrap={narrow ? 'wrap' : 'nowrap'}>
                <TextInput label={t('form.tag')} description={t('form.tagHint')} value={form.tag} onChange={(e) => set({ tag: e.currentTarget.value })} />
                <TextInput label={t('form.remark')} description={t('form.remarkHint')} maxLength={255} value={form.remark} onChange={(e) => set({ remark: e.currentTarget.value })} />
              </Group>
            </Stack>
          </Fieldset>

          <Fieldset legend={t('form.connection')}>
            <Stack gap="sm">
              <TextInput
                label={t('form.baseUrl')}
                required={needsBaseUrl(form.type)}
                value={form.base_url}
                onChange={(e) => set({ base_url: e.currentTarget.value })}
                placeholder={info.base || t(`form.baseUrlPlaceholder.${form.type}`, { defaultValue: 'https://…' })}
                description={
                  form.type === AZURE ? t('form.baseUrlAzure')
                    : form.type === CUSTOM ? t('form.baseUrlCustom')
                    : form.type === AWS ? t('form.baseUrlAws')
                    : form.type === VERTEX_AI ? t('form.baseUrlVertex')
                    : info.base ? t('form.baseUrlDefault', { url: info.base })
                    : t('form.baseUrlRequired')
                }
                spellCheck={false}
              />
              {CODING_PLANS[form.type] && (
                <Group gap="xs">
                  <Text size="xs" c="dimmed">{t('form.codingPlan')}</Text>
                  {CODING_PLANS[form.type].map((plan) => (
                    <Button key={plan} size="compact-xs" variant="light" onClick={() => set({ base_url: plan })}>{plan}</Button>
                  ))}
                </Group>
              )}
              {kind === 'vertex' ? (
                <JsonField label={t('form.other.vertex')} description={t('form.other.vertexHint')} value={form.other} onChange={(v) => set({ other: v })} kind="regions" example={EXAMPLES.regions} required />
              ) : kind ? (
                <TextInput
                  label={t(`form.other.${kind}`)}
                  description={t(`form.other.${kind}Hint`)}
                  value={form.other}
                  onChange={(e) => set({ other: e.currentTarget.value })}
                  placeholder={kind === 'azure' ? AZURE_DEFAULT_VERSION : kind === 'gemini' ? 'v1beta' : kind === 'aws' ? 'us-east-1' : ''}
                  spellCheck={false}
                />
              ) : null}
              {form.type === AZURE && (
                <TextInput label={t('form.azureResponses')} description={t('form.azureResponsesHint')} value={String(form.settings.azure_responses_version ?? '')} onChange={(e) => setSettings('azure_responses_version', e.currentTarget.value.trim())} placeholder="preview" />
              )}
              {form.type === VERTEX_AI && (
                <Select
                  label={t('form.vertexKeyType')}
                  data={[{ value: 'json', label: t('form.vertexJson') }, { value: 'api_key', label: t('form.vertexApiKey') }]}
                  value={form.settings.vertex_key_type === 'api_key' ? 'api_key' : 'json'}
                  onChange={(v) => setSettings('vertex_key_type', v === 'api_key' ? 'api_key' : '')}
                  allowDeselect={false}
                />
              )}
              {form.type === AWS && (
                <Select
                  label={t('form.awsKeyType')}
                  data={[{ value: 'ak_sk', label: t('form.awsAkSk') }, { value: 'api_key', label: t('form.awsApiKey') }]}
                  value={form.settings.aws_key_type === 'api_key' ? 'api_key' : 'ak_sk'}
                  onChange={(v) => setSettings('aws_key_type', v === 'api_key' ? 'api_key' : '')}
                  allowDeselect={false}
                />
              )}
              {form.type === OPENAI && (
                <TextInput label={t('form.organization')} description={t('form.organizationHint')} value={form.openai_organization} onChange={(e) => set({ openai_organization: e.currentTarget.value })} placeholder="org-…" />
              )}
            </Stack>
          </Fieldset>

          <Fieldset legend={t('form.keySection')}>
            <Stack gap="sm">
              {!form.id && (
                <>
                  <SegmentedControl
                    aria-label={t('form.addMode')}
                    value={form.addMode}
                    onChange={(v) => set({ addMode: v as FormState['addMode'] })}
                    data={[
                      { value: 'single', label: t('form.modeSingle') },
                      { value: 'batch', label: t('form.modeBatch') },
                      { value: 'multi_to_single', label: t('form.modeMulti') },
                    ]}
                    fullWidth
                    orientation={narrow ? 'vertical' : 'horizontal'}
                  />
                  <Text size="xs" c="dimmed">{t(`form.modeHint.${form.addMode}`)}</Text>
                  {form.addMode === 'batch' && (
                    <Checkbox label={t('form.prefixNames')} checked={form.prefixNames} onChange={(e) => set({ prefixNames: e.currentTarget.checked })} />
                  )}
                </>
              )}
              {(form.id ? form.isMultiKey : form.addMode === 'multi_to_single') && (
                <Select
                  label={t('form.multiKeyMode')}
                  description={t('form.multiKeyModeHint')}
                  data={[{ value: 'random', label: t('form.random') }, { value: 'polling', label: t('form.polling') }]}
                  value={form.multiKeyMode}
                  onChange={(v) => v && set({ multiKeyMode: v as FormState['multiKeyMode'] })}
                  allowDeselect={false}
                />
              )}
              <Textarea
                label={multiKeys ? t('form.keys') : t('form.key')}
                required={!form.id}
                description={
                  <>
                    {t(`keyHint.${form.type === VERTEX_AI && form.settings.vertex_key_type === 'api_key' ? 'vertexApi' : form.type}`, { defaultValue: t('keyHint.default') })}
                    {multiKeys && !(form.type === VERTEX_AI && form.settings.vertex_key_type !== 'api_key') ? ` ${t('form.onePerLine')}` : ''}
                    {form.id ? ` ${t('form.keyKeep')}` : ''}
                  </>
                }
                value={form.key}
                onChange={(e) => set({ key: e.currentTarget.value })}
                autosize
                minRows={multiKeys ? 3 : 1}
                maxRows={10}
                spellCheck={false}
                autoComplete="off"
                placeholder={t(`keyPlaceholder.${form.type}`, { defaultValue: 'sk-…' })}
                styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
              />
              {multiKeys && keys > 0 && <Text size="xs" c="dimmed">{t('form.keyCount', { count: keys })}</Text>}
              {form.id && form.isMultiKey && form.key.trim() && (
                <SegmentedControl
                  aria-label={t('form.keyMode')}
                  value={form.keyMode}
                  onChange={(v) => set({ keyMode: v as FormState['keyMode'] })}
                  data={[{ value: 'append', label: t('form.keyAppend') }, { value: 'replace', label: t('form.keyReplace') }]}
                />
              )}
              {form.id && props.isRoot && (
                <Group>
                  <Button variant="light" size="xs" leftSection={<IconEye size={14} />} onClick={() => props.onRevealKey({ id: form.id ?? 0, name: form.name })}>
                    {t('key.reveal')}
                  </Button>
                </Group>
              )}
            </Stack>
          </Fieldset>

          <Fieldset legend={t('form.modelsSection')}>
            <Stack gap="sm">
              <TagsInput
                label={t('form.models')}
                description={t('form.modelsHint')}
                required
                data={suggestions}
                value={form.models}
                onChange={(v) => set({ models: [...new Set(v.map((m) => m.trim()).filter(Boolean))] })}
                splitChars={[',', ' ']}
                clearable
                maxDropdownHeight={240}
                data-testid="channel-models"
              />
              <Group gap="xs">
                <Button size="xs" variant="light" leftSection={<IconCloudDownload size={14} />} loading={fetching} onClick={() => void fetchModels()}>
                  {t('models.fetch')}
                </Button>
                {known.length > 0 && (
                  <Button size="xs" variant="default" leftSection={<IconListCheck size={14} />} onClick={() => setFetched(known)}>
                    {t('models.known', { type: info.name, count: known.length })}
                  </Button>
                )}
                {form.models.length > 0 && (
                  <Button size="xs" variant="subtle" color="red" leftSection={<IconTrashX size={14} />} onClick={() => set({ models: [] })}>
                    {t('models.clear')}
                  </Button>
                )}
              </Group>
              {fetchError && <Text size="sm" c="red" role="alert">{fetchError}</Text>}
              <Select
                label={t('form.testModel')}
                description={t('form.testModelHint')}
                data={form.models}
                value={form.test_model && form.models.includes(form.test_model) ? form.test_model : null}
                onChange={(v) => set({ test_model: v ?? '' })}
                clearable
                searchable
                placeholder={form.models[0] ?? 'gpt-4o-mini'}
              />
              <JsonField
                label={t('form.mapping')}
                description={t('form.mappingHint')}
                value={form.model_mapping}
                onChange={(v) => set({ model_mapping: v })}
                kind="stringMap"
                example={EXAMPLES.mapping}
                testId="model-mapping"
              />
              {mappingMissing.length > 0 && <Text size="xs" c="orange">{t('form.mappingMissing', { names: mappingMissing.join(', ') })}</Text>}
            </Stack>
          </Fieldset>

          <Fieldset legend={t('form.routing')}>
            <Stack gap="sm">
              <TagsInput label={t('form.groups')} description={t('form.groupsHint')} required data={props.groups} value={form.groups} onChange={(v) => set({ groups: v })} splitChars={[',', ' ']} />
              <Group grow align="flex-start">
                <NumberInput label={t('form.priority')} description={t('form.priorityHint')} min={0} allowDecimal={false} allowNegative={false} value={form.priority} onChange={(v) => set({ priority: Number(v) || 0 })} />
                <NumberInput label={t('form.weight')} description={t('form.weightHint')} min={0} allowDecimal={false} allowNegative={false} value={form.weight} onChange={(v) => set({ weight: Number(v) || 0 })} />
              </Group>
              <Switch label={t('form.autoBan')} description={t('form.autoBanHint')} checked={form.auto_ban} onChange={(e) => set({ auto_ban: e.currentTarget.checked })} />
            </Stack>
          </Fieldset>

          <Accordion variant="contained" chevronPosition="left">
            <Accordion.Item value="advanced">
              <Accordion.Control>{t('form.advanced')}</Accordion.Control>
              <Accordion.Panel>
                <Stack gap="sm">
                  {info.protocol === 'openai' && (
                    <Select
                      label={t('form.responsesMode')}
                      description={t('form.responsesModeHint')}
                      data={RESPONSES_MODES.map((m) => ({ value: m, label: t(`form.responses.${m}`) }))}
                      value={typeof form.settings.responses_mode === 'string' && form.settings.responses_mode ? form.settings.responses_mode : 'auto'}
                      onChange={(v) => setSettings('responses_mode', v === 'auto' ? '' : v)}
                      allowDeselect={false}
                      data-testid="responses-mode"
                    />
                  )}
                  <Textarea
                    label={t('form.systemPrompt')}
                    description={t('form.systemPromptHint')}
                    value={String(form.setting.system_prompt ?? '')}
                    onChange={(e) => setSetting('system_prompt', e.currentTarget.value)}
                    autosize
                    minRows={2}
                    maxRows={8}
                  />
                  <Switch label={t('form.systemPromptOverride')} checked={!!form.setting.system_prompt_override} onChange={(e) => setSetting('system_prompt_override', e.currentTarget.checked)} />
                  <JsonField label={t('form.statusMapping')} description={t('form.statusMappingHint')} value={form.status_code_mapping} onChange={(v) => set({ status_code_mapping: v })} kind="statusMap" example={EXAMPLES.status} />
                  <JsonField label={t('form.paramOverride')} description={t('form.paramOverrideHint')} value={form.param_override} onChange={(v) => set({ param_override: v })} example={EXAMPLES.params} />
                  <JsonField label={t('form.headerOverride')} description={t('form.headerOverrideHint')} value={form.header_override} onChange={(v) => set({ header_override: v })} kind="stringMap" example={EXAMPLES.headers} />
                  <Switch label={t('form.passThrough')} description={t('form.passThroughHint')} checked={!!form.setting.pass_through_body_enabled} onChange={(e) => setSetting('pass_through_body_enabled', e.currentTarget.checked)} />
                  {info.protocol === 'openai' && (
                    <Stack gap={6}>
                      <Text size="sm" fw={500}>{t('form.fieldFilters')}</Text>
                      {(['allow_service_tier', 'allow_safety_identifier', 'disable_store'] as const).map((flag) => (
                        <Checkbox key={flag} label={t(`form.flag.${flag}`)} checked={!!form.settings[flag]} onChange={(e) => setSettings(flag, e.currentTarget.checked)} />
                      ))}
                    </Stack>
                  )}
                  {form.type === ANTHROPIC && (
                    <Checkbox label={t('form.flag.claude_beta_query')} checked={!!form.settings.claude_beta_query} onChange={(e) => setSettings('claude_beta_query', e.currentTarget.checked)} />
                  )}
                </Stack>
              </Accordion.Panel>
            </Accordion.Item>
          </Accordion>
        </Stack>
        <Box
          pos="sticky"
          bottom={0}
          py="sm"
          style={{ background: 'var(--mantine-color-body)', borderTop: '1px solid var(--mantine-color-default-border)', zIndex: 2 }}
        >
          <InlineError message={error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={props.onClose}>{t('action.cancel')}</Button>
            <Button type="submit" loading={busy} data-testid="channel-submit">{form.id ? t('action.save') : t('action.create')}</Button>
          </Group>
        </Box>
        <ModelPicker
          models={fetched}
          current={form.models}
          onClose={() => setFetched(null)}
          onPick={(picked, replace) => {
            set({ models: replace ? picked : [...new Set([...form.models, ...picked])] });
            setFetched(null);
          }}
        />
      </form>
    );
  }

  const title = props.channelId ? t('form.editTitle', { id: props.channelId }) : t('form.createTitle');
  return (
    <Drawer
      opened={opened}
      onClose={props.onClose}
      position="right"
      size={narrow ? '100%' : 'lg'}
      title={
        <Group gap="xs">
          <Text fw={600}>{title}</Text>
          {form && <Badge variant="light">{channelType(form.type).name}</Badge>}
        </Group>
      }
      closeButtonProps={{ 'aria-label': t('action.close') }}
    >
      {body}
    </Drawer>
  );
}
