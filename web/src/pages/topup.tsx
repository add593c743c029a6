// Wallet (/console/topup): the balance (/api/user/self), redeeming a code (POST /api/user/topup),
// online top-up as /api/user/topup/info enables it (a clear message when payments are off),
// the history of credits and payment orders, and the invite link with its rewards.
import { Alert, Anchor, Button, Card, Grid, Group, Paper, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { IconExternalLink, IconTicket } from '@tabler/icons-react';
import { useState, type FormEvent, type ReactNode } from 'react';
import { post } from '../api/client';
import { useRequest } from '../api/hooks';
import { useAppState, useQuotaOptions } from '../api/session';
import { InlineError, PageHeader } from '../components/Page';
import { usePageStrings } from '../lib/i18n';
import { formatQuota } from '../lib/quota';
import { History } from './topup/History';
import { Invite } from './topup/Invite';
import { Payments } from './topup/Payments';
import { S, type SelfUser, type TopupInfo } from './topup/strings';

function Stat({ title, value, testid }: { title: string; value: string; testid: string }) {
  return (
    <Paper withBorder p="md" radius="md">
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>{title}</Text>
      <Text size="xl" fw={700} mt={4} data-testid={testid}>{value}</Text>
    </Paper>
  );
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Card withBorder radius="md" padding="md" h="100%">
      <Title order={4} mb="sm">{title}</Title>
      {children}
    </Card>
  );
}

function Redeem({ onRedeemed }: { onRedeemed: () => void }) {
  const { t } = usePageStrings('topup', S);
  const qo = useQuotaOptions();
  const { status } = useAppState();
  const [code, setCode] = useState('');
  const [error, setError] = useState('');
  const [done, setDone] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    setDone('');
    try {
      const quota = await post<number>('/api/user/topup', { key: code.trim() }, { inline: true });
      setDone(t('redeemed', { value: formatQuota(Number(quota) || 0, qo) }));
      setCode('');
      onRedeemed();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  const link = typeof status?.top_up_link === 'string' ? status.top_up_link : '';
  return (
    <form onSubmit={submit}>
      <Stack>
        <InlineError message={error} />
        {done && <Alert color="teal" role="status" data-testid="redeem-done" withCloseButton onClose={() => setDone('')}>{done}</Alert>}
        <TextInput label={t('code')} description={t('codeHint')} required value={code} onChange={(e) => setCode(e.currentTarget.value)} autoComplete="off" spellCheck={false} maxLength={64} />
        <Group justify="space-between">
          {link ? (
            <Anchor href={link} target="_blank" rel="noopener noreferrer" size="sm">
              <Group gap={4}>{t('buyCode')}<IconExternalLink size={14} /></Group>
            </Anchor>
          ) : <span />}
          <Button type="submit" leftSection={<IconTicket size={16} />} loading={busy} disabled={!code.trim()}>{t('redeem')}</Button>
        </Group>
      </Stack>
    </form>
  );
}

export default function TopupPage() {
  const { t } = usePageStrings('topup', S);
  const qo = useQuotaOptions();
  const self = useRequest<SelfUser>('/api/user/self');
  const info = useRequest<TopupInfo>('/api/user/topup/info');
  const [tick, setTick] = useState(0);
  const me = self.data;
  const changed = () => {
    self.reload();
    setTick((n) => n + 1);
  };

  return (
    <>
      <PageHeader title={t('title')} description={t('description')} />
      <InlineError message={self.error} onRetry={self.reload} />
      <SimpleGrid cols={{ base: 1, xs: 3 }} mb="md">
        <Stat title={t('balance')} value={me ? formatQuota(me.quota, qo) : '…'} testid="wallet-balance" />
        <Stat title={t('used')} value={me ? formatQuota(me.used_quota, qo) : '…'} testid="wallet-used" />
        <Stat title={t('requests')} value={me ? me.request_count.toLocaleString('en-US') : '…'} testid="wallet-requests" />
      </SimpleGrid>
      <Grid mb="md">
        <Grid.Col span={{ base: 12, md: 6 }}>
          <Section title={t('redeemTitle')}>
            <Redeem onRedeemed={changed} />
          </Section>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 6 }}>
          <Section title={t('payTitle')}>
            <Payments info={info.data} error={info.error} onRetry={info.reload} />
          </Section>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 8 }}>
          <Section title={t('historyTitle')}>
            <History tick={tick} />
          </Section>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 4 }}>
          <Section title={t('inviteTitle')}>
            <Invite me={me} onChanged={changed} />
          </Section>
        </Grid.Col>
      </Grid>
    </>
  );
}
