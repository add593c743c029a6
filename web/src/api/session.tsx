// App-wide state: /api/status (fetched once, refreshable) and the logged-in user, which is
// kept in localStorage.user exactly as the login answer gave it (the reference's convention).
import { createContext, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import type { ReactNode } from 'react';
import { api, onUserChange, setStoredUser, storedUser, type StoredUser } from './client';
import type { Status } from './types';
import { ROLE_ADMIN, ROLE_ROOT } from './types';

interface AppState {
  status: Status | null;
  statusError: string;
  refreshStatus: () => Promise<Status | null>;
  user: StoredUser | null;
  setUser: (user: StoredUser | null) => void;
  isAdmin: boolean;
  isRoot: boolean;
}

const Ctx = createContext<AppState | null>(null);

export function AppStateProvider({ children }: { children: ReactNode }) {
  const [status, setStatus] = useState<Status | null>(null);
  const [statusError, setStatusError] = useState('');
  const [user, setUserState] = useState<StoredUser | null>(() => storedUser());

  useEffect(() => onUserChange(setUserState), []);

  const refreshStatus = useCallback(async () => {
    try {
      const s = await api<Status>('/api/status', { inline: true });
      setStatus(s);
      setStatusError('');
      return s;
    } catch (e) {
      setStatusError(e instanceof Error ? e.message : String(e));
      return null;
    }
  }, []);

  useEffect(() => {
    void refreshStatus();
  }, [refreshStatus]);

  const value = useMemo<AppState>(
    () => ({
      status,
      statusError,
      refreshStatus,
      user,
      setUser: setStoredUser,
      isAdmin: (user?.role ?? 0) >= ROLE_ADMIN,
      isRoot: (user?.role ?? 0) >= ROLE_ROOT,
    }),
    [status, statusError, refreshStatus, user],
  );
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useAppState(): AppState {
  const state = useContext(Ctx);
  if (!state) throw new Error('useAppState outside AppStateProvider');
  return state;
}

/** The quota display options (an empty object until /api/status has answered). */
export function useQuotaOptions(): Status | Record<string, never> {
  return useAppState().status ?? {};
}
