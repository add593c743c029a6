// Adjust a user's balance: add, subtract or set it (POST /api/user/manage, action add_quota),
// typed in the display currency (or tokens) and sent as quota units, with the result previewed.
import { Button, Group, Modal, NumberInput, SegmentedControl, Stack, Text } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { post } from '../../api/client';
import { useQuotaOptions } from '../../api/session';
import { InlineError } from '../../components/Page';
import { usePageStrings } from '../../lib/i18n';
import { currencySymbol, displayKind, formatQuota, quotaFromAmount } from '../../lib/quota';
import { S, type AdminUser } from './strings';

type Mode = 'add' | 'subtract' | 'override';

export function QuotaModal({ user, onClose, onSaved }: { user: AdminUser | null; onClose: () => void; onSaved: () => void }) {
  const { t } = usePageStrings('users', S);
  return (
    <Modal opened={user !== null} onClose={onClose} title={user ? `${t('quotaTitle')} · ${user.username}` : ''} centered>
      {user && <QuotaBody key={user.id} user={user} onClose={onClose} onSaved={onSaved} />}
    </Modal>
  );
}

function QuotaBody({ user, onClose, onSaved }: { user: AdminUser; onClose: () => void; onSaved: () => void }) {
  const { t } = usePageStrings('users', S);
  const qo = useQuotaOptions();
  const [mode, setMode] = useState<Mode>('add');
  const [amount, setAmount] = useState<number>(0);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const kind = displayKind(qo);
  const unit = kind === 'TOKENS' ? t('tokensUnit') : currencySymbol(qo);
  const value = quotaFromAmount(amount || 0, qo);
  const after = mode === 'add' ? user.quota + value : mode === 'subtract' ? user.quota - value : value;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (mode !== 'override' && value <= 0) return setError(t('amountPositive'));
    setBusy(true);
    setError('');
    try {
      await post('/api/user/manage', { id: user.id, action: 'add_quota', mode, value }, { inline: true });
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
        <Text size="sm">
          {t('current')}: <Text span fw={600} data-testid="quota-current">{formatQuota(user.quota, qo)}</Text>
        </Text>
        <Stack gap={4}>
          <Text size="sm" fw={500} id="quota-mode-label">{t('mode')}</Text>
          <SegmentedControl
            aria-labelledby="quota-mode-label"
            value={mode}
            onChange={(v) => setMode(v as Mode)}
            data={[{ value: 'add', label: t('add') }, { value: 'subtract', label: t('subtract') }, { value: 'override', label: t('override') }]}
          />
        </Stack>
        <NumberInput
          label={t('amount', { unit })}
          description={t('amountHint', { quota: value.toLocaleString('en-US') })}
          min={0}
          decimalScale={kind === 'TOKENS' ? 0 : 6}
          value={amount}
          onChange={(v) => setAmount(Number(v) || 0)}
          data-autofocus
        />
        <Text size="sm" c={after < 0 ? 'red' : 'dimmed'} data-testid="quota-after">{t('after', { value: formatQuota(after, qo) })}</Text>
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>{t('action.cancel')}</Button>
          <Button type="submit" loading={busy}>{t('apply')}</Button>
        </Group>
      </Stack>
    </form>
  );
}
