// Testing one channel: pick a model (the channel's test model first), stream or not, and see
// the answer's time or the provider's error; "every model" runs them one after another.
import { Alert, Badge, Button, Group, Modal, Select, Stack, Switch, Table, Text } from '@mantine/core';
import { IconPlayerPlay } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { testChannel, type TestResult } from './api';
import { commaList, type Channel } from './model';
import { useChannelStrings } from './strings';

export function seconds(time: number): string {
  return `${time.toFixed(time < 10 ? 2 : 1)} s`;
}

export function TestDialog(props: { channel: Channel | null; onClose: () => void; onTested: () => void }) {
  const { t } = useChannelStrings();
  const ch = props.channel;
  const models = ch ? commaList(ch.models) : [];
  const [model, setModel] = useState('');
  const [stream, setStream] = useState(false);
  const [busy, setBusy] = useState(false);
  const [results, setResults] = useState<{ model: string; result: TestResult | null; error?: string }[]>([]);

  useEffect(() => {
    if (!ch) return;
    const list = commaList(ch.models);
    setModel(ch.test_model && list.includes(ch.test_model) ? ch.test_model : (list[0] ?? ''));
    setResults([]);
    setStream(false);
  }, [ch]);

  const run = async (names: string[]) => {
    if (!ch) return;
    setBusy(true);
    setResults(names.map((m) => ({ model: m, result: null })));
    for (const [i, m] of names.entries()) {
      let entry: { model: string; result: TestResult | null; error?: string };
      try {
        entry = { model: m, result: await testChannel(ch.id, m, stream) };
      } catch (e) {
        entry = { model: m, result: null, error: e instanceof Error ? e.message : String(e) };
      }
      setResults((rs) => rs.map((r, j) => (j === i ? entry : r)));
    }
    setBusy(false);
    props.onTested();
  };

  const single = results.length === 1 ? results[0] : null;
  return (
    <Modal opened={ch !== null} onClose={props.onClose} title={ch ? t('test.title', { name: ch.name }) : ''} centered size="lg">
      <Stack>
        <Group align="flex-end" gap="sm">
          <Select
            label={t('test.model')}
            data={models}
            value={model || null}
            onChange={(v) => setModel(v ?? '')}
            searchable
            allowDeselect={false}
            style={{ flex: 1, minWidth: 200 }}
            nothingFoundMessage={t('table.empty')}
            data-testid="test-model"
          />
          <Switch label={t('test.stream')} checked={stream} onChange={(e) => setStream(e.currentTarget.checked)} mb={8} />
        </Group>
        <Group justify="flex-end" gap="xs">
          <Button variant="default" disabled={busy || models.length < 2} onClick={() => void run(models)}>
            {t('test.every', { count: models.length })}
          </Button>
          <Button leftSection={<IconPlayerPlay size={16} />} loading={busy} disabled={!model} onClick={() => void run([model])} data-testid="test-run">
            {t('test.run')}
          </Button>
        </Group>
        {single && (single.result || single.error) && (
          <Alert
            color={single.result?.success ? 'teal' : 'red'}
            title={single.result?.success ? t('test.ok', { time: seconds(single.result.time) }) : t('test.failed')}
            data-testid="test-result"
            role="status"
          >
            {single.error ?? (single.result?.success ? t('test.okBody', { model: single.model }) : `${single.result?.message}${single.result?.error_code ? ` (${single.result.error_code})` : ''}`)}
          </Alert>
        )}
        {results.length > 1 && (
          <Table.ScrollContainer minWidth={360} mah={320}>
            <Table aria-label={t('test.results')}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('test.model')}</Table.Th>
                  <Table.Th>{t('test.outcome')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {results.map((r) => (
                  <Table.Tr key={r.model}>
                    <Table.Td><Text size="sm" ff="monospace">{r.model}</Text></Table.Td>
                    <Table.Td>
                      {!r.result && !r.error ? (
                        <Text size="sm" c="dimmed">{t('test.waiting')}</Text>
                      ) : r.result?.success ? (
                        <Badge color="teal" variant="light">{seconds(r.result.time)}</Badge>
                      ) : (
                        <Text size="sm" c="red">{r.error ?? r.result?.message}</Text>
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Stack>
    </Modal>
  );
}
