// The console's frame: a sidebar grouped Chat / Console / Personal (a drawer below 768 px),
// and a top bar with the language switch, the colour scheme and the account menu.
import {
  ActionIcon,
  AppShell,
  Avatar,
  Box,
  Burger,
  Button,
  Group,
  Menu,
  NavLink,
  ScrollArea,
  Text,
  Tooltip,
  UnstyledButton,
  useMantineColorScheme,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconDeviceDesktop, IconLanguage, IconLogout, IconMoon, IconSun, IconUserCircle } from '@tabler/icons-react';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Outlet, useLocation, useNavigate } from 'react-router';
import { get } from '../api/client';
import { useAppState } from '../api/session';
import { ROLE_ADMIN, ROLE_ROOT } from '../api/types';
import { LANGS, currentLanguage, setLanguage, type Lang } from '../lib/i18n';
import { ROUTES, SECTIONS, type AppRoute } from './routes';

function visible(route: AppRoute, role: number, loggedIn: boolean): boolean {
  switch (route.nav?.access ?? route.access) {
    case 'admin':
      return role >= ROLE_ADMIN;
    case 'root':
      return role >= ROLE_ROOT;
    case 'user':
      return loggedIn;
    default:
      return true;
  }
}

function Brand() {
  const { status } = useAppState();
  return (
    <Group gap={8} wrap="nowrap">
      <img src="/favicon.svg" alt="" width={26} height={26} />
      <Box>
        <Text fw={700} lh={1.1}>
          {status?.system_name || 'ClawRouter'}
        </Text>
        {status?.version && (
          <Text size="xs" c="dimmed" lh={1.1}>
            {status.version}
          </Text>
        )}
      </Box>
    </Group>
  );
}

export function LanguageMenu() {
  const { t } = useTranslation();
  const lang = currentLanguage();
  return (
    <Menu position="bottom-end" withinPortal>
      <Menu.Target>
        <Tooltip label={t('shell.language')}>
          <ActionIcon variant="default" size="lg" aria-label={t('shell.language')} data-testid="language-menu">
            <IconLanguage size={18} />
          </ActionIcon>
        </Tooltip>
      </Menu.Target>
      <Menu.Dropdown>
        {LANGS.map((l) => (
          <Menu.Item
            key={l.value}
            onClick={() => setLanguage(l.value as Lang)}
            fw={l.value === lang ? 700 : undefined}
            aria-current={l.value === lang ? 'true' : undefined}
          >
            {l.label}
          </Menu.Item>
        ))}
      </Menu.Dropdown>
    </Menu>
  );
}

export function ThemeMenu() {
  const { t } = useTranslation();
  const { colorScheme, setColorScheme } = useMantineColorScheme();
  const icon = colorScheme === 'dark' ? <IconMoon size={18} /> : colorScheme === 'light' ? <IconSun size={18} /> : <IconDeviceDesktop size={18} />;
  const options = [
    { value: 'light', label: t('shell.themeLight'), icon: <IconSun size={16} /> },
    { value: 'dark', label: t('shell.themeDark'), icon: <IconMoon size={16} /> },
    { value: 'auto', label: t('shell.themeAuto'), icon: <IconDeviceDesktop size={16} /> },
  ] as const;
  return (
    <Menu position="bottom-end" withinPortal>
      <Menu.Target>
        <Tooltip label={t('shell.theme')}>
          <ActionIcon variant="default" size="lg" aria-label={t('shell.theme')} data-testid="theme-menu">
            {icon}
          </ActionIcon>
        </Tooltip>
      </Menu.Target>
      <Menu.Dropdown>
        {options.map((o) => (
          <Menu.Item key={o.value} leftSection={o.icon} onClick={() => setColorScheme(o.value)} fw={colorScheme === o.value ? 700 : undefined}>
            {o.label}
          </Menu.Item>
        ))}
      </Menu.Dropdown>
    </Menu>
  );
}

