// Sending an event on the current step, with the sequence number the page was showing: a conflict
// (someone acted first) refetches the instance; the caller keeps what the user entered. A refusal's
// problems by field (`fieldErrors`) are in the reader's words (app/refusals.ts), not the server's.
import { useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { api, errorInfo, type ApiErrorInfo } from '../app/trpc.ts';
import { fieldErrorsIn } from '../app/refusals.ts';
import { useI18n } from '../i18n/index.tsx';

export function useSend(instanceId: string, seq: number) {
  const qc = useQueryClient();
  const { lang } = useI18n();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiErrorInfo | null>(null);
  async function send(type: string, payload: Record<string, unknown> = {}): Promise<boolean> {
    setBusy(true);
    setError(null);
    try {
      await api.instances.send.mutate({ id: instanceId, seq, type, payload });
      await qc.invalidateQueries();
      return true;
    } catch (err) {
      const info = errorInfo(err);
      setError({ ...info, fieldErrors: fieldErrorsIn(lang, info.issues) });
      if (info.code === 'CONFLICT') await qc.invalidateQueries({ queryKey: ['instance', instanceId] });
      return false;
    } finally {
      setBusy(false);
    }
  }
  return { send, busy, error, clearError: () => setError(null) };
}
export type Sender = ReturnType<typeof useSend>;
