// Vendors (/api/vendors/): list, search, add, edit, delete. Models refer to them by id.
import { ActionIcon, Badge, Button, Group, Modal, Stack, Switch, Text, TextInput, Textarea } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconEdit, IconPlus, IconSearch, IconTrash } from '@tabler/icons-react';
import { useMemo, useState, type FormEvent } from 'react';
import { del, post, put } from '../../api/client';
import { usePagedList } from '../../api/hooks';
import { ConfirmModal, type ConfirmRequest } from '../../components/ConfirmModal';
import { DataTable, listProps, sortRows, type Column, type SortState } from '../../components/DataTable';
import { InlineError } from '../../components/Page';
import { usePageStrings } from '../../lib/i18n';
import { formatTime } from '../../lib/time';
import { S, type Vendor } from './strings';

export function Vendors({ onChanged }: { onChanged: () => void }) {
  const { t } = usePageStrings('models', S);
  const [query, setQuery] = useState('');
  const [keyword] = useDebouncedValue(query.trim(), 400);
  const list = usePagedList<Vendor>({ listPath: '/api/vendors/', searchPath: '/api/vendors/search', search: { keyword } });
  const [sort, setSort] = useState<SortState | null>(null);
  const [form, setForm] = useState<Partial<Vendor> | null>(null);
  const [confirm, setConfirm] = useState<ConfirmRequest | null>(null);
  const changed = () => {
    list.reload();
    onChanged();
  };

  const columns: Column<Vendor>[] = useMemo(() => [
    { key: 'id', title: 'ID', render: (v) => v.id, sortValue: (v) => v.id, width: 60 },
    { key: 'name', title: t('vName'), render: (v) => <Text fw={500} size="sm">{v.name}</Text>, sortValue: (v) => v.name.toLowerCase() },
    { key: 'description', title: t('vDescription'), render: (v) => <Text size="sm" lineClamp={2}>{v.description || '—'}</Text> },
    { key: 'icon', title: t('vIcon'), render: (v) => v.icon || '—' },
    { key: 'status', title: t('vStatus'), render: (v) => <Badge variant="light" color={v.status === 1 ? 'teal' : 'gray'}>{v.status === 1 ? t('status.enabled') : t('status.disabled')}</Badge>, sortValue: (v) => v.status },
    { key: 'created', title: t('vCreated'), render: (v) => <Text size="sm">{formatTime(v.created_time, false)}</Text>, sortValue: (v) => v.created_time },
    {
      key: 'actions', title: t('table.actions'),
      render: (v) => (
        <Group gap={4} wrap="nowrap">
          <ActionIcon variant="subtle" aria-label={t('editVendor', { name: v.name })} onClick={() => setForm(v)}><IconEdit size={16} /></ActionIcon>
          <ActionIcon
            variant="subtle"
            color="red"
            aria-label={t('deleteVendor', { name: v.name })}
            onClick={() => setConfirm({ message: t('vConfirmDelete', { name: v.name }), action: t('action.delete'), run: () => del(`/api/vendors/${v.id}`, { inline: true }).then(changed) })}
          >
            <IconTrash size={16} />
          </ActionIcon>
        </Group>
      ),
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
  ], [t]);

  return (
    <>
      <Group justify="space-between" mb="md" gap="sm">
        <TextInput aria-label={t('vSearch')} placeholder={t('vSearch')} leftSection={<IconSearch size={16} />} value={query} onChange={(e) => setQuery(e.currentTarget.value)} w={{ base: '100%', xs: 260 }} />
        <Button leftSection={<IconPlus size={16} />} onClick={() => setForm({})}>{t('addVendor')}</Button>
      </Group>
      <DataTable
        label={t('tabVendors')}
        columns={columns}
        rows={sortRows(list.items, columns, sort)}
        rowKey={(v) => v.id}
        {...listProps(list)}
        sort={sort}
        onSort={setSort}
      />
      <Modal opened={form !== null} onClose={() => setForm(null)} title={form?.id ? t('vFormEdit') : t('vFormCreate')} centered>
        {form && <VendorForm key={form.id ?? 'new'} vendor={form} onClose={() => setForm(null)} onSaved={() => { setForm(null); changed(); }} />}
      </Modal>
      <ConfirmModal request={confirm} onClose={() => setConfirm(null)} />
    </>
  );
}

function VendorForm({ vendor, onClose, onSaved }: { vendor: Partial<Vendor>; onClose: () => void; onSaved: () => void }) {
  const { t } = usePageStrings('models', S);
  const [name, setName] = useState(vendor.name ?? '');
  const [description, setDescription] = useState(vendor.description ?? '');
  const [icon, setIcon] = useState(vendor.icon ?? '');
  const [enabled, setEnabled] = useState((vendor.status ?? 1) === 1);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const body = { name: name.trim(), description, icon: icon.trim(), status: enabled ? 1 : 0 };
    setBusy(true);
    setError('');
    try {
      if (vendor.id) await put('/api/vendors/', { id: vendor.id, ...body }, { inline: true });
      else await post('/api/vendors/', body, { inline: true });
      onSaved();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit}>
      <Stack>
        <InlineError message={error} />
        <TextInput label={t('vName')} required maxLength={128} value={name} onChange={(e) => setName(e.currentTarget.value)} data-autofocus />
        <Textarea label={t('vDescription')} autosize minRows={2} value={description} onChange={(e) => setDescription(e.currentTarget.value)} />
        <TextInput label={t('vIcon')} description={t('iconHint')} maxLength={128} value={icon} onChange={(e) => setIcon(e.currentTarget.value)} />
        <Switch label={t('enabled')} checked={enabled} onChange={(e) => setEnabled(e.currentTarget.checked)} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>{t('action.cancel')}</Button>
          <Button type="submit" loading={busy}>{vendor.id ? t('action.save') : t('action.create')}</Button>
        </Group>
      </Stack>
    </form>
  );
}
