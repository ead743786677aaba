// Sign in with a user name and password; the session lives in an httpOnly cookie.
import { useState, type FormEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { Link, useLocation } from 'wouter';
import { useI18n } from '../i18n/index.tsx';
import { api, errorInfo } from '../app/trpc.ts';

/** The words for a throttled try (with the wait when the server told it), or null for other errors. */
export function signInError(t: (key: string, vars?: Record<string, string | number>) => string, err: unknown): string | null {
  const info = errorInfo(err);
  if (info.code !== 'TOO_MANY_REQUESTS') return null;
  return info.retryAfterSeconds ? t('auth.tooManyAttemptsWait', { seconds: info.retryAfterSeconds }) : t('common.tooManyAttempts');
}

export function LoginPage() {
  const { t } = useI18n();
  const qc = useQueryClient();
  const [, navigate] = useLocation();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.auth.login.mutate({ username: username.trim(), password });
      await qc.invalidateQueries();
      // A password an admin chose: the signed-in area asks for a new one before anything else.
      navigate('/');
    } catch (err) {
      setError(signInError(t, err) ?? (errorInfo(err).engineCode === 'ACCOUNT_DEACTIVATED' ? t('common.refusals.ACCOUNT_DEACTIVATED') : t('common.signInFailed')));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main id="main" className="login">
      <h1>{t('common.appName')}</h1>
      <form onSubmit={submit} aria-label={t('common.signIn')}>
        <label>
          {t('org.loginHint')}
          <input name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} required autoFocus />
        </label>
        <label>
          {t('common.password')}
          <input name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
        </label>
        {error && (
          <p role="alert" className="error-box">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {t('common.signIn')}
        </button>
      </form>
      <p className="login-board">
        <Link href="/board">{t('common.boardLink')}</Link>
      </p>
    </main>
  );
}
