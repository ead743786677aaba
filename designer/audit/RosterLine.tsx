// The roster a meeting record's numbers came from (its payload's `roster`): its hash and counts,
// and, for those who may read stored rosters (auditors, the township admin), its members by name
// or the registered count it used, with whether the stored roster still matches its hash.
import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import type { HistoryRecord } from '../../engine/index.ts';
import { useI18n } from '../i18n/index.tsx';
import { api } from '../app/trpc.ts';
import { Query } from '../app/ui.tsx';

export function RosterLine({ record }: { record: HistoryRecord }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const roster = record.payload?.roster as { hash?: string; members?: number; voting?: number } | undefined;
  const hash = typeof roster?.hash === 'string' ? roster.hash : null;
  const stored = useQuery({ queryKey: ['roster-snapshot', hash], queryFn: () => api.rosters.snapshot.query({ hash: hash! }), enabled: open && !!hash });
  if ((record.type !== 'RECORD_VOTE' && record.type !== 'CLOSE_VOTE') || !hash) return null;
  return (
    <section className="sub-panel" data-testid="record-roster">
      <p>{t('rosters.recordLine', { members: roster!.members ?? 0, voting: roster!.voting ?? 0 })}</p>
      <p className="small">
        {t('rosters.recordHash')} <code className="hash">{hash}</code>
      </p>
      <details onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)}>
        <summary>{t('rosters.recordShow')}</summary>
        {open && (
          <Query q={stored}>
            {(s) => (
              <div data-testid="roster-snapshot">
                <p className={s.intact ? '' : 'field-error'}>{s.intact ? t('rosters.intact') : t('rosters.notIntact')}</p>
                {s.kind === 'accounts' ? (
                  <ol className="small">
                    {s.members.map((m) => (
                      <li key={m.userId}>
                        {m.displayName} <span className="muted">{m.userId}</span>
                        {m.probationary && ` · ${t('rosters.probationary')}`}
                      </li>
                    ))}
                  </ol>
                ) : (
                  <p>{t('rosters.countLine', { count: s.count.count, from: s.count.effectiveFrom, source: s.count.source, by: s.count.recordedByName, at: s.count.recordedAt })}</p>
                )}
              </div>
            )}
          </Query>
        )}
      </details>
    </section>
  );
}
