// i18next set-up: English and Chinese, chosen from the browser's language, switchable and kept
// in localStorage. The shell's strings live in locales/common.ts; each page registers its own
// namespace next to its code with registerStrings(), so its strings ship in its chunk.
import i18next from 'i18next';
import { initReactI18next, useTranslation } from 'react-i18next';
import common from '../locales/common';

export type Lang = 'en' | 'zh';
export const LANGS: { value: Lang; label: string }[] = [
  { value: 'en', label: 'English' },
  { value: 'zh', label: '中文' },
];
const STORAGE_KEY = 'lang';

type Strings = { [key: string]: string | Strings };
export type Bundles = { en: Strings; zh: Strings };

export function detectLanguage(): Lang {
  const saved = localStorage.getItem(STORAGE_KEY);
  if (saved === 'en' || saved === 'zh') return saved;
  const langs = navigator.languages?.length ? navigator.languages : [navigator.language];
  return langs.some((l) => l?.toLowerCase().startsWith('zh')) ? 'zh' : 'en';
}

export function initI18n(): typeof i18next {
  const lng = detectLanguage();
  document.documentElement.lang = lng === 'zh' ? 'zh-CN' : 'en';
  void i18next.use(initReactI18next).init({
    lng,
    fallbackLng: 'en',
    defaultNS: 'common',
    fallbackNS: 'common', // a page's t() finds the shared strings (action.save, table.empty, ...)
    ns: ['common'],
    resources: { en: { common: common.en }, zh: { common: common.zh } },
    interpolation: { escapeValue: false }, // React escapes
    returnNull: false,
  });
  return i18next;
}

export function currentLanguage(): Lang {
  return i18next.language === 'zh' ? 'zh' : 'en';
}

export function setLanguage(lang: Lang): void {
  localStorage.setItem(STORAGE_KEY, lang);
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  void i18next.changeLanguage(lang);
}

/** Add a page's strings under its own namespace (idempotent; call at module level). */
export function registerStrings(ns: string, bundles: Bundles): void {
  for (const lang of ['en', 'zh'] as const) {
    if (!i18next.hasResourceBundle(lang, ns)) {
      i18next.addResourceBundle(lang, ns, bundles[lang], true, false);
    }
  }
}

/** registerStrings + useTranslation for a page: `const { t } = usePageStrings('tokens', S)`. */
export function usePageStrings(ns: string, bundles: Bundles) {
  registerStrings(ns, bundles);
  return useTranslation([ns, 'common']);
}
