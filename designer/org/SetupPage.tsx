// The one-time setup link's page (/setup#token, printed by the server on an empty database): the
// township and its first admin, who then signs in as anyone does. The token stays in the fragment,
// never in a request line or a log.
import { useState, type FormEvent } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'wouter';
import { useI18n } from '../i18n/index.tsx';
import { Preferences } from '../app/Layout.tsx';
import { PasswordRuleAndError } from '../auth/ChangePasswordPage.tsx';
import { api, errorInfo } from '../app/trpc.ts';
import { Loading, useErrorText } from '../app/ui.tsx';

export function SetupPage() {
  const { t } = useI18n();
  const errorText = useErrorText();
  const token = window.location.hash.replace(/^#/, '');
  const status = useQuery({ queryKey: ['setup', token], queryFn: () => api.org.setupStatus.query({ token }), enabled: token.length > 0 });
  const [form, setForm] = useState({ townshipName: '', username: '', displayName: '', mobile: '', password: '', confirm: '' });
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<{ township: string; username: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const field = (key: keyof typeof form) => ({ value: form[key], onChange: (e: { target: { value: string } }) => setForm((f) => ({ ...f, [key]: e.target.value })) });

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (form.password !== form.confirm) return setError(t('auth.changePassword.mismatch'));
    setBusy(true);
    setError(null);
    try {
      const { confirm: _c, mobile, ...rest } = form;
      const made = await api.org.setup.mutate({ token, ...rest, username: rest.username.trim(), mobile: mobile.trim() || null });
      setDone({ township: form.townshipName.trim(), username: made.username });
    } catch (err) {
      const info = errorInfo(err);
      setError(info.code === 'NOT_FOUND' ? t('org.setup.invalid') : 'password' in (info.fieldErrors ?? {}) ? `${t('auth.changePassword.weak')} ${t('auth.changePassword.rule')}` : errorText(err));
    } finally {
      setBusy(false);
    }
  }

  let body;
  if (done) {
    body = (
      <p role="status" data-testid="setup-done">
        {t('org.setup.done', done)} <Link href="/login">{t('org.setup.signIn')}</Link>
      </p>
    );
  } else if (token && status.isLoading) {
    body = <Loading />;
  } else if (!token || !status.data?.open) {
    body = (
      <p role="alert" className="error-box" data-testid="setup-invalid">
        {t('org.setup.invalid')}
      </p>
    );
  } else {
    body = (
      <form onSubmit={submit} aria-label={t('org.setup.title')} data-testid="setup-form">
        <p className="muted">{t('org.setup.intro')}</p>
        <label>
          {t('org.setup.township')}
          <input name="townshipName" required maxLength={100} autoFocus {...field('townshipName')} />
        </label>
        <label>
          {t('org.setup.username')}
          <input name="username" autoComplete="username" required pattern="[a-z0-9._\-]{3,40}" aria-describedby="setup-username-hint" {...field('username')} />
        </label>
        <p id="setup-username-hint" className="muted">
          {t('org.setup.usernameHint')}
        </p>
        <label>
          {t('org.setup.displayName')}
          <input name="displayName" required maxLength={100} {...field('displayName')} />
        </label>
        <label>
          {t('org.setup.mobile')}
          <input name="mobile" type="tel" inputMode="numeric" pattern="1[0-9]{10}" {...field('mobile')} />
        </label>
        <label>
          {t('org.setup.password')}
          <input name="password" type="password" autoComplete="new-password" required minLength={8} aria-describedby="setup-rule" {...field('password')} />
        </label>
        <label>
          {t('org.setup.confirm')}
          <input name="confirm" type="password" autoComplete="new-password" required {...field('confirm')} />
        </label>
        <PasswordRuleAndError id="setup-rule" error={error} />
        <button type="submit" disabled={busy}>
          {t('org.setup.submit')}
        </button>
      </form>
    );
  }
  return (
    <main id="main" className="login" data-testid="setup">
      <h1>{t('org.setup.title')}</h1>
      <Preferences />
      {body}
    </main>
  );
}
