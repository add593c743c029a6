// Personal settings (/console/personal): the profile (display name, email bound with a mailed
// code), password, access token, two-factor authentication, passkey, sign-in bindings,
// notification settings, invites and deleting the account. Its parts are in pages/personal/.
import { Card, Center, Grid, Loader, Stack, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { useRequest } from '../api/hooks';
import { InlineError, PageHeader } from '../components/Page';
import { usePageStrings } from '../lib/i18n';
import { AccessToken } from './personal/AccessToken';
import { Bindings } from './personal/Bindings';
import { DeleteAccount } from './personal/DeleteAccount';
import { Notifications } from './personal/Notifications';
import { Passkey } from './personal/Passkey';
import { Password } from './personal/Password';
import { Profile, ProfileHeader } from './personal/Profile';
import { S, type SelfUser } from './personal/strings';
import { TwoFactor } from './personal/TwoFactor';
import { Invite } from './topup/Invite';

function Section({ title, children, testid }: { title: string; children: ReactNode; testid: string }) {
  return (
    <Card withBorder radius="md" padding="md" component="section" aria-label={title} data-testid={testid}>
      <Title order={4} mb="sm">{title}</Title>
      {children}
    </Card>
  );
}

export default function PersonalPage() {
  const { t } = usePageStrings('personal', S);
  const self = useRequest<SelfUser>('/api/user/self');
  const me = self.data;

  let body: ReactNode;
  if (!me) {
    body = self.error ? null : (
      <Center py="xl" role="status">
        <Loader size="sm" mr="sm" />
        <Text c="dimmed">{t('table.loading')}</Text>
      </Center>
    );
  } else {
    body = (
      <Grid>
        <Grid.Col span={{ base: 12, md: 7 }}>
          <Stack>
            <Section title={t('profileTitle')} testid="section-profile">
              <Profile me={me} onChanged={self.reload} />
            </Section>
            <Section title={t('passwordTitle')} testid="section-password">
              <Password />
            </Section>
            <Section title={t('notifyTitle')} testid="section-notify">
              <Notifications key={me.setting} me={me} onChanged={self.reload} />
            </Section>
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 5 }}>
          <Stack>
            <Section title={t('twofaTitle')} testid="section-2fa">
              <TwoFactor username={me.username} />
            </Section>
            <Section title={t('passkeyTitle')} testid="section-passkey">
              <Passkey />
            </Section>
            <Section title={t('tokenTitle')} testid="section-token">
              <AccessToken userId={me.id} />
            </Section>
            <Section title={t('bindingsTitle')} testid="section-bindings">
              <Bindings me={me} onChanged={self.reload} />
            </Section>
            <Section title={t('inviteTitle')} testid="section-invite">
              <Invite me={me} onChanged={self.reload} />
            </Section>
            <Section title={t('dangerTitle')} testid="section-danger">
              <DeleteAccount me={me} />
            </Section>
          </Stack>
        </Grid.Col>
      </Grid>
    );
  }

  return (
    <>
      <PageHeader title={t('title')} description={t('description')} />
      <InlineError message={self.error} onRetry={self.reload} />
      <ProfileHeader me={me} />
      {body}
    </>
  );
}
