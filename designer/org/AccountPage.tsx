// One's own account: change the password, and see one's recent sign-ins (when and from where), so a
// sign-in one did not make is noticed.
import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { useI18n } from '../i18n/index.tsx';
import { ChangePasswordForm } from '../auth/ChangePasswordPage.tsx';
import type { Me } from '../app/session.ts';
import { api } from '../app/trpc.ts';
import { formatTime, Query, TableHead } from '../app/ui.tsx';

export function AccountPage({ me }: { me: Me }) {
  const { t } = useI18n();
  const signIns = useQuery({ queryKey: ['signIns'], queryFn: () => api.auth.signIns.query() });
  const [changed, setChanged] = useState(false);
  return (
    <section className="org" data-testid="account">
      <h1>{t('org.account.title')}</h1>
      <p>
        {me.user.displayName} · {me.user.username}
        {me.user.mobile ? ` · ${me.user.mobile}` : ''}
      </p>
      <h2>{t('org.account.changePassword')}</h2>
      <ChangePasswordForm username={me.user.username} onDone={() => setChanged(true)} />
      {changed && <p role="status">{t('org.account.changed')}</p>}
      <h2>{t('org.account.signIns')}</h2>
      <Query q={signIns}>
        {(list) =>
          list.length === 0 ? (
            <p className="muted">{t('org.account.noSignIns')}</p>
          ) : (
            <div className="table-wrap">
              <table className="table" data-testid="sign-ins">
                <TableHead columns={[t('org.account.at'), t('org.account.address')]} />
                <tbody>
                  {list.map((s, i) => (
                    <tr key={i}>
                      <td>{formatTime(s.at)}</td>
                      <td className="mono">{s.address}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Query>
    </section>
  );
}
