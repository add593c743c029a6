// API keys (/console/token): list (paged, searchable by name or key, sortable on the page),
// create with quota or unlimited, expiry, model limits, IP limits and group; the full key is
// shown once after creating; copy, enable/disable, edit, delete, batch delete.
import {
  ActionIcon, Badge, Button, Code, Drawer, Group, Modal, NumberInput, Paper, SegmentedControl, Select, Stack,
  Switch, TagsInput, Text, TextInput, Textarea, Tooltip,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconCopy, IconEdit, IconPlus, IconSearch, IconTrash } from '@tabler/icons-react';
import { useMemo, useState, type FormEvent } from 'react';
import { del, post, put } from '../api/client';
import { usePagedList, useRequest } from '../api/hooks';
import { useQuotaOptions } from '../api/session';
import type { GroupInfo, Token } from '../api/types';
import { DataTable, listProps, sortRows, type Column, type SortState } from '../components/DataTable';
import { InlineError, PageHeader, copyText } from '../components/Page';
import { usePageStrings } from '../lib/i18n';
import { amountFromQuota, currencySymbol, displayKind, formatQuota, quotaFromAmount } from '../lib/quota';
import { formatTime, fromLocalInput, nowUnix, toLocalInput } from '../lib/time';

const S = {
  en: {
    title: 'API keys',
    description: 'Keys for the relay (/v1). Each key can have its own quota, expiry, models, IPs and group.',
    create: 'Create key', searchName: 'Search by name', searchKey: 'Search by key',
    name: 'Name', status: 'Status', key: 'Key', quota: 'Remaining', used: 'Used', group: 'Group',
    models: 'Models', ips: 'IP limit', created: 'Created', accessed: 'Last used', expires: 'Expires',
    unlimited: 'Unlimited', never: 'Never', any: 'Any', userGroup: 'Your group',
    copyKey: 'Copy the full key', enableKey: 'Enable key {{name}}', disableKey: 'Disable key {{name}}',
    editKey: 'Edit key {{name}}', deleteKey: 'Delete key {{name}}',
    deleteSelected: 'Delete selected ({{count}})',
    confirmDelete: 'Delete key "{{name}}"? Clients using it will be refused at once.',
    confirmBatch: 'Delete {{count}} keys? Clients using them will be refused at once.',
    deleted: 'Deleted {{count}} key(s).',
    formCreate: 'Create an API key', formEdit: 'Edit API key',
    nameHint: 'A label for you, up to 50 characters.',
    unlimitedLabel: 'Unlimited quota', unlimitedHint: 'The key spends from your wallet without a limit of its own.',
    amount: 'Quota ({{unit}})', amountHint: '≈ {{quota}} quota units',
    expiry: 'Expiry', expiryNever: 'Never', expiryAt: 'At a time', expiryAtLabel: 'Expires at',
    plusHour: '+1 hour', plusDay: '+1 day', plusMonth: '+30 days',
    modelLimits: 'Limit the models', modelLimitsHint: 'Only the models listed below can be called with this key.',
    modelList: 'Allowed models', modelListHint: 'Pick from the models you can use, or type a name and press Enter.',
    ipLimits: 'Allowed IPs', ipHint: 'One IP address or CIDR range per line; empty allows any.',
    groupLabel: 'Group', groupHint: 'Routing group; empty uses your own group.',
    created_ok: 'Key created', keyOnce: 'Copy the key now. It is shown in full only this once; the list shows it masked.',
    saved: 'Saved.', enabled: 'Key enabled.', disabled: 'Key disabled.',
    tokensUnit: 'tokens', expiredPast: 'The expiry must be in the future.',
  },
  zh: {
    title: 'API 令牌',
    description: '用于中继接口（/v1）的密钥，每个令牌可以单独设置额度、过期时间、模型、IP 和分组。',
    create: '创建令牌', searchName: '按名称搜索', searchKey: '按密钥搜索',
    name: '名称', status: '状态', key: '密钥', quota: '剩余额度', used: '已用额度', group: '分组',
    models: '模型', ips: 'IP 限制', created: '创建时间', accessed: '最近使用', expires: '过期时间',
    unlimited: '无限额度', never: '永不过期', any: '不限', userGroup: '用户分组',
    copyKey: '复制完整密钥', enableKey: '启用令牌 {{name}}', disableKey: '禁用令牌 {{name}}',
    editKey: '编辑令牌 {{name}}', deleteKey: '删除令牌 {{name}}',
    deleteSelected: '删除所选（{{count}}）',
    confirmDelete: '删除令牌“{{name}}”？使用它的客户端会立即被拒绝。',
    confirmBatch: '删除 {{count}} 个令牌？使用它们的客户端会立即被拒绝。',
    deleted: '已删除 {{count}} 个令牌。',
    formCreate: '创建 API 令牌', formEdit: '编辑 API 令牌',
    nameHint: '便于识别的名称，最多 50 个字符。',
    unlimitedLabel: '无限额度', unlimitedHint: '令牌本身不限额，从你的钱包扣费。',
    amount: '额度（{{unit}}）', amountHint: '≈ {{quota}} 额度单位',
    expiry: '过期时间', expiryNever: '永不过期', expiryAt: '指定时间', expiryAtLabel: '过期于',
    plusHour: '+1 小时', plusDay: '+1 天', plusMonth: '+30 天',
    modelLimits: '限制模型', modelLimitsHint: '此令牌只能调用下面列出的模型。',
    modelList: '允许的模型', modelListHint: '从可用模型中选择，或输入名称后回车。',
    ipLimits: 'IP 白名单', ipHint: '每行一个 IP 地址或 CIDR 网段；留空表示不限。',
    groupLabel: '分组', groupHint: '路由分组；留空使用你的用户分组。',
    created_ok: '令牌已创建', keyOnce: '请立即复制密钥。完整密钥只显示这一次，列表中只显示掩码。',
    saved: '已保存。', enabled: '令牌已启用。', disabled: '令牌已禁用。',
    tokensUnit: 'tokens', expiredPast: '过期时间必须晚于现在。',
  },
};

