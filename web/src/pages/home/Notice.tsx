// The notice popup (GET /api/notice, option Notice, Markdown): shown on the home pages when a
// notice is set, until the reader closes it for the day (remembered in localStorage).
import { Button, Group, Modal, Typography } from '@mantine/core';
import { useEffect, useState } from 'react';
import { get } from '../../api/client';
import { usePageStrings } from '../../lib/i18n';
import { renderDocument } from '../../lib/markdown';

const CLOSED_KEY = 'notice_close_date';
const N = {
  en: { title: 'Notice', close: 'Close', today: 'Do not show again today' },
  zh: { title: '系统公告', close: '关闭', today: '今日关闭' },
};

function today(): string {
  return new Date().toDateString();
}

export function NoticePopup() {
  const { t } = usePageStrings('notice', N);
  const [notice, setNotice] = useState('');
  const [open, setOpen] = useState(false);
  useEffect(() => {
    if (localStorage.getItem(CLOSED_KEY) === today()) return;
    let live = true;
    // a failure is reported as a toast by the client; the popup just stays closed
    get<string>('/api/notice')
      .then((text) => {
        if (live && typeof text === 'string' && text.trim()) {
          setNotice(text);
          setOpen(true);
        }
      })
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, []);
  const closeToday = () => {
    localStorage.setItem(CLOSED_KEY, today());
    setOpen(false);
  };
  return (
    <Modal opened={open} onClose={() => setOpen(false)} title={t('title')} size="lg" centered>
      <Typography data-testid="notice-body">{renderDocument(notice)}</Typography>
      <Group justify="flex-end" mt="md">
        <Button variant="default" onClick={closeToday}>
          {t('today')}
        </Button>
        <Button onClick={() => setOpen(false)} data-autofocus>
          {t('close')}
        </Button>
      </Group>
    </Modal>
  );
}
