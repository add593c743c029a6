// The route table: every client route of the console, its access level, its layout, and its
// sidebar entry. A page is one file under pages/, loaded on demand (its own chunk). To build a
// page that shows "coming soon" today, replace the content of its file; nothing here changes.
import {
  IconApi,
  IconCreditCard,
  IconDeviceDesktopAnalytics,
  IconFileText,
  IconKey,
  IconMessageChatbot,
  IconPlugConnected,
  IconSettings,
  IconTicket,
  IconUserCircle,
  IconUsers,
  IconBox,
  IconTag,
  type Icon,
} from '@tabler/icons-react';
import { lazy, type ComponentType, type LazyExoticComponent } from 'react';

/** public: anyone; guest: only when logged out (login, register); user/admin/root: by role */
export type Access = 'public' | 'guest' | 'user' | 'admin' | 'root';
export type Section = 'chat' | 'console' | 'personal';

export interface AppRoute {
  path: string;
  page: LazyExoticComponent<ComponentType>;
  access: Access;
  layout: 'auth' | 'shell';
  /** nav.access: who sees the sidebar entry, when narrower than who may open the page */
  nav?: { section: Section; label: string; icon: Icon; access?: Access };
}

const page = (load: () => Promise<{ default: ComponentType }>) => lazy(load);

export const ROUTES: AppRoute[] = [
  // entry, account and public pages (no sidebar)
  { path: '/setup', page: page(() => import('../pages/setup')), access: 'public', layout: 'auth' },
  { path: '/login', page: page(() => import('../pages/login')), access: 'guest', layout: 'auth' },
  { path: '/register', page: page(() => import('../pages/register')), access: 'guest', layout: 'auth' },
  { path: '/reset', page: page(() => import('../pages/reset')), access: 'public', layout: 'auth' },
  { path: '/user/reset', page: page(() => import('../pages/user-reset')), access: 'public', layout: 'auth' },
  { path: '/oauth/:provider', page: page(() => import('../pages/oauth')), access: 'public', layout: 'auth' },
  // the console
  {
    path: '/console/playground', page: page(() => import('../pages/playground')), access: 'user', layout: 'shell',
    nav: { section: 'chat', label: 'nav.playground', icon: IconMessageChatbot },
  },
  {
    path: '/console', page: page(() => import('../pages/home')), access: 'user', layout: 'shell',
    nav: { section: 'console', label: 'nav.home', icon: IconDeviceDesktopAnalytics },
  },
  {
    path: '/console/channel', page: page(() => import('../pages/channels')), access: 'admin', layout: 'shell',
    nav: { section: 'console', label: 'nav.channels', icon: IconPlugConnected },
  },
  {
    path: '/console/token', page: page(() => import('../pages/tokens')), access: 'user', layout: 'shell',
    nav: { section: 'console', label: 'nav.tokens', icon: IconKey },
  },
  {
    path: '/console/log', page: page(() => import('../pages/logs')), access: 'user', layout: 'shell',
    nav: { section: 'console', label: 'nav.logs', icon: IconFileText },
  },
  {
    path: '/console/user', page: page(() => import('../pages/users')), access: 'admin', layout: 'shell',
    nav: { section: 'console', label: 'nav.users', icon: IconUsers },
  },
  {
    path: '/console/redemption', page: page(() => import('../pages/redemptions')), access: 'admin', layout: 'shell',
    nav: { section: 'console', label: 'nav.redemptions', icon: IconTicket },
  },
  {
    path: '/console/topup', page: page(() => import('../pages/topup')), access: 'user', layout: 'shell',
    nav: { section: 'console', label: 'nav.topup', icon: IconCreditCard },
  },
  {
    path: '/console/models', page: page(() => import('../pages/models')), access: 'admin', layout: 'shell',
    nav: { section: 'console', label: 'nav.models', icon: IconBox },
  },
  {
    path: '/console/setting', page: page(() => import('../pages/settings')), access: 'root', layout: 'shell',
    nav: { section: 'console', label: 'nav.settings', icon: IconSettings },
  },
  {
    path: '/console/api-docs', page: page(() => import('../pages/apidocs')), access: 'user', layout: 'shell',
    nav: { section: 'console', label: 'nav.api_docs', icon: IconApi, access: 'admin' },
  },
  {
    path: '/console/personal', page: page(() => import('../pages/personal')), access: 'user', layout: 'shell',
    nav: { section: 'personal', label: 'nav.personal_settings', icon: IconUserCircle },
  },
  {
    path: '/pricing', page: page(() => import('../pages/pricing')), access: 'public', layout: 'shell',
    nav: { section: 'personal', label: 'nav.pricing', icon: IconTag },
  },
];

export const SECTIONS: Section[] = ['chat', 'console', 'personal'];
