// The console home's side panels (reference-management.md §6.3), each shown when its
// console_setting.*_enabled option is on and it has entries: API info and announcements and the
// FAQ from /api/status, service status from /api/uptime/status (Uptime Kuma status pages).
import { Accordion, ActionIcon, Badge, Card, Group, Progress, SimpleGrid, Stack, Tabs, Text, Timeline, Title, Tooltip, Typography } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconCopy, IconExternalLink } from '@tabler/icons-react';
import type { ReactNode } from 'react';
import { useRequest } from '../../api/hooks';
import { useAppState } from '../../api/session';
import { InlineError, copyText } from '../../components/Page';
import { usePageStrings } from '../../lib/i18n';
import { renderDocument } from '../../lib/markdown';

const P = {
  en: {
    apiInfo: 'API addresses', announcements: 'Announcements', faq: 'FAQ', uptime: 'Service status',
    copy: 'Copy {{url}}', open: 'Open {{url}}', copied: 'Copied {{url}}',
    up: 'Up', down: 'Down', pending: 'Pending', maintenance: 'Maintenance', uptime24: '{{value}}% in 24 h',
    noMonitors: 'No monitors on this status page.',
  },
  zh: {
    apiInfo: 'API 信息', announcements: '系统公告', faq: '常见问答', uptime: '服务可用性',
    copy: '复制 {{url}}', open: '打开 {{url}}', copied: '已复制 {{url}}',
    up: '正常', down: '异常', pending: '等待', maintenance: '维护中', uptime24: '24 小时可用率 {{value}}%',
    noMonitors: '此状态页没有监控项。',
  },
};

interface ApiInfo { url: string; route?: string; description?: string; color?: string }
interface Announcement { content: string; publishDate?: string; type?: string; extra?: string }
interface Faq { question: string; answer: string }
interface Monitor { name: string; uptime: number; status: number; group?: string }
interface UptimeGroup { categoryName: string; monitors: Monitor[] }

// new-api's badge colours (the names console_setting.api_info accepts) as Mantine's
const COLORS: Record<string, string> = {
  blue: 'blue', green: 'green', cyan: 'cyan', purple: 'grape', pink: 'pink', red: 'red', orange: 'orange', amber: 'yellow',
  yellow: 'yellow', lime: 'lime', 'light-green': 'lime', teal: 'teal', 'light-blue': 'cyan', indigo: 'indigo', violet: 'violet', grey: 'gray', slate: 'gray',
};
const TYPE_COLOR: Record<string, string> = { default: 'gray', ongoing: 'blue', success: 'teal', warning: 'orange', error: 'red' };
const STATUS: Record<number, [string, string]> = { 0: ['down', 'red'], 1: ['up', 'teal'], 2: ['pending', 'yellow'], 3: ['maintenance', 'blue'] };

function list<T>(value: unknown, ok: (x: T) => boolean): T[] {
  return Array.isArray(value) ? (value as T[]).filter((x) => x && typeof x === 'object' && ok(x)) : [];
}

/** A publish date as local time (the text itself when it is not a date). */
function when(date?: string): string | undefined {
  if (!date) return undefined;
  const d = new Date(date);
  return Number.isNaN(d.getTime()) ? date : d.toLocaleString();
}

function Panel({ title, testid, children }: { title: string; testid: string; children: ReactNode }) {
  return (
    <Card withBorder radius="md" padding="md" component="section" aria-label={title} data-testid={testid}>
      <Title order={4} mb="sm">
        {title}
      </Title>
      {children}
    </Card>
  );
}

function ApiInfoPanel({ items }: { items: ApiInfo[] }) {
  const { t } = usePageStrings('home-panels', P);
  return (
    <Stack gap="sm">
      {items.map((it, i) => (
        <Group key={i} justify="space-between" wrap="nowrap" align="flex-start">
          <Stack gap={2} style={{ minWidth: 0 }}>
            <Group gap="xs" wrap="wrap">
              {it.route && <Badge color={COLORS[it.color ?? ''] ?? 'blue'} variant="light">{it.route}</Badge>}
              <Text size="sm" ff="monospace" style={{ wordBreak: 'break-all' }}>
                {it.url}
              </Text>
            </Group>
            {it.description && <Text size="xs" c="dimmed">{it.description}</Text>}
          </Stack>
          <Group gap={4} wrap="nowrap">
            <Tooltip label={t('copy', { url: it.url })}>
              <ActionIcon variant="subtle" aria-label={t('copy', { url: it.url })} onClick={() => void copyText(it.url).then((done) => done && notifications.show({ color: 'teal', message: t('copied', { url: it.url }) }))}>
                <IconCopy size={16} />
              </ActionIcon>
            </Tooltip>
            {/^https?:\/\//i.test(it.url) && (
              <Tooltip label={t('open', { url: it.url })}>
                <ActionIcon variant="subtle" component="a" href={it.url} target="_blank" rel="noopener noreferrer" aria-label={t('open', { url: it.url })}>
                  <IconExternalLink size={16} />
                </ActionIcon>
              </Tooltip>
            )}
          </Group>
        </Group>
      ))}
    </Stack>
  );
}

