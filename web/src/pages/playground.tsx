// Playground (/console/playground): chat with any model you can use, through
// POST /pg/chat/completions with the login session (no API key needed), streaming, with a
// stop button. Models from /api/user/models, groups from /api/user/self/groups.
import { ActionIcon, Alert, Box, Button, Card, Group, Paper, ScrollArea, Select, Stack, Switch, Text, Textarea, Tooltip } from '@mantine/core';
import { IconPlayerStop, IconSend, IconTrash } from '@tabler/icons-react';
import i18next from 'i18next';
import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { apiHeaders, handleUnauthorized } from '../api/client';
import { useRequest } from '../api/hooks';
import { useAppState } from '../api/session';
import type { GroupInfo } from '../api/types';
import { InlineError, PageHeader } from '../components/Page';
import { usePageStrings } from '../lib/i18n';
import { renderMarkdown } from '../lib/markdown';

const S = {
  en: {
    title: 'Playground',
    description: 'Try the models you can use. Calls are billed to your wallet and logged like any other.',
    model: 'Model', group: 'Group', userGroup: 'Your group', system: 'System prompt (optional)',
    stream: 'Stream', message: 'Message', placeholder: 'Ask anything… (Enter sends, Shift+Enter for a new line)',
    send: 'Send', stop: 'Stop', clear: 'Clear the conversation', you: 'You', assistant: 'Assistant',
    empty: 'Pick a model and send a message.', noModels: 'No models are available to you yet. An administrator adds channels first.',
    stopped: '(stopped)', failed: 'The call failed',
  },
  zh: {
    title: '操练场',
    description: '试用你可以使用的模型。调用从钱包扣费，并像其他调用一样记录日志。',
    model: '模型', group: '分组', userGroup: '用户分组', system: '系统提示词（可选）',
    stream: '流式', message: '消息', placeholder: '输入任何问题…（Enter 发送，Shift+Enter 换行）',
    send: '发送', stop: '停止', clear: '清空对话', you: '你', assistant: '助手',
    empty: '选择模型并发送一条消息。', noModels: '你还没有可用的模型，请管理员先添加渠道。',
    stopped: '（已停止）', failed: '调用失败',
  },
};

interface Message {
  role: 'user' | 'assistant';
  content: string;
  error?: string;
}

async function errorMessage(resp: Response): Promise<string> {
  const text = await resp.text();
  try {
    const body = JSON.parse(text);
    return body?.error?.message || body?.message || `${resp.status} ${resp.statusText}`;
  } catch {
    return i18next.t('common:error.http', { status: resp.status, text: text.slice(0, 200) || resp.statusText });
  }
}

/** Reads an SSE body, calling onDelta for each content piece, until [DONE] or the end. */
async function readStream(resp: Response, onDelta: (text: string) => void): Promise<void> {
  const reader = resp.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    const events = buffer.split(/\r?\n\r?\n/);
    buffer = events.pop() ?? '';
    for (const event of events) {
      for (const line of event.split(/\r?\n/)) {
        if (!line.startsWith('data:')) continue;
        const data = line.slice(5).trim();
        if (data === '[DONE]') return;
        let chunk: { error?: { message?: string }; choices?: { delta?: { content?: string | null } }[] };
        try {
          chunk = JSON.parse(data);
        } catch {
          continue;
        }
        if (chunk.error) throw new Error(chunk.error.message || 'stream error');
        const piece = chunk.choices?.[0]?.delta?.content;
        if (piece) onDelta(piece);
      }
    }
  }
}

