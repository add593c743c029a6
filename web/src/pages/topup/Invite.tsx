// Invites: the invite link (<origin>/register?aff=<code>, the code from GET /api/user/aff), the
// invite counts and rewards, and moving rewards to the balance (POST /api/user/aff_transfer:
// at least one unit, QuotaPerUnit quota, and no more than there is).
import { ActionIcon, Button, Code, Group, Modal, NumberInput, SimpleGrid, Stack, Text, Tooltip } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconCopy, IconTransfer } from '@tabler/icons-react';
import { useState, type FormEvent } from 'react';
import { post } from '../../api/client';
import { useRequest } from '../../api/hooks';
import { useQuotaOptions } from '../../api/session';
import { InlineError, copyText } from '../../components/Page';
import { usePageStrings } from '../../lib/i18n';
import { amountFromQuota, currencySymbol, displayKind, formatQuota, quotaFromAmount } from '../../lib/quota';
import { S, type SelfUser } from './strings';

export function Invite({ me, onChanged }: { me?: SelfUser; onChanged: () => void }) {
  const { t } = usePageStrings('topup', S);
  const qo = useQuotaOptions();
  const aff = useRequest<string>('/api/user/aff');
  const [open, setOpen] = useState(false);
  const link = aff.data ? `${window.location.origin}/register?aff=${aff.data}` : '';
  const unitQuota = Number(qo.quota_per_unit) > 0 ? Number(qo.quota_per_unit) : 500000;
  const rewards = me?.aff_quota ?? 0;

  return (
    <Stack>
      <Text size="sm" c="dimmed">{t('inviteHint')}</Text>
      <InlineError message={aff.error} onRetry={aff.reload} />
      <Stack gap={4}>
        <Text size="sm" fw={500}>{t('inviteLink')}</Text>
        <Group gap={4} wrap="nowrap">
          <Code style={{ wordBreak: 'break-all' }} data-testid="invite-link">{link || '…'}</Code>
          <Tooltip label={t('copyLink')}>
            <ActionIcon variant="subtle" aria-label={t('copyLink')} disabled={!link} onClick={() => void copyText(link)}>
              <IconCopy size={16} />
            </ActionIcon>
          </Tooltip>
        </Group>
      </Stack>
      <SimpleGrid cols={3} spacing="xs">
        <Stack gap={0}><Text size="xs" c="dimmed">{t('invited')}</Text><Text fw={600}>{me?.aff_count ?? '…'}</Text></Stack>
        <Stack gap={0}><Text size="xs" c="dimmed">{t('rewards')}</Text><Text fw={600} data-testid="aff-quota">{me ? formatQuota(rewards, qo) : '…'}</Text></Stack>
        <Stack gap={0}><Text size="xs" c="dimmed">{t('earned')}</Text><Text fw={600}>{me ? formatQuota(me.aff_history_quota, qo) : '…'}</Text></Stack>
      </SimpleGrid>
      <Tooltip label={t('transferLow', { min: formatQuota(unitQuota, qo) })} disabled={rewards >= unitQuota}>
        <div>
          <Button variant="light" leftSection={<IconTransfer size={16} />} disabled={rewards < unitQuota} onClick={() => setOpen(true)}>
            {t('transfer')}
          </Button>
        </div>
      </Tooltip>
      <Modal opened={open} onClose={() => setOpen(false)} title={t('transferTitle')} centered>
        {open && me && (
          <Transfer
            max={rewards}
            min={unitQuota}
            onDone={(quota) => {
              setOpen(false);
              notifications.show({ color: 'teal', message: t('transferred', { value: formatQuota(quota, qo) }) });
              onChanged();
            }}
            onCancel={() => setOpen(false)}
          />
        )}
      </Modal>
    </Stack>
  );
}

function Transfer({ min, max, onDone, onCancel }: { min: number; max: number; onDone: (quota: number) => void; onCancel: () => void }) {
  const { t } = usePageStrings('topup', S);
  const qo = useQuotaOptions();
  const kind = displayKind(qo);
  const [amount, setAmount] = useState(amountFromQuota(max, qo));
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const quota = Math.min(quotaFromAmount(amount || 0, qo), max);
    setBusy(true);
    setError('');
    try {
      await post('/api/user/aff_transfer', { quota }, { inline: true });
      onDone(quota);
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
        <NumberInput
          label={t('transferAmount', { unit: kind === 'TOKENS' ? t('tokensUnit') : currencySymbol(qo) })}
          description={t('transferHint', { min: formatQuota(min, qo), max: formatQuota(max, qo) })}
          min={amountFromQuota(min, qo)}
          max={amountFromQuota(max, qo)}
          decimalScale={kind === 'TOKENS' ? 0 : 6}
          value={amount}
          onChange={(v) => setAmount(Number(v) || 0)}
          data-autofocus
        />
        <Group justify="flex-end">
          <Button variant="default" onClick={onCancel}>{t('action.cancel')}</Button>
          <Button type="submit" loading={busy}>{t('transfer')}</Button>
        </Group>
      </Stack>
    </form>
  );
}