function AccountMenu() {
  const { t } = useTranslation();
  const { user, setUser } = useAppState();
  const navigate = useNavigate();
  if (!user) {
    return (
      <Button component={Link} to="/login" size="xs">
        {t('shell.login')}
      </Button>
    );
  }
  const logout = async () => {
    try {
      await get('/api/user/logout');
    } finally {
      setUser(null);
      notifications.show({ message: t('shell.loggedOut'), autoClose: 2500 });
      navigate('/login');
    }
  };
  const name = user.display_name || user.username;
  const role = user.role >= ROLE_ROOT ? 'role.root' : user.role >= ROLE_ADMIN ? 'role.admin' : 'role.user';
  return (
    <Menu position="bottom-end" withinPortal>
      <Menu.Target>
        <UnstyledButton aria-label={t('shell.account')} data-testid="account-menu">
          <Avatar radius="xl" size={34} color="teal">
            {name.slice(0, 2).toUpperCase()}
          </Avatar>
        </UnstyledButton>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Label>
          {name} · {t(role)}
        </Menu.Label>
        <Menu.Item component={Link} to="/console/personal" leftSection={<IconUserCircle size={16} />}>
          {t('nav.personal_settings')}
        </Menu.Item>
        <Menu.Item color="red" leftSection={<IconLogout size={16} />} onClick={() => void logout()}>
          {t('shell.logout')}
        </Menu.Item>
      </Menu.Dropdown>
    </Menu>
  );
}

function Sidebar({ onNavigate }: { onNavigate: () => void }) {
  const { t } = useTranslation();
  const { user } = useAppState();
  const { pathname } = useLocation();
  const role = user?.role ?? 0;
  return (
    <Box>
      {SECTIONS.map((section) => {
        const items = ROUTES.filter((r) => r.nav?.section === section && visible(r, role, !!user));
        if (items.length === 0) return null;
        return (
          <Box key={section} mb="md">
            <Text size="xs" fw={700} c="dimmed" tt="uppercase" px="sm" mb={4}>
              {t(`nav.${section}`)}
            </Text>
            {items.map((r) => {
              const NavIcon = r.nav!.icon;
              return (
                <NavLink
                  key={r.path}
                  component={Link}
                  to={r.path}
                  label={t(r.nav!.label)}
                  leftSection={<NavIcon size={18} stroke={1.6} />}
                  active={pathname === r.path}
                  aria-current={pathname === r.path ? 'page' : undefined}
                  onClick={onNavigate}
                  style={{ borderRadius: 8 }}
                />
              );
            })}
          </Box>
        );
      })}
    </Box>
  );
}

export function ShellLayout({ children }: { children?: ReactNode }) {
  const { t } = useTranslation();
  const [opened, { toggle, close }] = useDisclosure(false);
  return (
    <AppShell
      header={{ height: 60 }}
      navbar={{ width: 248, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      padding="md"
    >
      <a href="#main" className="skip-link">
        {t('shell.skip')}
      </a>
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger
              opened={opened}
              onClick={toggle}
              hiddenFrom="sm"
              size="sm"
              aria-label={opened ? t('shell.closeMenu') : t('shell.openMenu')}
              aria-expanded={opened}
              data-testid="nav-burger"
            />
            <Brand />
          </Group>
          <Group gap="xs" wrap="nowrap">
            <LanguageMenu />
            <ThemeMenu />
            <AccountMenu />
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="sm" aria-label={t('nav.console')}>
        <AppShell.Section grow component={ScrollArea}>
          <Sidebar onNavigate={close} />
        </AppShell.Section>
      </AppShell.Navbar>
      <AppShell.Main id="main" tabIndex={-1}>
        <Box maw={1400} mx="auto">
          {children ?? <Outlet />}
        </Box>
      </AppShell.Main>
    </AppShell>
  );
}

/** Centered card layout for setup, login, register and reset pages. */
export function AuthLayout() {
  return (
    <Box mih="100vh" style={{ display: 'flex', flexDirection: 'column' }}>
      <Group justify="space-between" p="md">
        <Brand />
        <Group gap="xs">
          <LanguageMenu />
          <ThemeMenu />
        </Group>
      </Group>
      <Box component="main" id="main" style={{ flex: 1, display: 'flex', alignItems: 'flex-start', justifyContent: 'center' }} px="md" pt="xl" pb="xl">
        <Box w="100%" maw={440}>
          <Outlet />
        </Box>
      </Box>
    </Box>
  );
}
