// Sending an event on the current step, with the sequence number the page was showing: a conflict
// (someone acted first) refetches the instance; the caller keeps what the user entered.
import { useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { api, errorInfo, type ApiErrorInfo } from '../app/trpc.ts';

export function useSend(instanceId: string, seq: number) {
  const qc = useQueryClient();
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
      setError(info);
      if (info.code === 'CONFLICT') await qc.invalidateQueries({ queryKey: ['instance', instanceId] });
      return false;
    } finally {
      setBusy(false);
    }
  }
  return { send, busy, error, clearError: () => setError(null) };
}
export type Sender = ReturnType<typeof useSend>;
