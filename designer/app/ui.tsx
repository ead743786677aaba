// Small shared pieces: loading and error states, table heads, durations, times in China time.
import type { ReactNode } from 'react';
import { useI18n } from '../i18n/index.tsx';
import { errorInfo } from './trpc.ts';
import { refusalWords, type FieldLabel } from './refusals.ts';

export function Loading() {
  const { t } = useI18n();
  return <p role="status">{t('common.loading')}</p>;
}

/** A server refusal in the reader's language (designer/app/refusals.ts). */
export function useErrorText() {
  const { lang } = useI18n();
  return (error: unknown, label?: FieldLabel): string => refusalWords(lang, errorInfo(error), label);
}

/** A refusal in words (a problem's field named by `label` where the page knows its fields). */
export function ErrorBox({ error, onRetry, label }: { error: unknown; onRetry?: () => void; label?: FieldLabel }) {
  const { t } = useI18n();
  const errorText = useErrorText();
  return (
    <div role="alert" className="error-box">
      {t('common.error', { message: errorText(error, label) })}
      {onRetry && (
        <button type="button" onClick={onRetry}>
          {t('common.retry')}
        </button>
      )}
    </div>
  );
}

export function Query<T>({ q, children }: { q: { data: T | undefined; error: unknown; isLoading: boolean; refetch: () => unknown }; children: (data: T) => ReactNode }) {
  if (q.isLoading) return <Loading />;
  if (q.error) return <ErrorBox error={q.error} onRetry={() => q.refetch()} />;
  return <>{q.data !== undefined ? children(q.data) : null}</>;
}

/** A table's head: one row of column headings. */
export function TableHead({ columns }: { columns: string[] }) {
  return (
    <thead>
      <tr>
        {columns.map((c) => (
          <th key={c} scope="col">
            {c}
          </th>
        ))}
      </tr>
    </thead>
  );
}

/** A figures table's head: the column of row names, then right-aligned number columns. */
export function NumberTableHead({ first, columns }: { first: string; columns: string[] }) {
  return (
    <thead>
      <tr>
        <th scope="col">{first}</th>
        {columns.map((c) => (
          <th key={c} scope="col" className="num">
            {c}
          </th>
        ))}
      </tr>
    </thead>
  );
}

/** A time as people here read it: China time, minutes. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '';
  return new Date(Date.parse(iso) + 8 * 3600_000).toISOString().slice(0, 16).replace('T', ' ');
}

export function useDuration() {
  const { t } = useI18n();
  return (ms: number) => {
    const minutes = Math.max(0, Math.round(ms / 60_000));
    if (minutes < 120) return t('common.duration.minutes', { n: minutes });
    const hours = Math.round(minutes / 60);
    if (hours < 48) return t('common.duration.hours', { n: hours });
    return t('common.duration.days', { n: Math.round(hours / 24) });
  };
}
