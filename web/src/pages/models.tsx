// Models (/console/models, admins): model metadata (/api/models/: list, search by keyword and
// vendor, add, edit, enable / disable, delete), the served models still without an entry
// (/api/models/missing), sync from the upstream catalogue with a preview, and vendors.
import { ActionIcon, Badge, Button, Group, Paper, Select, Stack, Switch, Tabs, Text, TextInput, Tooltip } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconCloudDownload, IconEdit, IconPlus, IconQuestionMark, IconSearch, IconTrash } from '@tabler/icons-react';
import { useMemo, useState } from 'react';
import { del, put, type Page } from '../api/client';
import { usePagedList, useRequest } from '../api/hooks';
import { ConfirmModal, type ConfirmRequest } from '../components/ConfirmModal';
import { DataTable, listProps, sortRows, type Column, type SortState } from '../components/DataTable';
import { PageHeader } from '../components/Page';
import { usePageStrings } from '../lib/i18n';
import { MissingModal } from './models/MissingModal';
import { ModelForm, type ModelDraft } from './models/ModelForm';
import { S, type ModelMeta, type Vendor } from './models/strings';
import { SyncModal } from './models/SyncModal';
import { Vendors } from './models/Vendors';

function endpointNames(text: string): string[] {
  try {
    const v = JSON.parse(text || '{}') as unknown;
    if (Array.isArray(v)) return v.map(String);
    return v && typeof v === 'object' ? Object.keys(v) : [];
  } catch {
    return [];
  }
}

