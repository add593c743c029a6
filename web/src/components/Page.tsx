// Small shared building blocks: a page header, an inline error, the "coming soon" placeholder,
// and copying text to the clipboard (with a fallback for non-secure origins).
import { Alert, Button, Group, Stack, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import i18next from 'i18next';
import { useEffect, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

export function PageHeader(props: { title: string; description?: ReactNode; actions?: ReactNode }) {
  useEffect(() => {
    document.title = `${props.title} · ClawRouter`;
  }, [props.title]);
  return (
    <Group justify="space-between" align="flex-end" mb="lg" gap="sm">
      <Stack gap={2}>
        <Title order={2}>{props.title}</Title>
        {props.description && (
          <Text c="dimmed" size="sm">
            {props.description}
          </Text>
        )}
      </Stack>
      {props.actions && <Group gap="sm">{props.actions}</Group>}
    </Group>
  );
}

export function InlineError({ message, onRetry }: { message: string; onRetry?: () => void }) {
  const { t } = useTranslation();
  if (!message) return null;
  return (
    <Alert color="red" title={t('error.title')} role="alert" mb="md">
      <Group justify="space-between" wrap="nowrap">
        <Text size="sm">{message}</Text>
        {onRetry && (
          <Button variant="subtle" size="xs" onClick={onRetry}>
            {t('action.retry')}
          </Button>
        )}
      </Group>
    </Alert>
  );
}

export async function copyText(text: string): Promise<boolean> {
  let done = false;
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      done = true;
    }
  } catch {
    done = false;
  }
  if (!done) {
    const area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.appendChild(area);
    area.select();
    try {
      done = document.execCommand('copy');
    } catch {
      done = false;
    }
    area.remove();
  }
  notifications.show(
    done
      ? { color: 'teal', message: i18next.t('common:action.copied'), autoClose: 2000 }
      : { color: 'red', message: i18next.t('common:error.copyFailed') },
  );
  return done;
}
