// A JSON-object editor for one channel field: a monospace text area checked as you type
// (the error under the field names what is wrong), with "format" and "insert an example".
import { Button, Group, Textarea } from '@mantine/core';
import { checkJson, formatJson, type JsonCheck } from './model';
import { useChannelStrings } from './strings';

export function jsonError(t: (k: string, v?: Record<string, string>) => string, text: string, kind: JsonCheck, required = false): string {
  if (!text.trim() && !required) return '';
  const problem = checkJson(text, kind);
  return problem ? t(`json.${problem.key}`, problem.values) : '';
}

export function JsonField(props: {
  label: string;
  description?: string;
  value: string;
  onChange: (v: string) => void;
  kind?: JsonCheck;
  example?: string;
  required?: boolean;
  testId?: string;
}) {
  const { t } = useChannelStrings();
  const kind = props.kind ?? 'object';
  const error = jsonError(t, props.value, kind, props.required);
  return (
    <div>
      <Textarea
        label={props.label}
        description={props.description}
        value={props.value}
        onChange={(e) => props.onChange(e.currentTarget.value)}
        error={error || undefined}
        required={props.required}
        autosize
        minRows={2}
        maxRows={12}
        spellCheck={false}
        placeholder={props.example}
        styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 13 } }}
        data-testid={props.testId}
      />
      <Group gap="xs" mt={4}>
        <Button size="compact-xs" variant="subtle" disabled={!props.value.trim() || !!error} onClick={() => props.onChange(formatJson(props.value))}>
          {t('json.format')}
        </Button>
        {props.example && !props.value.trim() && (
          <Button size="compact-xs" variant="subtle" onClick={() => props.onChange(formatJson(props.example ?? ''))}>
            {t('json.example')}
          </Button>
        )}
      </Group>
    </div>
  );
}
