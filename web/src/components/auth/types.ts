// Props shared by the sign-in slots of the login page.
import type { StoredUser } from '../../api/client';
import type { Status } from '../../api/types';

export interface AuthHookProps {
  status: Status | null;
  onLoggedIn: (user: StoredUser) => void;
}
