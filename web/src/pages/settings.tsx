// System settings (/console/setting, root only): GET /api/option/ once, then tabs of sections
// (reference-management.md §6.2) whose Save sends PUT /api/option/ for each changed option.
// Secrets are write-only; the ratio tables are JSON checked before saving; the tools reset the
// model ratios, compare them with upstreams' and delete old logs. A non-root user sees a "root
// only" notice, not the options.
import { Alert, Center, Loader, Stack, Tabs } from '@mantine/core';
import { IconLock } from '@tabler/icons-react';
import { useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { useRequest } from '../api/hooks';
import { useAppState } from '../api/session';
import { InlineError, PageHeader } from '../components/Page';
import { usePageStrings } from '../lib/i18n';
import { TABS, type Extra } from './settings/schema';
import { RatioSync } from './settings/RatioSync';
import { SectionCard, type Label } from './settings/Section';
import { S } from './settings/strings';
import { LEGACY_CONSOLE_KEYS, LogCleanup, MigrateConsole, ResetModelRatio } from './settings/Tools';

interface OptionItem {
  key: string;
  value: string;
}

function RootOnly() {
  const { t } = usePageStrings('settings', S);
  return (
    <>
      <PageHeader title={t('title')} />
      <Alert color="orange" icon={<IconLock />} title={t('rootOnly')} role="alert" data-testid="root-only">
        {t('rootOnlyBody')}
      </Alert>
    </>
  );
}

function Settings() {
  const { t } = usePageStrings('settings', S);
  const { i18n } = useTranslation();
  const label: Label = useCallback((item) => (i18n.language.startsWith('zh') ? item.zh : item.en), [i18n.language]);
  const [params, setParams] = useSearchParams();
  const tab = TABS.some((x) => x.id === params.get('tab')) ? params.get('tab')! : TABS[0].id;
  const list = useRequest<OptionItem[]>('/api/option/');
  const [options, setOptions] = useState<Record<string, string> | null>(null);
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    if (!list.data) return;
    setOptions(Object.fromEntries(list.data.map((o) => [o.key, o.value])));
    setGeneration((g) => g + 1); // a fresh read drops the sections' unsaved edits
  }, [list.data]);

  const onSaved = useCallback((values: Record<string, string>) => setOptions((o) => ({ ...(o ?? {}), ...values })), []);
  const extras = useMemo<Record<Extra, ReactNode>>(
    () => ({
      resetModelRatio: <ResetModelRatio onDone={list.reload} />,
      logCleanup: <LogCleanup />,
      ratioSync: <RatioSync options={options ?? {}} onApplied={list.reload} />,
      // offered only while an older console's panel options hold something
      migrateConsole: LEGACY_CONSOLE_KEYS.some((k) => options?.[k]) ? <MigrateConsole onDone={list.reload} /> : null,
    }),
    [list.reload, options],
  );

  return (
    <>
      <PageHeader title={t('title')} description={t('description')} />
      <InlineError message={list.error} onRetry={list.reload} />
      {!options && list.loading && (
        <Center py={80} role="status" aria-label={t('table.loading')}>
          <Loader />
        </Center>
      )}
      {options && (
        <Tabs value={tab} onChange={(v) => v && setParams({ tab: v }, { replace: true })} keepMounted variant="outline">
          <Tabs.List mb="md">
            {TABS.map((x) => (
              <Tabs.Tab key={x.id} value={x.id}>
                {label(x)}
              </Tabs.Tab>
            ))}
          </Tabs.List>
          {TABS.map((x) => (
            <Tabs.Panel key={x.id} value={x.id}>
              <Stack gap="md">
                {x.sections.map((s) => (
                  <SectionCard key={`${s.id}-${generation}`} section={s} options={options} onSaved={onSaved} label={label} extra={s.extra ? extras[s.extra] : undefined} />
                ))}
              </Stack>
            </Tabs.Panel>
          ))}
        </Tabs>
      )}
    </>
  );
}

export default function SettingsPage() {
  const { isRoot } = useAppState();
  return isRoot ? <Settings /> : <RootOnly />;
}
