// API reference (/console/api-docs; every logged-in user by URL, in the sidebar for admins):
// the gateway's own OpenAPI document (GET /api/openapi.json) rendered with Mantine: operations
// grouped by tag, each with its method, path, role, summary, rate limit and, when opened, its
// parameters, request body and answers as schema trees. This page is its own chunk: the
// initial bundle does not grow.
import { Accordion, Anchor, Badge, Code, Group, Loader, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { IconSearch } from '@tabler/icons-react';
import i18next from 'i18next';
import { useEffect, useMemo, useState } from 'react';
import { InlineError, PageHeader } from '../components/Page';
import { usePageStrings } from '../lib/i18n';
import { SchemaTree, type Components, type Schema } from './apidocs/SchemaTree';

const S = {
  en: {
    title: 'API reference',
    description: 'Every route of this gateway with the role it needs, its parameters, request body and answers, from its OpenAPI document.',
    search: 'Filter by path, summary or tag',
    raw: 'OpenAPI document (JSON)',
    count_one: '{{count}} operation',
    count_other: '{{count}} operations',
    parameters: 'Parameters',
    body: 'Request body',
    responses: 'Answers',
    role: 'Role: {{role}}',
    limit: 'Rate limit: {{limit}}',
    empty: 'No operation matches this filter.',
    colName: 'Name',
    colIn: 'In',
    colType: 'Type',
    colRequired: 'Required',
    yes: 'yes',
  },
  zh: {
    title: 'API 参考',
    description: '本网关的全部路由：所需角色、参数、请求体与响应，来自其 OpenAPI 文档。',
    search: '按路径、说明或标签筛选',
    raw: 'OpenAPI 文档（JSON）',
    count_one: '{{count}} 个接口',
    count_other: '{{count}} 个接口',
    parameters: '参数',
    body: '请求体',
    responses: '响应',
    role: '角色：{{role}}',
    limit: '限流：{{limit}}',
    empty: '没有匹配的接口。',
    colName: '名称',
    colIn: '位置',
    colType: '类型',
    colRequired: '必填',
    yes: '是',
  },
};

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  schema?: Schema;
}
interface Media {
  schema?: Schema;
}
interface Operation {
  summary: string;
  tags: string[];
  operationId: string;
  'x-clawrouter-role': string;
  'x-clawrouter-rate-limit'?: string;
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content: Record<string, Media> };
  responses: Record<string, { description: string; content?: Record<string, Media> }>;
}
interface OpenApiDocument {
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Components };
}
interface Entry {
  method: string;
  path: string;
  op: Operation;
}

const METHOD_COLORS: Record<string, string> = { get: 'blue', post: 'green', put: 'orange', patch: 'grape', delete: 'red' };
const ROLE_COLORS: Record<string, string> = { public: 'gray', api_key: 'teal', user: 'blue', admin: 'orange', root: 'red' };

function useDocument() {
  const [doc, setDoc] = useState<OpenApiDocument>();
  const [error, setError] = useState('');
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const ctl = new AbortController();
    fetch('/api/openapi.json', { signal: ctl.signal })
      .then(async (r) => {
        if (!r.ok) throw new Error(i18next.t('common:error.http', { status: r.status, text: r.statusText }));
        setDoc((await r.json()) as OpenApiDocument);
        setError('');
      })
      .catch((e: unknown) => {
        if (!ctl.signal.aborted) setError(e instanceof TypeError ? i18next.t('common:error.network') : String(e instanceof Error ? e.message : e));
      });
    return () => ctl.abort();
  }, [tick]);
  return { doc, error, reload: () => setTick((n) => n + 1) };
}

