// Cloudflare Turnstile on the sign-in pages: only when /api/status says turnstile_check, the
// widget script is loaded (explicit rendering) and the widget drawn with turnstile_site_key;
// each token is reported through onToken ('' when it expires). The pages send the token as
// ?turnstile=<token>; the server remembers a success for the browser session.
import { Alert, Box } from '@mantine/core';
import { useEffect, useRef, useState } from 'react';
import type { Status } from '../../api/types';
import { usePageStrings } from '../../lib/i18n';

export const TURNSTILE_SCRIPT = 'https://challenges.cloudflare.com/turnstile/v0/api.js?render=explicit';
const SCRIPT_ID = 'cf-turnstile-script';

interface TurnstileApi {
  render: (el: HTMLElement, opts: Record<string, unknown>) => string;
  remove?: (id: string) => void;
}

const S = {
  en: { loadFailed: 'The anti-bot check (Cloudflare Turnstile) could not load. Check your connection and reload the page.', label: 'Anti-bot check' },
  zh: { loadFailed: '人机验证（Cloudflare Turnstile）加载失败，请检查网络后刷新页面。', label: '人机验证' },
};

function turnstileApi(): TurnstileApi | undefined {
  return (window as unknown as { turnstile?: TurnstileApi }).turnstile;
}

/** Load the widget script once per page; resolves when window.turnstile exists. */
function loadTurnstile(): Promise<TurnstileApi> {
  const ready = turnstileApi();
  if (ready) return Promise.resolve(ready);
  return new Promise((resolve, reject) => {
    let script = document.getElementById(SCRIPT_ID) as HTMLScriptElement | null;
    if (!script) {
      script = document.createElement('script');
      script.id = SCRIPT_ID;
      script.src = TURNSTILE_SCRIPT;
      script.async = true;
      document.head.appendChild(script);
    }
    script.addEventListener('load', () => {
      const api = turnstileApi();
      if (api) resolve(api);
      else reject(new Error('no turnstile'));
    });
    script.addEventListener('error', () => {
      script?.remove();
      reject(new Error('turnstile script failed'));
    });
  });
}

export function Turnstile({ status, onToken }: { status: Status | null; onToken: (token: string) => void }) {
  const { t } = usePageStrings('auth-turnstile', S);
  const box = useRef<HTMLDivElement>(null);
  const report = useRef(onToken);
  report.current = onToken;
  const [failed, setFailed] = useState(false);
  const siteKey = status?.turnstile_check ? status.turnstile_site_key ?? '' : '';

  useEffect(() => {
    if (!siteKey || !box.current) return;
    let widget = '';
    let gone = false;
    loadTurnstile()
      .then((api) => {
        if (gone || !box.current) return;
        widget = api.render(box.current, {
          sitekey: siteKey,
          callback: (token: string) => report.current(token),
          'expired-callback': () => report.current(''),
          'error-callback': () => report.current(''),
        });
      })
      .catch(() => !gone && setFailed(true));
    return () => {
      gone = true;
      if (widget) turnstileApi()?.remove?.(widget);
    };
  }, [siteKey]);

  if (!siteKey) return null;
  return (
    <>
      {failed && (
        <Alert color="red" role="alert">
          {t('loadFailed')}
        </Alert>
      )}
      <Box ref={box} aria-label={t('label')} data-testid="turnstile" mih={65} />
    </>
  );
}
