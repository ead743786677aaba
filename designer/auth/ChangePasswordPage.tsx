// Choosing one's own password, shown before anything else while the password is one an admin chose
// (a new user, a reset); the server refuses everything else until then. The rule is the server's:
// it is stated here in words, and a refusal is shown at its field. The same form is on one's own
// account page (designer/org/AccountPage.tsx).
import { useState, type FormEvent, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useI18n } from '../i18n/index.tsx';
import { useSignOut, type Me } from '../app/session.ts';
import { api, errorInfo } from '../app/trpc.ts';
import { signInError } from './LoginPage.tsx';
import { useErrorText } from '../app/ui.tsx';

/** The password rule in words (the input names it by `id`), and the form's refusal if any. */
export function PasswordRuleAndError({ id, error }: { id: string; error: string | null }) {
  const { t } = useI18n();
  return (
    <>
      <p id={id} className="muted">
        {t('auth.changePassword.rule')}
      </p>
      {error && (
        <p role="alert" className="error-box">
          {error}
        </p>
      )}
    </>
  );
}

/** Current password, new one twice; `onDone` after the server took it. */
export function ChangePasswordForm({ username, autoFocus, onDone, children }: { username: string; autoFocus?: boolean; onDone?: () => void; children?: ReactNode }) {
  const { t } = useI18n();
  const errorText = useErrorText();
  const qc = useQueryClient();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (next !== confirm) return setError(t('auth.changePassword.mismatch'));
    setBusy(true);
    setError(null);
    try {
      await api.auth.changePassword.mutate({ current, next });
      setCurrent('');
      setNext('');
      setConfirm('');
      await qc.invalidateQueries();
      onDone?.();
    } catch (err) {
      const fields = errorInfo(err).fieldErrors ?? {};
      setError(
        signInError(t, err) ??
          ('current' in fields ? t('auth.changePassword.wrongCurrent') : 'next' in fields ? `${t('auth.changePassword.weak')} ${t('auth.changePassword.rule')}` : errorText(err)),
      );
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} aria-label={t('auth.changePassword.title')}>
      <input type="text" name="username" autoComplete="username" value={username} readOnly hidden />
      <label>
        {t('auth.changePassword.current')}
        <input name="current" type="password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} required autoFocus={autoFocus} />
      </label>
      <label>
        {t('auth.changePassword.next')}
        <input name="next" type="password" autoComplete="new-password" value={next} onChange={(e) => setNext(e.target.value)} required minLength={8} aria-describedby="password-rule" />
      </label>
      <label>
        {t('auth.changePassword.confirm')}
        <input name="confirm" type="password" autoComplete="new-password" value={confirm} onChange={(e) => setConfirm(e.target.value)} required />
      </label>
      <PasswordRuleAndError id="password-rule" error={error} />
      <div className="buttons">
        <button type="submit" disabled={busy}>
          {t('auth.changePassword.submit')}
        </button>
        {children}
      </div>
    </form>
  );
}

export function ChangePasswordPage({ me }: { me: Me }) {
  const { t } = useI18n();
  const signOut = useSignOut();
  return (
    <main id="main" className="login" data-testid="change-password">
      <h1>{t('auth.changePassword.title')}</h1>
      <p>
        {me.user.displayName} · {t('auth.changePassword.required')}
      </p>
      <ChangePasswordForm username={me.user.username} autoFocus>
        <button type="button" className="secondary" onClick={signOut}>
          {t('common.signOut')}
        </button>
      </ChangePasswordForm>
    </main>
  );
}