function Details({ entry, components }: { entry: Entry; components: Components }) {
  const { t } = usePageStrings('apidocs', S);
  const { op } = entry;
  return (
    <Stack gap="sm">
      {op.parameters && op.parameters.length > 0 && (
        <Stack gap={4}>
          <Title order={6}>{t('parameters')}</Title>
          <Table withTableBorder fz="xs" verticalSpacing={4}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('colName')}</Table.Th>
                <Table.Th>{t('colIn')}</Table.Th>
                <Table.Th>{t('colType')}</Table.Th>
                <Table.Th>{t('colRequired')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {op.parameters.map((p) => (
                <Table.Tr key={`${p.in}:${p.name}`}>
                  <Table.Td><Code fz="xs">{p.name}</Code></Table.Td>
                  <Table.Td>{p.in}</Table.Td>
                  <Table.Td>{String(p.schema?.type ?? 'string')}</Table.Td>
                  <Table.Td>{p.required ? t('yes') : ''}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Stack>
      )}
      {op.requestBody && (
        <Stack gap={4}>
          <Title order={6}>{t('body')}</Title>
          {Object.entries(op.requestBody.content).map(([media, m]) => (
            <Stack gap={2} key={media}>
              <Text size="xs" c="dimmed">{media}</Text>
              {m.schema && <SchemaTree schema={m.schema} components={components} />}
            </Stack>
          ))}
        </Stack>
      )}
      <Stack gap={4}>
        <Title order={6}>{t('responses')}</Title>
        {Object.entries(op.responses).map(([status, r]) => (
          <Stack gap={2} key={status} data-testid={`response-${status}`}>
            <Group gap="xs">
              <Badge variant="outline" color={status.startsWith('2') ? 'green' : status.startsWith('5') ? 'red' : 'yellow'}>{status}</Badge>
              <Text size="xs">{r.description}</Text>
            </Group>
            {Object.entries(r.content ?? {}).map(([media, m]) => (
              <Stack gap={2} key={media} pl="sm">
                <Text size="xs" c="dimmed">{media}</Text>
                {m.schema && <SchemaTree schema={m.schema} components={components} />}
              </Stack>
            ))}
          </Stack>
        ))}
      </Stack>
    </Stack>
  );
}

export default function ApiDocsPage() {
  const { t } = usePageStrings('apidocs', S);
  const { doc, error, reload } = useDocument();
  const [query, setQuery] = useState('');
  const [open, setOpen] = useState<string[]>([]);
  const groups = useMemo(() => {
    const q = query.trim().toLowerCase();
    const byTag = new Map<string, Entry[]>();
    for (const [path, ops] of Object.entries(doc?.paths ?? {})) {
      for (const [method, op] of Object.entries(ops)) {
        const tag = op.tags[0] ?? '';
        if (q && !`${method} ${path} ${op.summary} ${tag}`.toLowerCase().includes(q)) continue;
        byTag.set(tag, [...(byTag.get(tag) ?? []), { method, path, op }]);
      }
    }
    return [...byTag.entries()].sort(([a], [b]) => a.localeCompare(b));
  }, [doc, query]);
  const total = groups.reduce((n, [, entries]) => n + entries.length, 0);

  return (
    <>
      <PageHeader
        title={t('title')}
        description={t('description')}
        actions={<Anchor href="/api/openapi.json" target="_blank" size="sm">{t('raw')}</Anchor>}
      />
      <InlineError message={error} onRetry={reload} />
      {!doc && !error && <Loader aria-label="loading" />}
      {doc && (
        <Stack gap="md">
          <Group justify="space-between">
            <TextInput
              leftSection={<IconSearch size={16} />}
              placeholder={t('search')}
              aria-label={t('search')}
              value={query}
              onChange={(e) => setQuery(e.currentTarget.value)}
              w={360}
            />
            <Text size="sm" c="dimmed" data-testid="operation-count">
              {doc.info.title} {doc.info.version} · {t('count', { count: total })}
            </Text>
          </Group>
          {total === 0 && <Text c="dimmed">{t('empty')}</Text>}
          {groups.map(([tag, entries]) => (
            <Stack gap={4} key={tag} data-testid={`tag-${tag}`}>
              <Title order={4}>{tag}</Title>
              <Accordion multiple value={open} onChange={setOpen} variant="contained" chevronPosition="left">
                {entries.map((entry) => {
                  const id = `${entry.method} ${entry.path}`;
                  const op = entry.op;
                  return (
                    <Accordion.Item value={id} key={id}>
                      <Accordion.Control aria-label={id}>
                        <Group gap="sm" wrap="nowrap">
                          <Badge w={70} color={METHOD_COLORS[entry.method] ?? 'gray'}>{entry.method.toUpperCase()}</Badge>
                          <Code>{entry.path}</Code>
                          <Badge variant="light" color={ROLE_COLORS[op['x-clawrouter-role']] ?? 'gray'} title={t('role', { role: op['x-clawrouter-role'] })}>
                            {op['x-clawrouter-role']}
                          </Badge>
                          {op['x-clawrouter-rate-limit'] && (
                            <Badge variant="dot" color="yellow">{t('limit', { limit: op['x-clawrouter-rate-limit'] })}</Badge>
                          )}
                          <Text size="sm" c="dimmed" truncate>{op.summary}</Text>
                        </Group>
                      </Accordion.Control>
                      <Accordion.Panel>
                        {open.includes(id) && <Details entry={entry} components={doc.components.schemas} />}
                      </Accordion.Panel>
                    </Accordion.Item>
                  );
                })}
              </Accordion>
            </Stack>
          ))}
        </Stack>
      )}
    </>
  );
}
