// Notification settings and preferences: read from the `setting` JSON of /api/user/self, saved
// whole with PUT /api/user/setting (new-api's fields: notify_type email/webhook/bark/gotify,
// quota_warning_threshold and the type's own fields, accept_unset_model_ratio_model,
// record_ip_log, upstream_model_update_notify_enabled for admins).
import { Button, Group, NumberInput, PasswordInput, SegmentedControl, Stack, Switch, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMemo, useState, type FormEvent } from 'react';
import { put } from '../../api/client';
import { useQuotaOptions } from '../../api/session';
import { ROLE_ADMIN } from '../../api/types';
import { InlineError } from '../../components/Page';
import { usePageStrings } from '../../lib/i18n';
import { formatQuota } from '../../lib/quota';
import { S, message, type SelfUser } from './strings';

type NotifyType = 'email' | 'webhook' | 'bark' | 'gotify';

interface Settings {
  notify_type: NotifyType;
  quota_warning_threshold: number;
  notification_email: string;
  webhook_url: string;
  webhook_secret: string;
  bark_url: string;
  gotify_url: string;
  gotify_token: string;
  gotify_priority: number;
  accept_unset_model_ratio_model: boolean;
  record_ip_log: boolean;
  upstream_model_update_notify_enabled: boolean;
}

function parse(raw: string, unit: number): Settings {
  let s: Record<string, unknown> = {};
  try {
    const v: unknown = JSON.parse(raw || '{}');
    if (v && typeof v === 'object') s = v as Record<string, unknown>;
  } catch {
    s = {};
  }
  const str = (k: string) => (typeof s[k] === 'string' ? (s[k] as string) : '');
  const kind = ['email', 'webhook', 'bark', 'gotify'].includes(str('notify_type')) ? (str('notify_type') as NotifyType) : 'email';
  const threshold = Number(s.quota_warning_threshold);
  const priority = Number(s.gotify_priority);
  return {
    notify_type: kind,
    quota_warning_threshold: threshold > 0 ? threshold : unit,
    notification_email: str('notification_email'),
    webhook_url: str('webhook_url'),
    webhook_secret: str('webhook_secret'),
    bark_url: str('bark_url'),
    gotify_url: str('gotify_url'),
    gotify_token: str('gotify_token'),
    gotify_priority: Number.isInteger(priority) && priority >= 0 && priority <= 10 && s.gotify_priority !== undefined ? priority : 5,
    accept_unset_model_ratio_model: s.accept_unset_model_ratio_model === true,
    record_ip_log: s.record_ip_log === true,
    upstream_model_update_notify_enabled: s.upstream_model_update_notify_enabled === true,
  };
}

export function Notifications({ me, onChanged }: { me: SelfUser; onChanged: () => void }) {
  const { t } = usePageStrings('personal', S);
  const qo = useQuotaOptions();
  const unit = Number(qo.quota_per_unit) > 0 ? Number(qo.quota_per_unit) : 500000;
  const initial = useMemo(() => parse(me.setting, unit), [me.setting, unit]);
  const [form, setForm] = useState<Settings>(initial);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const set = <K extends keyof Settings>(key: K, value: Settings[K]) => setForm((f) => ({ ...f, [key]: value }));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      await put('/api/user/setting', form, { inline: true });
      notifications.show({ color: 'teal', message: t('settingsSaved') });
      onChanged();
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(false);
    }
  };

  const kind = form.notify_type;
  return (
    <form onSubmit={submit}>
      <Stack>
        <Text size="sm" c="dimmed">{t('notifyHint')}</Text>
        <InlineError message={error} />
        <Stack gap={4}>
          <Text size="sm" fw={500} id="notify-type-label">{t('notifyType')}</Text>
          <SegmentedControl
            aria-labelledby="notify-type-label"
            value={kind}
            onChange={(v) => set('notify_type', v as NotifyType)}
            data={(['email', 'webhook', 'bark', 'gotify'] as const).map((v) => ({
              value: v,
              label: t(`via${v[0].toUpperCase()}${v.slice(1)}`),
            }))}
          />
        </Stack>
        <NumberInput
          label={t('threshold')}
          description={t('thresholdHint', { value: formatQuota(form.quota_warning_threshold || 0, qo) })}
          min={1}
          allowDecimal={false}
          thousandSeparator=","
          required
          value={form.quota_warning_threshold}
          onChange={(v) => set('quota_warning_threshold', Number(v) || 0)}
        />
        {kind === 'email' && (
          <TextInput
            label={t('notifyEmail')}
            description={t('notifyEmailHint')}
            type="email"
            value={form.notification_email}
            placeholder={me.email}
            onChange={(e) => set('notification_email', e.currentTarget.value)}
          />
        )}
        {kind === 'webhook' && (
          <>
            <TextInput label={t('webhookUrl')} type="url" required value={form.webhook_url} onChange={(e) => set('webhook_url', e.currentTarget.value)} />
            <PasswordInput label={t('webhookSecret')} description={t('webhookSecretHint')} value={form.webhook_secret} onChange={(e) => set('webhook_secret', e.currentTarget.value)} autoComplete="off" />
          </>
        )}
        {kind === 'bark' && (
          <TextInput
            label={t('barkUrl')}
            description={t('barkHint', { title: '{{title}}', content: '{{content}}' })}
            type="url"
            required
            value={form.bark_url}
            onChange={(e) => set('bark_url', e.currentTarget.value)}
          />
        )}
        {kind === 'gotify' && (
          <>
            <TextInput label={t('gotifyUrl')} type="url" required value={form.gotify_url} onChange={(e) => set('gotify_url', e.currentTarget.value)} />
            <PasswordInput label={t('gotifyToken')} required value={form.gotify_token} onChange={(e) => set('gotify_token', e.currentTarget.value)} autoComplete="off" />
            <NumberInput label={t('gotifyPriority')} min={0} max={10} allowDecimal={false} value={form.gotify_priority} onChange={(v) => set('gotify_priority', Number(v) || 0)} />
          </>
        )}
        <Text size="sm" fw={600} mt="xs">{t('otherTitle')}</Text>
        <Switch
          label={t('acceptUnset')}
          description={t('acceptUnsetHint')}
          checked={form.accept_unset_model_ratio_model}
          onChange={(e) => set('accept_unset_model_ratio_model', e.currentTarget.checked)}
        />
        <Switch label={t('recordIp')} description={t('recordIpHint')} checked={form.record_ip_log} onChange={(e) => set('record_ip_log', e.currentTarget.checked)} />
        {me.role >= ROLE_ADMIN && (
          <Switch
            label={t('modelNotify')}
            description={t('modelNotifyHint')}
            checked={form.upstream_model_update_notify_enabled}
            onChange={(e) => set('upstream_model_update_notify_enabled', e.currentTarget.checked)}
          />
        )}
        <Group justify="flex-end">
          <Button type="submit" loading={busy}>{t('saveSettings')}</Button>
        </Group>
      </Stack>
    </form>
  );
}
