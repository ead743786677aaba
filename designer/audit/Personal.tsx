// Personal values as a reader sees them (docs/personal-data.md): the server sends each as a mask;
// a reader the flow allows presses "show" for one value, which the server writes to the audit log.
import { createContext, useContext, useState, type ReactNode } from 'react';
import { api } from '../app/trpc.ts';
import { useErrorText } from '../app/ui.tsx';
import { useI18n } from '../i18n/index.tsx';
import type { Masked } from './masked.ts';

const RevealContext = createContext<{ instanceId: string; canReveal: boolean } | null>(null);

/** The matter whose masked values the views inside may reveal, and whether this reader may. */
export function RevealScope({ instanceId, canReveal, children }: { instanceId: string; canReveal: boolean; children: ReactNode }) {
  return <RevealContext.Provider value={{ instanceId, canReveal }}>{children}</RevealContext.Provider>;
}

export function MaskedView({ value, format }: { value: Masked; format: (v: unknown) => string }) {
  const { t } = useI18n();
  const errorText = useErrorText();
  const scope = useContext(RevealContext);
  const [shown, setShown] = useState<{ value?: unknown } | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const kind = value.kind ? t(`personal.kinds.${value.kind}`) : t('personal.unknown');
  if (value.masked === null) return <span className="value muted" data-testid="personal" data-erased="true">{t('personal.erased')}</span>;
  const show = async () => {
    setBusy(true);
    setError(null);
    try {
      setShown(await api.personal.reveal.mutate({ id: scope!.instanceId, commitment: value.$personal }));
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <span className="value personal" data-testid="personal" data-kind={value.kind ?? ''} data-shown={shown ? 'true' : 'false'}>
      {shown ? <span data-testid="personal-value">{format(shown.value)}</span> : <span title={kind} aria-label={`${kind} ${value.masked}`}>{value.masked}</span>}
      {/* A value recorded before its field was marked has no commitment to reveal it by (docs/personal-data.md). */}
      {scope?.canReveal && value.$personal !== '' && !shown && (
        <button type="button" className="secondary" onClick={show} disabled={busy}>
          {busy ? t('personal.showing') : t('personal.show')}
        </button>
      )}
      {shown && (
        <>
          {' '}
          <span className="muted small">{t('personal.shownNote')}</span>{' '}
          <button type="button" className="secondary" onClick={() => setShown(null)}>
            {t('personal.hide')}
          </button>
        </>
      )}
      {error && <span role="alert" className="error small"> {error}</span>}
    </span>
  );
}
