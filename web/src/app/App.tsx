import { Alert, Center } from '@mantine/core';
import { lazy, Suspense, useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { BrowserRouter, Route, Routes, useNavigate } from 'react-router';
import { setLoginRedirect } from '../api/client';
import { useAppState } from '../api/session';
import { Guarded, PageLoader, SetupCheck } from './guards';
import { ROUTES } from './routes';
import { AuthLayout, ShellLayout } from './Shell';

// the public home page (/): the HomePageContent option, or on to the console / login
const Landing = lazy(() => import('../pages/landing'));

function NotFound() {
  const { t } = useTranslation();
  return (
    <Alert color="gray" title="404" data-testid="not-found">
      {t('error.notFound')}
    </Alert>
  );
}

/** Lets the API client send a 401 to /login through the router (no page reload). */
function LoginRedirect() {
  const navigate = useNavigate();
  useEffect(() => {
    setLoginRedirect((next) => navigate(`/login?expired=true&next=${encodeURIComponent(next)}`, { replace: true }));
  }, [navigate]);
  return null;
}

function StatusError() {
  const { t } = useTranslation();
  const { statusError, refreshStatus } = useAppState();
  if (!statusError) return null;
  return (
    <Center p="md">
      <Alert color="red" role="alert" withCloseButton onClose={() => void refreshStatus()}>
        {t('error.loadStatus', { message: statusError })}
      </Alert>
    </Center>
  );
}

export function App() {
  return (
    <BrowserRouter>
      <LoginRedirect />
      <StatusError />
      <SetupCheck>
        <Routes>
          <Route path="/" element={<Suspense fallback={<PageLoader />}><Landing /></Suspense>} />
          <Route element={<AuthLayout />}>
            {ROUTES.filter((r) => r.layout === 'auth').map((r) => (
              <Route key={r.path} path={r.path} element={<Guarded route={r} />} />
            ))}
          </Route>
          <Route element={<ShellLayout />}>
            {ROUTES.filter((r) => r.layout === 'shell').map((r) => (
              <Route key={r.path} path={r.path} element={<Guarded route={r} />} />
            ))}
            <Route path="*" element={<NotFound />} />
          </Route>
        </Routes>
      </SetupCheck>
    </BrowserRouter>
  );
}
