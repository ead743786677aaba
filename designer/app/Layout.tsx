// The frame of every signed-in page: who you are and where, navigation, language and display
// preferences for older readers (large text, high contrast), sign out.
import type { ReactNode } from 'react';
import { Link } from 'wouter';
import { useI18n } from '../i18n/index.tsx';
import { hasTownshipRole, useSignOut, type Me } from './session.ts';

export function Preferences() {
  const { t, lang, largeText, highContrast, set } = useI18n();
  return (
    <div className="prefs">
      <label>
        {t('common.language')}
        <select value={lang} onChange={(e) => set({ lang: e.target.value as 'zh' | 'en' })} aria-label={t('common.language')}>
          <option value="zh">中文</option>
          <option value="en">English</option>
        </select>
      </label>
      <label>
        <input type="checkbox" checked={largeText} onChange={(e) => set({ largeText: e.target.checked })} />
        {t('common.largeText')}
      </label>
      <label>
        <input type="checkbox" checked={highContrast} onChange={(e) => set({ highContrast: e.target.checked })} />
        {t('common.highContrast')}
      </label>
    </div>
  );
}

export function Layout({ me, children }: { me: Me; children: ReactNode }) {
  const { t, role, lang } = useI18n();
  const signOut = useSignOut();
  const villages = new Map(me.villages.map((v) => [v.id, v.name]));
  const where = (v: string) => (lang === 'zh' ? `（${v}）` : ` (${v})`);
  const roles = me.user.roles.map((g) => `${role(g.role)}${g.villageId ? where(villages.get(g.villageId) ?? g.villageId) : ''}`);
  const township = hasTownshipRole(me, 'township_admin', 'township_reviewer', 'auditor');
  return (
    <>
      <a className="skip" href="#main">
        {t('common.skipToContent')}
      </a>
      <header className="top">
        <strong className="brand">{t('common.appName')}</strong>
        <nav aria-label="main">
          <Link href="/">{t('common.nav.inbox')}</Link>
          <Link href="/instances">{t('common.nav.instances')}</Link>
          <Link href="/catalogue">{t('catalogue.nav')}</Link>
          {township && <Link href="/overview">{t('common.nav.overview')}</Link>}
          {township && <Link href="/calendar">{t('calendar.nav')}</Link>}
          {hasTownshipRole(me, 'township_admin') && <Link href="/designer">{t('editor.nav')}</Link>}
          {hasTownshipRole(me, 'township_admin') && <Link href="/org">{t('org.nav')}</Link>}
          {hasTownshipRole(me, 'township_admin', 'auditor') && <Link href="/audit-log">{t('personal.log.nav')}</Link>}
          <Link href="/board">{t('common.nav.board')}</Link>
        </nav>
        <div className="who" data-testid="who">
          <Link href="/account" aria-label={t('org.accountNav')}>
            {me.user.displayName}
          </Link>
          <span className="muted">
            {me.township?.name} · {roles.join(lang === 'zh' ? '、' : ', ')}
          </span>
        </div>
        <Preferences />
        <button type="button" onClick={signOut}>
          {t('common.signOut')}
        </button>
      </header>
      <main id="main">{children}</main>
    </>
  );
}