export default function PlaygroundPage() {
  const { t } = usePageStrings('playground', S);
  const { user } = useAppState();
  const models = useRequest<string[]>('/api/user/models');
  const groups = useRequest<Record<string, GroupInfo>>('/api/user/self/groups');
  const [model, setModel] = useState<string | null>(null);
  const [group, setGroup] = useState('');
  const [system, setSystem] = useState('');
  const [stream, setStream] = useState(true);
  const [input, setInput] = useState('');
  const [messages, setMessages] = useState<Message[]>([]);
  const [busy, setBusy] = useState(false);
  const abort = useRef<AbortController | null>(null);
  const bottom = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!model && models.data?.length) setModel(models.data[0]);
  }, [models.data, model]);
  useEffect(() => {
    bottom.current?.scrollIntoView?.({ block: 'end' });
  }, [messages]);
  useEffect(() => () => abort.current?.abort(), []);

  const update = (fn: (last: Message) => Message) =>
    setMessages((ms) => [...ms.slice(0, -1), fn(ms[ms.length - 1])]);

  const send = async (e?: FormEvent) => {
    e?.preventDefault();
    const text = input.trim();
    if (!text || !model || busy) return;
    const history: Message[] = [...messages.filter((m) => !m.error), { role: 'user', content: text }];
    setMessages([...history, { role: 'assistant', content: '' }]);
    setInput('');
    setBusy(true);
    const ctl = new AbortController();
    abort.current = ctl;
    const body = {
      model,
      ...(group ? { group } : {}),
      stream,
      messages: [...(system.trim() ? [{ role: 'system', content: system.trim() }] : []), ...history.map(({ role, content }) => ({ role, content }))],
    };
    try {
      const resp = await fetch('/pg/chat/completions', {
        method: 'POST', headers: apiHeaders(true), body: JSON.stringify(body), credentials: 'same-origin', signal: ctl.signal,
      });
      if (resp.status === 401) {
        handleUnauthorized();
        throw new Error(await errorMessage(resp));
      }
      if (!resp.ok) throw new Error(await errorMessage(resp));
      if (stream) {
        await readStream(resp, (piece) => update((last) => ({ ...last, content: last.content + piece })));
      } else {
        const data = await resp.json();
        update((last) => ({ ...last, content: data?.choices?.[0]?.message?.content ?? '' }));
      }
    } catch (err) {
      if (ctl.signal.aborted) update((last) => ({ ...last, content: `${last.content} ${t('stopped')}`.trim() }));
      else update((last) => ({ ...last, error: err instanceof Error ? err.message : String(err) }));
    } finally {
      abort.current = null;
      setBusy(false);
    }
  };

  const onKey = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      void send();
    }
  };

  const groupOptions = [
    { value: '', label: `${t('userGroup')}${user?.group ? ` (${user.group})` : ''}` },
    ...Object.keys(groups.data ?? {}).map((g) => ({ value: g, label: g })),
  ];
  const noModels = !models.loading && !models.error && (models.data ?? []).length === 0;

  return (
    <>
      <PageHeader title={t('title')} description={t('description')} />
      <InlineError message={models.error} onRetry={models.reload} />
      <InlineError message={groups.error} onRetry={groups.reload} />
      {noModels && <Alert color="yellow" mb="md">{t('noModels')}</Alert>}
      <Paper withBorder p="md" radius="md" mb="md">
        <Group align="flex-end" gap="md">
          <Select label={t('model')} data={models.data ?? []} value={model} onChange={setModel} searchable w={260} allowDeselect={false} data-testid="pg-model" />
          <Select label={t('group')} data={groupOptions} value={group} onChange={(v) => setGroup(v ?? '')} w={200} allowDeselect={false} />
          <Switch label={t('stream')} checked={stream} onChange={(e) => setStream(e.currentTarget.checked)} mb={8} />
          <Tooltip label={t('clear')}>
            <ActionIcon variant="default" size="lg" aria-label={t('clear')} onClick={() => setMessages([])} disabled={busy || messages.length === 0} mb={2}>
              <IconTrash size={16} />
            </ActionIcon>
          </Tooltip>
        </Group>
        <Textarea label={t('system')} mt="sm" autosize minRows={1} maxRows={4} value={system} onChange={(e) => setSystem(e.currentTarget.value)} />
      </Paper>
      <Card withBorder radius="md" padding={0}>
        <ScrollArea h="calc(100vh - 470px)" mih={260} p="md" aria-live="polite" data-testid="pg-messages">
          {messages.length === 0 ? (
            <Text c="dimmed" ta="center" py={80}>{t('empty')}</Text>
          ) : (
            <Stack gap="md">
              {messages.map((m, i) => (
                <Box key={i} style={{ alignSelf: m.role === 'user' ? 'flex-end' : 'flex-start', maxWidth: '85%' }} data-role={m.role}>
                  <Text size="xs" c="dimmed" mb={2} ta={m.role === 'user' ? 'right' : 'left'}>{m.role === 'user' ? t('you') : t('assistant')}</Text>
                  <Paper p="sm" radius="md" bg={m.role === 'user' ? 'var(--mantine-primary-color-light)' : 'var(--mantine-color-default-hover)'}>
                    <div className="chat-text" data-testid={m.role === 'assistant' ? 'pg-answer' : undefined}>{renderMarkdown(m.content)}</div>
                    {m.error && <Alert color="red" mt={m.content ? 'xs' : 0} title={t('failed')} role="alert" p="xs">{m.error}</Alert>}
                  </Paper>
                </Box>
              ))}
              <div ref={bottom} />
            </Stack>
          )}
        </ScrollArea>
        <Box component="form" onSubmit={send} p="md" style={{ borderTop: '1px solid var(--mantine-color-default-border)' }}>
          <Group align="flex-end" wrap="nowrap">
            <Textarea aria-label={t('message')} placeholder={t('placeholder')} autosize minRows={1} maxRows={6} value={input} onChange={(e) => setInput(e.currentTarget.value)} onKeyDown={onKey} style={{ flex: 1 }} data-testid="pg-input" />
            {busy ? (
              <Button color="red" variant="light" leftSection={<IconPlayerStop size={16} />} onClick={() => abort.current?.abort()} data-testid="pg-stop">{t('stop')}</Button>
            ) : (
              <Button type="submit" leftSection={<IconSend size={16} />} disabled={!input.trim() || !model} data-testid="pg-send">{t('send')}</Button>
            )}
          </Group>
        </Box>
      </Card>
    </>
  );
}