function ModelsTab({ vendors, reloadVendors }: { vendors: Vendor[]; reloadVendors: () => void }) {
  const { t } = usePageStrings('models', S);
  const [query, setQuery] = useState('');
  const [vendor, setVendor] = useState<string | null>(null);
  const [keyword] = useDebouncedValue(query.trim(), 400);
  const list = usePagedList<ModelMeta>({ listPath: '/api/models/', searchPath: '/api/models/search', search: { keyword, vendor: vendor ?? '' } });
  const [showMissing, setShowMissing] = useState(false);
  const missing = useRequest<string[]>('/api/models/missing');
  const [sort, setSort] = useState<SortState | null>(null);
  const [draft, setDraft] = useState<ModelDraft | null>(null);
  const [sync, setSync] = useState(false);
  const [confirm, setConfirm] = useState<ConfirmRequest | null>(null);
  const vendorName = useMemo(() => new Map(vendors.map((v) => [v.id, v.name])), [vendors]);
  const changed = () => {
    list.reload();
    missing.reload();
  };
  const toggle = async (m: ModelMeta) => {
    try {
      await put('/api/models/?status_only=true', { id: m.id, status: m.status === 1 ? 0 : 1 });
      list.reload();
    } catch {
      /* reported by the client */
    }
  };

  const columns: Column<ModelMeta>[] = useMemo(() => [
    {
      key: 'name', title: t('colName'), sortValue: (m) => m.model_name.toLowerCase(),
      render: (m) => (
        <Stack gap={2}>
          <Text fw={500} size="sm">{m.model_name}</Text>
          {m.name_rule > 0 && (
            <Tooltip label={(m.matched_models ?? []).join(', ') || '—'} multiline maw={320}>
              <Group gap={4}>
                <Badge size="xs" variant="outline">{t(`rule${m.name_rule}`)}</Badge>
                <Text size="xs" c="dimmed">{t('matches', { count: m.matched_count ?? 0 })}</Text>
              </Group>
            </Tooltip>
          )}
        </Stack>
      ),
    },
    { key: 'vendor', title: t('colVendor'), render: (m) => vendorName.get(m.vendor_id) ?? <Text c="dimmed" size="sm">—</Text>, sortValue: (m) => vendorName.get(m.vendor_id) ?? '' },
    { key: 'description', title: t('colDescription'), render: (m) => <Text size="sm" lineClamp={2} maw={280}>{m.description || '—'}</Text> },
    {
      key: 'tags', title: t('colTags'),
      render: (m) => <Group gap={4}>{m.tags.split(',').filter(Boolean).map((tag) => <Badge key={tag} size="sm" variant="light" color="grape" tt="none">{tag}</Badge>)}</Group>,
    },
    { key: 'endpoints', title: t('colEndpoints'), render: (m) => <Group gap={4}>{endpointNames(m.endpoints).map((e) => <Badge key={e} size="sm" variant="outline" tt="none">{e}</Badge>)}</Group> },
    {
      key: 'channels', title: t('colChannels'), sortValue: (m) => m.bound_channels?.length ?? 0,
      render: (m) => (m.bound_channels?.length ? (
        <Tooltip label={m.bound_channels.map((c) => c.name).join(', ')} multiline maw={320}>
          <Badge variant="light">{m.bound_channels.length}</Badge>
        </Tooltip>
      ) : <Text c="dimmed" size="sm">0</Text>),
    },
    { key: 'groups', title: t('colGroups'), render: (m) => <Group gap={4}>{(m.enable_groups ?? []).map((g) => <Badge key={g} size="sm" variant="outline" color="gray" tt="none">{g}</Badge>)}</Group> },
    {
      key: 'billing', title: t('colBilling'),
      render: (m) => (m.quota_types?.length
        ? <Group gap={4}>{m.quota_types.map((q) => <Badge key={q} size="sm" variant="light" color={q ? 'orange' : 'blue'}>{q ? t('perCall') : t('perToken')}</Badge>)}</Group>
        : <Badge size="sm" variant="light" color="gray" leftSection={<IconQuestionMark size={10} />}>{t('unpriced')}</Badge>),
    },
    {
      key: 'status', title: t('colStatus'), sortValue: (m) => m.status,
      render: (m) => (
        <Switch size="sm" checked={m.status === 1} onChange={() => void toggle(m)} aria-label={m.status === 1 ? t('disableModel', { name: m.model_name }) : t('enableModel', { name: m.model_name })} />
      ),
    },
    {
      key: 'actions', title: t('table.actions'),
      render: (m) => (
        <Group gap={4} wrap="nowrap">
          <ActionIcon variant="subtle" aria-label={t('editModel', { name: m.model_name })} onClick={() => setDraft(m)}><IconEdit size={16} /></ActionIcon>
          <ActionIcon
            variant="subtle"
            color="red"
            aria-label={t('deleteModel', { name: m.model_name })}
            onClick={() => setConfirm({ message: t('confirmDelete', { name: m.model_name }), action: t('action.delete'), run: () => del(`/api/models/${m.id}`, { inline: true }).then(changed) })}
          >
            <IconTrash size={16} />
          </ActionIcon>
        </Group>
      ),
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
  ], [t, vendorName]);

  const missingCount = missing.data?.length ?? 0;
  return (
    <>
      <Group justify="space-between" mb="md" gap="sm">
        <Group gap="sm">
          <TextInput aria-label={t('search')} placeholder={t('search')} leftSection={<IconSearch size={16} />} value={query} onChange={(e) => setQuery(e.currentTarget.value)} w={{ base: '100%', xs: 260 }} />
          <Select
            aria-label={t('vendorFilter')}
            placeholder={t('allVendors')}
            data={vendors.map((v) => ({ value: String(v.id), label: v.name }))}
            value={vendor}
            onChange={setVendor}
            clearable
            searchable
            w={{ base: '100%', xs: 200 }}
          />
        </Group>
        <Group gap="xs">
          <Button variant="default" onClick={() => { missing.reload(); setShowMissing(true); }} rightSection={missingCount ? <Badge size="sm" color="orange">{missingCount}</Badge> : null}>
            {t('missing')}
          </Button>
          <Button variant="default" leftSection={<IconCloudDownload size={16} />} onClick={() => setSync(true)}>{t('sync')}</Button>
          <Button leftSection={<IconPlus size={16} />} onClick={() => setDraft({ model_name: '' })}>{t('add')}</Button>
        </Group>
      </Group>
      <DataTable
        label={t('tabModels')}
        columns={columns}
        rows={sortRows(list.items, columns, sort)}
        rowKey={(m) => m.id}
        {...listProps(list)}
        sort={sort}
        onSort={setSort}
      />
      <ModelForm
        draft={draft}
        vendors={vendors}
        onClose={() => setDraft(null)}
        onSaved={() => {
          setDraft(null);
          notifications.show({ color: 'teal', message: t('saved'), autoClose: 2500 });
          changed();
        }}
      />
      <MissingModal
        opened={showMissing}
        missing={missing.data}
        error={missing.error}
        onClose={() => setShowMissing(false)}
        onAdd={(name) => { setShowMissing(false); setDraft({ model_name: name }); }}
        onAdded={(count) => {
          notifications.show({ color: 'teal', message: t('addedAll', { count }), autoClose: 2500 });
          changed();
        }}
      />
      <SyncModal opened={sync} onClose={() => setSync(false)} onSynced={() => { changed(); reloadVendors(); }} />
      <ConfirmModal request={confirm} onClose={() => setConfirm(null)} />
    </>
  );
}

export default function ModelsPage() {
  const { t } = usePageStrings('models', S);
  const vendors = useRequest<Page<Vendor>>('/api/vendors/', { p: 1, page_size: 100 });
  return (
    <>
      <PageHeader title={t('title')} description={t('description')} />
      <Paper withBorder p="md" radius="md">
        <Tabs defaultValue="models" keepMounted={false}>
          <Tabs.List mb="md">
            <Tabs.Tab value="models">{t('tabModels')}</Tabs.Tab>
            <Tabs.Tab value="vendors">{t('tabVendors')}</Tabs.Tab>
          </Tabs.List>
          <Tabs.Panel value="models">
            {vendors.error && <Text c="red" size="sm" mb="sm" role="alert">{vendors.error}</Text>}
            <ModelsTab vendors={vendors.data?.items ?? []} reloadVendors={vendors.reload} />
          </Tabs.Panel>
          <Tabs.Panel value="vendors">
            <Vendors onChanged={vendors.reload} />
          </Tabs.Panel>
        </Tabs>
      </Paper>
    </>
  );
}
