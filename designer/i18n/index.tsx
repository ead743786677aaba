// Language and display preferences, remembered in the browser; `t('area.key', vars)` looks a label
// up in the one catalogue, `text({ zh, en })` picks a flow's own bilingual text.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { BUILT_IN_ROLES, type RoleLabel } from '../../engine/index.ts';
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
  /**
   * A role's label: the township's catalogue's (RoleLabels hands it over), else the built-in one;
   * a role neither knows reads as … until the catalogue is there (never its key while it loads),
   * and as its key only when the catalogue has no such role.
   */
  role: (role: string) => string;
  setRoleLabels: (roles: readonly { key: string; label: RoleLabel }[]) => void;
}

/** Built-in labels: what a page shows before (or without) a signed-in township's catalogue. */
const BUILT_IN_LABELS = new Map<string, RoleLabel>(BUILT_IN_ROLES.map((r) => [r.key, r.label]));

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
  // null until a signed-in township's catalogue has arrived.
  const [roleLabels, setRoleLabelMap] = useState<Map<string, RoleLabel> | null>(null);
  const setRoleLabels = useCallback((roles: readonly { key: string; label: RoleLabel }[]) => setRoleLabelMap(new Map([...BUILT_IN_LABELS, ...roles.map((r) => [r.key, r.label] as const)])), []);
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
      role: (r) => {
        const label = (roleLabels ?? BUILT_IN_LABELS).get(r);
        if (label) return prefs.lang === 'en' && label.en ? label.en : label.zh;
        // Not a role but who acts for no one: the system (timers, recalendaring).
        if (r === 'system') return t('common.systemActor');
        return roleLabels ? r : '…';
      },
      setRoleLabels,
    };
  }, [prefs, set, roleLabels, setRoleLabels]);
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useI18n(): I18n {
  const v = useContext(Ctx);
  if (!v) throw new Error('useI18n outside I18nProvider');
  return v;
}
