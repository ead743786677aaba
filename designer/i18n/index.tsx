// Language and display preferences, remembered in the browser; `t('area.key', vars)` looks a label
// up in the one catalogue, `text({ zh, en })` picks a flow's own bilingual text.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { messages } from './messages.ts';

export type Lang = 'zh' | 'en';
interface Prefs {
  lang: Lang;
  largeText: boolean;
  highContrast: boolean;
}
interface I18n extends Prefs {
  set: (p: Partial<Prefs>) => void;
  t: (key: string, vars?: Record<string, string | number>) => string;
  text: (t: { zh: string; en?: string } | undefined | null) => string;
  role: (role: string) => string;
}

const STORAGE_KEY = 'villageflow.prefs';
const Ctx = createContext<I18n | null>(null);

function load(): Prefs {
  try {
    const stored = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '{}') as Partial<Prefs>;
    return { lang: stored.lang === 'en' ? 'en' : 'zh', largeText: !!stored.largeText, highContrast: !!stored.highContrast };
  } catch {
    return { lang: 'zh', largeText: false, highContrast: false };
  }
}

export function lookup(lang: Lang, key: string): unknown {
  let node: unknown = messages[lang];
  for (const part of key.split('.')) node = (node as Record<string, unknown> | undefined)?.[part];
  return node;
}

/** A label in `lang` (else in Chinese, else the key itself), with `{name}` filled from `vars`. */
export function translate(lang: Lang, key: string, vars?: Record<string, string | number>): string {
  const found = lookup(lang, key) ?? lookup('zh', key);
  const template = typeof found === 'string' ? found : key;
  return vars ? template.replace(/\{(\w+)\}/g, (_, k: string) => String(vars[k] ?? `{${k}}`)) : template;
}

export function I18nProvider({ children }: { children: ReactNode }) {
  const [prefs, setPrefs] = useState<Prefs>(load);
  useEffect(() => {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(prefs));
    document.documentElement.lang = prefs.lang === 'zh' ? 'zh-CN' : 'en';
    document.documentElement.classList.toggle('large-text', prefs.largeText);
    document.documentElement.classList.toggle('high-contrast', prefs.highContrast);
  }, [prefs]);
  const set = useCallback((p: Partial<Prefs>) => setPrefs((old) => ({ ...old, ...p })), []);
  const value = useMemo<I18n>(() => {
    const t = (key: string, vars?: Record<string, string | number>) => translate(prefs.lang, key, vars);
    return {
      ...prefs,
      set,
      t,
      text: (x) => (x ? (prefs.lang === 'en' && x.en ? x.en : x.zh) : ''),
      role: (r) => t(`common.roleNames.${r}`) ?? r,
    };
  }, [prefs, set]);
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useI18n(): I18n {
  const v = useContext(Ctx);
  if (!v) throw new Error('useI18n outside I18nProvider');
  return v;
}
