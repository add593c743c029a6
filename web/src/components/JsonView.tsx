// A JSON value made readable: objects as key/value rows (nested objects indented, arrays as
// lists), optional labels and formatters per key, and the raw, pretty-printed text behind a
// toggle. `parseJson` turns a JSON string column (logs' `other`, a model's `endpoints`) into a
// value without throwing.
import { Badge, Box, Button, Code, Group, Stack, Table, Text } from '@mantine/core';
import { useState, type ReactNode } from 'react';
import { usePageStrings } from '../lib/i18n';

const S = {
  en: { yes: 'Yes', no: 'No', raw: 'Show raw JSON', readable: 'Show as a list' },
  zh: { yes: '是', no: '否', raw: '显示原始 JSON', readable: '以列表显示' },
};
const useStrings = () => usePageStrings('jsonview', S);

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The parsed value, or the text itself when it is not JSON (undefined when empty). */
export function parseJson(text: string | null | undefined): Json | undefined {
  if (text === null || text === undefined || text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as Json;
  } catch {
    return text;
  }
}

export function isObject(v: unknown): v is { [key: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export interface JsonViewProps {
  value: Json | undefined;
  /** a readable label per key (the key itself is shown when missing) */
  labels?: Record<string, string>;
  /** a custom rendering per key */
  format?: Record<string, (v: Json) => ReactNode>;
  /** show the "raw JSON" toggle (default true) */
  raw?: boolean;
  testId?: string;
}

function Scalar({ value }: { value: Json }) {
  const { t } = useStrings();
  if (value === null) return <Text size="sm" c="dimmed">null</Text>;
  if (typeof value === 'boolean') {
    return (
      <Badge size="sm" variant="light" color={value ? 'teal' : 'gray'}>
        {value ? t('yes') : t('no')}
      </Badge>
    );
  }
  if (typeof value === 'number') return <Text size="sm" ff="monospace">{value.toLocaleString('en-US', { maximumFractionDigits: 12 })}</Text>;
  if (typeof value === 'string') {
    return value === '' ? <Text size="sm" c="dimmed">—</Text> : <Text size="sm" style={{ wordBreak: 'break-word' }}>{value}</Text>;
  }
  return null;
}

function Value({ value, labels, format, depth }: { value: Json; labels?: Record<string, string>; format?: JsonViewProps['format']; depth: number }) {
  if (Array.isArray(value)) {
    if (value.length === 0) return <Text size="sm" c="dimmed">[]</Text>;
    if (value.every((v) => !isObject(v) && !Array.isArray(v))) {
      return <Text size="sm" style={{ wordBreak: 'break-word' }}>{value.map((v) => String(v)).join(' → ')}</Text>;
    }
    return (
      <Stack gap={4}>
        {value.map((v, i) => (
          <Value key={i} value={v} labels={labels} format={format} depth={depth + 1} />
        ))}
      </Stack>
    );
  }
  if (isObject(value)) return <Rows obj={value} labels={labels} format={format} depth={depth + 1} />;
  return <Scalar value={value} />;
}

function Rows({ obj, labels, format, depth }: { obj: { [key: string]: Json }; labels?: Record<string, string>; format?: JsonViewProps['format']; depth: number }) {
  const keys = Object.keys(obj);
  if (keys.length === 0) return <Text size="sm" c="dimmed">{'{}'}</Text>;
  return (
    <Table withRowBorders={depth === 0} verticalSpacing={4} horizontalSpacing="xs" layout="fixed">
      <Table.Tbody>
        {keys.map((k) => (
          <Table.Tr key={k}>
            <Table.Th w="42%" fw={500} fz="sm" c="dimmed" style={{ verticalAlign: 'top', wordBreak: 'break-word' }} scope="row">
              {labels?.[k] ?? k}
            </Table.Th>
            <Table.Td style={{ verticalAlign: 'top' }}>
              {format?.[k] ? format[k](obj[k]) : <Value value={obj[k]} labels={labels} format={format} depth={depth} />}
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

export function JsonView({ value, labels, format, raw = true, testId }: JsonViewProps) {
  const { t } = useStrings();
  const [showRaw, setShowRaw] = useState(false);
  if (value === undefined) return <Text size="sm" c="dimmed">—</Text>;
  return (
    <Box data-testid={testId}>
      {showRaw ? (
        <Code block style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>
          {typeof value === 'string' ? value : JSON.stringify(value, null, 2)}
        </Code>
      ) : (
        <Value value={value} labels={labels} format={format} depth={-1} />
      )}
      {raw && (
        <Group justify="flex-end" mt={4}>
          <Button variant="subtle" size="compact-xs" onClick={() => setShowRaw((v) => !v)} aria-pressed={showRaw}>
            {showRaw ? t('readable') : t('raw')}
          </Button>
        </Group>
      )}
    </Box>
  );
}
