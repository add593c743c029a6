// Create a batch of codes (POST /api/redemption/: name, value, count, expiry → the new keys)
// or edit one (PUT /api/redemption/: name, value, expiry). Values are typed in the display
// currency (or tokens) and sent as quota units.
import { Button, Drawer, Group, NumberInput, SegmentedControl, Stack, Text, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { post, put } from '../../api/client';
import { useQuotaOptions } from '../../api/session';
import { InlineError } from '../../components/Page';
import { usePageStrings } from '../../lib/i18n';
import { amountFromQuota, currencySymbol, displayKind, quotaFromAmount } from '../../lib/quota';
import { fromLocalInput, nowUnix, toLocalInput } from '../../lib/time';
import { S, type Redemption } from './strings';

export interface Created {
  name: string;
  quota: number;
  expired_time: number;
  keys: string[];
}

interface Props {
  mode: 'create' | 'edit' | null;
  code?: Redemption;
  onClose: () => void;
  onCreated: (created: Created) => void;
  onSaved: () => void;
}

export function CodeForm(props: Props) {
  const { t } = usePageStrings('redemptions', S);
  return (
    <Drawer opened={props.mode !== null} onClose={props.onClose} title={props.mode === 'edit' ? t('formEdit') : t('formCreate')} position="right" size="md">
      {props.mode && <Body key={props.code?.id ?? 'new'} {...props} />}
    </Drawer>
  );
}

function Body({ mode, code, onClose, onCreated, onSaved }: Props) {
  const { t } = usePageStrings('redemptions', S);
  const qo = useQuotaOptions();
  const kind = displayKind(qo);
  const unit = kind === 'TOKENS' ? t('tokensUnit') : currencySymbol(qo);
  const [name, setName] = useState(code?.name ?? '');
  const [amount, setAmount] = useState<number>(code ? amountFromQuota(code.quota, qo) : kind === 'TOKENS' ? 500000 : 10);
  const [count, setCount] = useState<number>(1);
  const [expiry, setExpiry] = useState<'never' | 'at'>(code?.expired_time ? 'at' : 'never');
  const [expiresAt, setExpiresAt] = useState(code?.expired_time ? toLocalInput(code.expired_time) : '');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const quota = quotaFromAmount(amount || 0, qo);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const expired = expiry === 'never' ? 0 : fromLocalInput(expiresAt);
    if (expiry === 'at' && (!Number.isFinite(expired) || expired <= nowUnix())) return setError(t('expiredPast'));
    if (quota <= 0) return setError(t('amountPositive'));
    setBusy(true);
    setError('');
    try {
      if (mode === 'edit' && code) {
        await put('/api/redemption/', { id: code.id, name: name.trim(), quota, expired_time: expired }, { inline: true });
        onSaved();
      } else {
        const keys = await post<string[]>('/api/redemption/', { name: name.trim(), quota, count, expired_time: expired }, { inline: true });
        onCreated({ name: name.trim(), quota, expired_time: expired, keys });
      }
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  const later = (seconds: number) => {
    setExpiry('at');
    setExpiresAt(toLocalInput(nowUnix() + seconds));
  };
  return (
    <form onSubmit={submit}>
      <Stack>
        <InlineError message={error} />
        <TextInput label={t('name')} description={t('nameHint')} required maxLength={20} value={name} onChange={(e) => setName(e.currentTarget.value)} data-autofocus />
        <NumberInput
          label={t('amount', { unit })}
          description={t('amountHint', { quota: quota.toLocaleString('en-US') })}
          required
          min={0}
          decimalScale={kind === 'TOKENS' ? 0 : 6}
          value={amount}
          onChange={(v) => setAmount(Number(v) || 0)}
        />
        {mode === 'create' && (
          <NumberInput label={t('count')} description={t('countHint')} required min={1} max={100} allowDecimal={false} value={count} onChange={(v) => setCount(Number(v) || 1)} />
        )}
        <Stack gap={4}>
          <Text size="sm" fw={500} id="code-expiry-label">{t('expiry')}</Text>
          <SegmentedControl
            aria-labelledby="code-expiry-label"
            value={expiry}
            onChange={(v) => setExpiry(v as 'never' | 'at')}
            data={[{ value: 'never', label: t('expiryNever') }, { value: 'at', label: t('expiryAt') }]}
          />
          {expiry === 'at' && (
            <>
              <TextInput type="datetime-local" label={t('expiresAt')} required value={expiresAt} onChange={(e) => setExpiresAt(e.currentTarget.value)} />
              <Group gap="xs">
                <Button size="xs" variant="default" onClick={() => later(86400)}>{t('plusDay')}</Button>
                <Button size="xs" variant="default" onClick={() => later(7 * 86400)}>{t('plusWeek')}</Button>
                <Button size="xs" variant="default" onClick={() => later(30 * 86400)}>{t('plusMonth')}</Button>
              </Group>
            </>
          )}
        </Stack>
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>{t('action.cancel')}</Button>
          <Button type="submit" loading={busy}>{mode === 'edit' ? t('action.save') : t('action.create')}</Button>
        </Group>
      </Stack>
    </form>
  );
}