function UptimePanel() {
  const { t } = usePageStrings('home-panels', P);
  const req = useRequest<UptimeGroup[]>('/api/uptime/status');
  const groups = list<UptimeGroup>(req.data, (g) => typeof g.categoryName === 'string');
  if (req.error) return <Panel title={t('uptime')} testid="panel-uptime"><InlineError message={req.error} onRetry={req.reload} /></Panel>;
  if (groups.length === 0) return null;
  return (
    <Panel title={t('uptime')} testid="panel-uptime">
      <Tabs defaultValue="0">
        <Tabs.List mb="sm">
          {groups.map((g, i) => (
            <Tabs.Tab key={i} value={String(i)}>
              {g.categoryName || '—'}
            </Tabs.Tab>
          ))}
        </Tabs.List>
        {groups.map((g, i) => (
          <Tabs.Panel key={i} value={String(i)}>
            <Stack gap="xs">
              {(g.monitors ?? []).length === 0 && <Text size="sm" c="dimmed">{t('noMonitors')}</Text>}
              {(g.monitors ?? []).map((m, j) => {
                const [word, color] = STATUS[m.status] ?? STATUS[0];
                const pct = Math.round((Number(m.uptime) || 0) * 10000) / 100;
                return (
                  <Stack key={j} gap={2}>
                    <Group justify="space-between" wrap="nowrap">
                      <Text size="sm">{m.name}</Text>
                      <Badge color={color} variant="light">{t(word)}</Badge>
                    </Group>
                    <Progress value={pct} color={color} size="sm" aria-label={t('uptime24', { value: pct })} />
                    <Text size="xs" c="dimmed">{t('uptime24', { value: pct })}</Text>
                  </Stack>
                );
              })}
            </Stack>
          </Tabs.Panel>
        ))}
      </Tabs>
    </Panel>
  );
}

export function ConsolePanels() {
  const { t } = usePageStrings('home-panels', P);
  const { status } = useAppState();
  if (!status) return null;
  const apiInfo = status.api_info_enabled ? list<ApiInfo>(status.api_info, (x) => typeof x.url === 'string') : [];
  const news = status.announcements_enabled ? list<Announcement>(status.announcements, (x) => typeof x.content === 'string') : [];
  const faq = status.faq_enabled ? list<Faq>(status.faq, (x) => typeof x.question === 'string') : [];
  return (
    <SimpleGrid cols={{ base: 1, lg: 2 }} mt="md">
      {apiInfo.length > 0 && (
        <Panel title={t('apiInfo')} testid="panel-api-info">
          <ApiInfoPanel items={apiInfo} />
        </Panel>
      )}
      {news.length > 0 && (
        <Panel title={t('announcements')} testid="panel-announcements">
          <Timeline bulletSize={14} lineWidth={2} active={news.length}>
            {news.slice(0, 20).map((a, i) => (
              <Timeline.Item key={i} color={TYPE_COLOR[a.type ?? 'default'] ?? 'gray'} title={when(a.publishDate)}>
                <Typography fz="sm">{renderDocument(a.content)}</Typography>
                {a.extra && <Text size="xs" c="dimmed">{a.extra}</Text>}
              </Timeline.Item>
            ))}
          </Timeline>
        </Panel>
      )}
      {faq.length > 0 && (
        <Panel title={t('faq')} testid="panel-faq">
          <Accordion variant="separated">
            {faq.map((q, i) => (
              <Accordion.Item key={i} value={String(i)}>
                <Accordion.Control>{q.question}</Accordion.Control>
                <Accordion.Panel>
                  <Typography fz="sm">{renderDocument(String(q.answer ?? ''))}</Typography>
                </Accordion.Panel>
              </Accordion.Item>
            ))}
          </Accordion>
        </Panel>
      )}
      {status.uptime_kuma_enabled === true && <UptimePanel />}
    </SimpleGrid>
  );
}