interface Form {
  id?: number;
  name: string;
  unlimited: boolean;
  amount: number;
  expiry: 'never' | 'at';
  expiresAt: string;
  limitModels: boolean;
  models: string[];
  ips: string;
  group: string;
}

const EMPTY: Form = { name: '', unlimited: true, amount: 10, expiry: 'never', expiresAt: '', limitModels: false, models: [], ips: '', group: '' };

function StatusBadge({ status, t }: { status: number; t: (k: string) => string }) {
  const map: Record<number, [string, string]> = {
    1: ['teal', 'status.enabled'], 2: ['gray', 'status.disabled'], 3: ['orange', 'status.expired'], 4: ['red', 'status.exhausted'],
  };
  const [color, key] = map[status] ?? ['gray', String(status)];
  return <Badge color={color} variant="light">{t(key)}</Badge>;
}

export default function TokensPage() {
  const { t } = usePageStrings('tokens', S);
  const qo = useQuotaOptions();
  const [nameQuery, setNameQuery] = useState('');
  const [keyQuery, setKeyQuery] = useState('');
  const [keyword] = useDebouncedValue(nameQuery.trim(), 400);
  const [token] = useDebouncedValue(keyQuery.trim(), 400);
  const list = usePagedList<Token>({ listPath: '/api/token/', searchPath: '/api/token/search', search: { keyword, token }, pageSizeParam: 'size' });
  const [sort, setSort] = useState<SortState | null>(null);
  const [selected, setSelected] = useState<Set<number | string>>(new Set());
  const [form, setForm] = useState<Form | null>(null);
  const [formError, setFormError] = useState('');
  const [busy, setBusy] = useState(false);
  const [newKey, setNewKey] = useState('');
  const [confirm, setConfirm] = useState<{ ids: number[]; text: string } | null>(null);
  const models = useRequest<string[]>(form ? '/api/user/models' : null);
  const groups = useRequest<Record<string, GroupInfo>>(form ? '/api/user/self/groups' : null);
  const kind = displayKind(qo);
  const unit = kind === 'TOKENS' ? t('tokensUnit') : currencySymbol(qo);

  const toggleStatus = async (row: Token) => {
    const status = row.status === 1 ? 2 : 1;
    try {
      await put('/api/token/?status_only=true', { id: row.id, status });
      list.reload();
    } catch {
      /* reported by the client */
    }
  };

  const copyFull = async (row: Token) => {
    try {
      const data = await post<{ key: string }>(`/api/token/${row.id}/key`);
      await copyText(`sk-${data.key.replace(/^sk-/, '')}`);
    } catch {
      /* reported by the client */
    }
  };

  const remove = async () => {
    if (!confirm) return;
    setBusy(true);
    try {
      if (confirm.ids.length === 1) await del(`/api/token/${confirm.ids[0]}`);
      else await post('/api/token/batch', { ids: confirm.ids });
      setSelected(new Set());
      setConfirm(null);
      list.reload();
    } catch {
      /* reported by the client */
    } finally {
      setBusy(false);
    }
  };

  const openEdit = (row: Token) => {
    setFormError('');
    setForm({
      id: row.id, name: row.name, unlimited: row.unlimited_quota, amount: amountFromQuota(row.remain_quota, qo),
      expiry: row.expired_time === -1 ? 'never' : 'at', expiresAt: row.expired_time === -1 ? '' : toLocalInput(row.expired_time),
      limitModels: row.model_limits_enabled, models: row.model_limits ? row.model_limits.split(',').filter(Boolean) : [],
      ips: row.allow_ips ?? '', group: row.group ?? '',
    });
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!form) return;
    const expired = form.expiry === 'never' ? -1 : fromLocalInput(form.expiresAt);
    if (form.expiry === 'at' && (!Number.isFinite(expired) || expired <= nowUnix())) return setFormError(t('expiredPast'));
    const body = {
      name: form.name.trim(), unlimited_quota: form.unlimited, remain_quota: form.unlimited ? 0 : quotaFromAmount(form.amount, qo),
      expired_time: expired, model_limits_enabled: form.limitModels, model_limits: form.models.join(','),
      allow_ips: form.ips.trim(), group: form.group,
    };
    setBusy(true);
    setFormError('');
    try {
      if (form.id) {
        await put('/api/token/', { id: form.id, ...body }, { inline: true });
      } else {
        const created = await post<Token>('/api/token/', body, { inline: true });
        setNewKey(created.key.startsWith('sk-') ? created.key : `sk-${created.key}`);
      }
      setForm(null);
      list.reload();
    } catch (err) {
      setFormError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  const columns: Column<Token>[] = useMemo(() => [
    { key: 'name', title: t('name'), render: (r) => <Text fw={500}>{r.name}</Text>, sortValue: (r) => r.name.toLowerCase() },
    { key: 'status', title: t('status'), render: (r) => <StatusBadge status={r.status} t={t} />, sortValue: (r) => r.status },
    {
      key: 'key', title: t('key'),
      render: (r) => (
        <Group gap={4} wrap="nowrap">
          <Code>sk-{r.key}</Code>
          <Tooltip label={t('copyKey')}>
            <ActionIcon variant="subtle" aria-label={`${t('copyKey')}: ${r.name}`} onClick={() => void copyFull(r)}>
              <IconCopy size={16} />
            </ActionIcon>
          </Tooltip>
        </Group>
      ),
    },
    { key: 'quota', title: t('quota'), render: (r) => (r.unlimited_quota ? <Badge variant="outline">{t('unlimited')}</Badge> : formatQuota(r.remain_quota, qo)), sortValue: (r) => (r.unlimited_quota ? Number.MAX_SAFE_INTEGER : r.remain_quota) },
    { key: 'used', title: t('used'), render: (r) => formatQuota(r.used_quota, qo), sortValue: (r) => r.used_quota },
    { key: 'group', title: t('group'), render: (r) => r.group || <Text c="dimmed" size="sm">{t('userGroup')}</Text>, sortValue: (r) => r.group },
    { key: 'models', title: t('models'), render: (r) => (r.model_limits_enabled ? <Tooltip label={r.model_limits || '—'}><Badge variant="light" color="violet">{(r.model_limits || '').split(',').filter(Boolean).length}</Badge></Tooltip> : <Text c="dimmed" size="sm">{t('any')}</Text>) },
    { key: 'ips', title: t('ips'), render: (r) => (r.allow_ips ? <Tooltip label={r.allow_ips}><Badge variant="light">{r.allow_ips.split('\n').length}</Badge></Tooltip> : <Text c="dimmed" size="sm">{t('any')}</Text>) },
    { key: 'created', title: t('created'), render: (r) => <Text size="sm">{formatTime(r.created_time, false)}</Text>, sortValue: (r) => r.created_time },
    { key: 'accessed', title: t('accessed'), render: (r) => <Text size="sm">{formatTime(r.accessed_time, false)}</Text>, sortValue: (r) => r.accessed_time },
    { key: 'expires', title: t('expires'), render: (r) => <Text size="sm">{r.expired_time === -1 ? t('never') : formatTime(r.expired_time, false)}</Text>, sortValue: (r) => (r.expired_time === -1 ? Number.MAX_SAFE_INTEGER : r.expired_time) },
    {
      key: 'actions', title: t('table.actions'),
      render: (r) => (
        <Group gap={4} wrap="nowrap">
          <Switch
            checked={r.status === 1}
            onChange={() => void toggleStatus(r)}
            aria-label={r.status === 1 ? t('disableKey', { name: r.name }) : t('enableKey', { name: r.name })}
            size="sm"
          />
          <ActionIcon variant="subtle" aria-label={t('editKey', { name: r.name })} onClick={() => openEdit(r)}>
            <IconEdit size={16} />
          </ActionIcon>
          <ActionIcon variant="subtle" color="red" aria-label={t('deleteKey', { name: r.name })} onClick={() => setConfirm({ ids: [r.id], text: t('confirmDelete', { name: r.name }) })}>
            <IconTrash size={16} />
          </ActionIcon>
        </Group>
      ),
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
  ], [t, qo]);

  const groupOptions = [
    { value: '', label: t('userGroup') },
    ...Object.entries(groups.data ?? {}).map(([name, g]) => ({ value: name, label: `${name}${g.desc ? ` — ${g.desc}` : ''} (×${g.ratio})` })),
  ];
  const addTime = (seconds: number) => form && setForm({ ...form, expiry: 'at', expiresAt: toLocalInput(nowUnix() + seconds) });

  return (
    <>
      <PageHeader
        title={t('title')}
        description={t('description')}
        actions={
          <>
            {selected.size > 0 && (
              <Button color="red" variant="light" leftSection={<IconTrash size={16} />} onClick={() => setConfirm({ ids: [...selected].map(Number), text: t('confirmBatch', { count: selected.size }) })}>
                {t('deleteSelected', { count: selected.size })}
              </Button>
            )}
            <Button leftSection={<IconPlus size={16} />} onClick={() => { setFormError(''); setForm({ ...EMPTY }); }}>
              {t('create')}
            </Button>
          </>
        }
      />
      <Paper withBorder p="md" radius="md">
        <Group mb="md" gap="sm">
          <TextInput aria-label={t('searchName')} placeholder={t('searchName')} leftSection={<IconSearch size={16} />} value={nameQuery} onChange={(e) => setNameQuery(e.currentTarget.value)} w={240} />
          <TextInput aria-label={t('searchKey')} placeholder={t('searchKey')} leftSection={<IconSearch size={16} />} value={keyQuery} onChange={(e) => setKeyQuery(e.currentTarget.value)} w={240} />
        </Group>
        <DataTable
          label={t('title')}
          columns={columns}
          rows={sortRows(list.items, columns, sort)}
          rowKey={(r) => r.id}
          {...listProps(list)}
          sort={sort}
          onSort={setSort}
          selected={selected}
          onSelect={setSelected}
        />
      </Paper>

      <Drawer opened={form !== null} onClose={() => setForm(null)} title={form?.id ? t('formEdit') : t('formCreate')} position="right" size="md">
        {form && (
          <form onSubmit={submit}>
            <Stack>
              <InlineError message={formError} />
              <TextInput label={t('name')} description={t('nameHint')} maxLength={50} required value={form.name} onChange={(e) => setForm({ ...form, name: e.currentTarget.value })} data-autofocus />
              <Switch label={t('unlimitedLabel')} description={t('unlimitedHint')} checked={form.unlimited} onChange={(e) => setForm({ ...form, unlimited: e.currentTarget.checked })} />
              {!form.unlimited && (
                <NumberInput
                  label={t('amount', { unit })}
                  description={t('amountHint', { quota: quotaFromAmount(form.amount || 0, qo).toLocaleString() })}
                  min={0}
                  decimalScale={kind === 'TOKENS' ? 0 : 6}
                  value={form.amount}
                  onChange={(v) => setForm({ ...form, amount: Number(v) || 0 })}
                />
              )}
              <Stack gap={4}>
                <Text size="sm" fw={500} id="expiry-label">{t('expiry')}</Text>
                <SegmentedControl aria-labelledby="expiry-label" value={form.expiry} onChange={(v) => setForm({ ...form, expiry: v as Form['expiry'] })} data={[{ value: 'never', label: t('expiryNever') }, { value: 'at', label: t('expiryAt') }]} />
                {form.expiry === 'at' && (
                  <>
                    <TextInput type="datetime-local" label={t('expiryAtLabel')} value={form.expiresAt} onChange={(e) => setForm({ ...form, expiresAt: e.currentTarget.value })} required />
                    <Group gap="xs">
                      <Button size="xs" variant="default" onClick={() => addTime(3600)}>{t('plusHour')}</Button>
                      <Button size="xs" variant="default" onClick={() => addTime(86400)}>{t('plusDay')}</Button>
                      <Button size="xs" variant="default" onClick={() => addTime(30 * 86400)}>{t('plusMonth')}</Button>
                    </Group>
                  </>
                )}
              </Stack>
              <Select label={t('groupLabel')} description={t('groupHint')} data={groupOptions} value={form.group} onChange={(v) => setForm({ ...form, group: v ?? '' })} allowDeselect={false} />
              <Switch label={t('modelLimits')} description={t('modelLimitsHint')} checked={form.limitModels} onChange={(e) => setForm({ ...form, limitModels: e.currentTarget.checked })} />
              {form.limitModels && (
                <TagsInput label={t('modelList')} description={t('modelListHint')} data={models.data ?? []} value={form.models} onChange={(v) => setForm({ ...form, models: v })} clearable />
              )}
              <Textarea label={t('ipLimits')} description={t('ipHint')} autosize minRows={2} value={form.ips} onChange={(e) => setForm({ ...form, ips: e.currentTarget.value })} placeholder={'203.0.113.7\n10.0.0.0/8'} />
              <Group justify="flex-end">
                <Button variant="default" onClick={() => setForm(null)}>{t('action.cancel')}</Button>
                <Button type="submit" loading={busy}>{form.id ? t('action.save') : t('action.create')}</Button>
              </Group>
            </Stack>
          </form>
        )}
      </Drawer>

      <Modal opened={newKey !== ''} onClose={() => setNewKey('')} title={t('created_ok')} centered size="lg">
        <Stack>
          <Text size="sm">{t('keyOnce')}</Text>
          <Code block data-testid="new-key" style={{ wordBreak: 'break-all', whiteSpace: 'pre-wrap' }}>{newKey}</Code>
          <Group justify="flex-end">
            <Button leftSection={<IconCopy size={16} />} onClick={() => void copyText(newKey)} data-testid="copy-new-key">{t('action.copy')}</Button>
            <Button variant="default" onClick={() => setNewKey('')}>{t('action.close')}</Button>
          </Group>
        </Stack>
      </Modal>

      <Modal opened={confirm !== null} onClose={() => setConfirm(null)} title={t('action.confirm')} centered>
        <Stack>
          <Text>{confirm?.text}</Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setConfirm(null)}>{t('action.cancel')}</Button>
            <Button color="red" loading={busy} onClick={() => void remove()} data-testid="confirm-delete">{t('action.delete')}</Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
