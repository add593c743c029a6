// Route guards: the setup check (/setup until the gateway is initialised), login and role
// checks, and the page frame (Suspense with a loader, a 403 page for roles too low).
import { Alert, Center, Loader } from '@mantine/core';
import { Suspense, useEffect, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, useLocation, useNavigate } from 'react-router';
import { sessionExpired } from '../api/client';
import { useAppState } from '../api/session';
import { ROLE_ADMIN, ROLE_ROOT } from '../api/types';
import type { AppRoute } from './routes';

export function PageLoader() {
  const { t } = useTranslation();
  return (
    <Center py={80} role="status" aria-label={t('table.loading')}>
      <Loader />
    </Center>
  );
}

/** Sends every route to /setup while /api/status says setup: false. */
export function SetupCheck({ children }: { children: ReactNode }) {
  const { status } = useAppState();
  const navigate = useNavigate();
  const { pathname } = useLocation();
  useEffect(() => {
    if (status && !status.setup && pathname !== '/setup') navigate('/setup', { replace: true });
  }, [status, pathname, navigate]);
  return <>{children}</>;
}

export function Forbidden({ rootOnly = false }: { rootOnly?: boolean }) {
  const { t } = useTranslation();
  return (
    <Alert color="orange" title={t('error.forbidden')} role="alert" data-testid="forbidden">
      {t(rootOnly ? 'error.rootOnly' : 'error.forbidden')}
    </Alert>
  );
}

const MIN_ROLE = { admin: ROLE_ADMIN, root: ROLE_ROOT } as const;

/** The route to return to after logging in: ?next= when it is a path of this site. */
export function nextPath(search: string): string {
  const next = new URLSearchParams(search).get('next');
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/console';
}

export function Guarded({ route }: { route: AppRoute }) {
  const { user } = useAppState();
  const location = useLocation();
  if (route.access === 'guest' && user) return <Navigate to={nextPath(location.search)} replace />;
  if (route.access !== 'public' && route.access !== 'guest' && !user) {
    const next = encodeURIComponent(location.pathname + location.search);
    return <Navigate to={`/login?${sessionExpired() ? 'expired=true&' : ''}next=${next}`} replace />;
  }
  if ((route.access === 'admin' || route.access === 'root') && (user?.role ?? 0) < MIN_ROLE[route.access]) {
    return <Forbidden rootOnly={route.access === 'root'} />;
  }
  const Page = route.page;
  return (
    <Suspense fallback={<PageLoader />}>
      <Page />
    </Suspense>
  );
}

export function RootRedirect() {
  const { user } = useAppState();
  return <Navigate to={user ? '/console' : '/login'} replace />;
}
