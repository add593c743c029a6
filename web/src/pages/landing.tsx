// The public home page (/): the HomePageContent option from GET /api/home_page_content, as
// Markdown or, when it is a URL, in a frame; plus the notice popup. With no content set, / goes
// on to the console (or the login) as before.
import { Box, Button, Center, Container, Group, Loader, Text, Typography } from '@mantine/core';
import { useEffect } from 'react';
import { Link } from 'react-router';
import { useRequest } from '../api/hooks';
import { useAppState } from '../api/session';
import { LanguageMenu, ThemeMenu } from '../app/Shell';
import { RootRedirect } from '../app/guards';
import { InlineError } from '../components/Page';
import { usePageStrings } from '../lib/i18n';
import { renderDocument } from '../lib/markdown';
import { NoticePopup } from './home/Notice';

const S = {
  en: { console: 'Console', login: 'Log in', pricing: 'Pricing', frame: 'Home page' },
  zh: { console: '控制台', login: '登录', pricing: '模型广场', frame: '首页' },
};

export default function LandingPage() {
  const { t } = usePageStrings('landing', S);
  const { user, status } = useAppState();
  const content = useRequest<string>('/api/home_page_content');
  const text = typeof content.data === 'string' ? content.data.trim() : '';
  const name = status?.system_name || 'ClawRouter';
  useEffect(() => {
    document.title = name;
  }, [name]);

  if (content.loading && content.data === undefined) {
    return (
      <Center mih="100vh" role="status" aria-label={t('table.loading')}>
        <Loader />
      </Center>
    );
  }
  if (!content.error && !text) return <RootRedirect />;
  const isUrl = /^https?:\/\/\S+$/i.test(text);
  return (
    <Box mih="100vh" style={{ display: 'flex', flexDirection: 'column' }}>
      <Group justify="space-between" p="md" component="header" wrap="nowrap">
        <Group gap={8} wrap="nowrap">
          {status?.logo ? <img src={status.logo} alt="" width={26} height={26} /> : <img src="/favicon.svg" alt="" width={26} height={26} />}
          <Text fw={700}>{name}</Text>
        </Group>
        <Group gap="xs" wrap="nowrap">
          <Button component={Link} to="/pricing" variant="subtle" visibleFrom="xs">
            {t('pricing')}
          </Button>
          <Button component={Link} to={user ? '/console' : '/login'}>
            {user ? t('console') : t('login')}
          </Button>
          <LanguageMenu />
          <ThemeMenu />
        </Group>
      </Group>
      <Box component="main" id="main" style={{ flex: 1, display: 'flex', flexDirection: 'column' }}>
        {content.error ? (
          <Container size="md" w="100%" pt="xl">
            <InlineError message={content.error} onRetry={content.reload} />
          </Container>
        ) : isUrl ? (
          <iframe src={text} title={t('frame')} style={{ flex: 1, width: '100%', border: 0, minHeight: '80vh' }} data-testid="home-frame" />
        ) : (
          <Container size="md" w="100%" py="xl">
            <Typography data-testid="home-content">{renderDocument(text)}</Typography>
          </Container>
        )}
      </Box>
      <NoticePopup />
    </Box>
  );
}
