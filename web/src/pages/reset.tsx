// PLACEHOLDER (issue #10, account security #9): the engineer who builds this page replaces this
// whole file; its route and access level are already in app/routes.tsx.
import { Anchor } from '@mantine/core';
import { Link } from 'react-router';
import { ComingSoon } from '../components/Page';
import { usePageStrings } from '../lib/i18n';

const S = { en: { title: 'Reset your password', back: 'Back to login' }, zh: { title: '重置密码', back: '返回登录' } };

export default function ResetPage() {
  const { t } = usePageStrings('reset', S);
  return (
    <>
      <ComingSoon page={t('title')} />
      <Anchor component={Link} to="/login" mt="md" display="block">
        {t('back')}
      </Anchor>
    </>
  );
}
