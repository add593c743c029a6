// PLACEHOLDER (issue #10): the engineer who builds this page replaces this whole file; its
// route, access level and sidebar entry are already in app/routes.tsx.
import { useTranslation } from 'react-i18next';
import { ComingSoon } from '../components/Page';

export default function PricingPage() {
  const { t } = useTranslation();
  return <ComingSoon page={t('nav.pricing')} />;
}
