// A decision with a written reason: review (approve / return / reject), an objection in a
// disclosure, or a flow's own event such as withdrawing. Return, reject and objections need a reason.
import { useState } from 'react';
import { useI18n } from '../i18n/index.tsx';
import type { Sender } from './useSend.ts';
import { SendError } from './SendError.tsx';

const NEEDS_REASON = new Set(['RETURN', 'REJECT', 'OBJECT']);

export function ReasonAction({ events, sender, withOpinion, contact, secondary }: { events: string[]; sender: Sender; withOpinion?: boolean; contact?: boolean; secondary?: boolean }) {
  const { t } = useI18n();
  const [reason, setReason] = useState('');
  const [opinion, setOpinion] = useState('');
  const [contactText, setContact] = useState('');
  const [missing, setMissing] = useState(false);
  if (events.length === 0) return null;
  const send = async (type: string) => {
    if (NEEDS_REASON.has(type) && !reason.trim()) return setMissing(true);
    setMissing(false);
    const payload: Record<string, unknown> = {};
    if (reason.trim()) payload.reason = reason.trim();
    if (withOpinion && opinion.trim()) payload.opinion = opinion.trim();
    if (contact && contactText.trim()) payload.contact = contactText.trim();
    if (await sender.send(type, payload)) setReason(''), setOpinion('');
  };
  const isObjection = events.includes('OBJECT');
  return (
    <div className="panel reason-action">
      {withOpinion && (
        <label>
          {t('runner.opinion')}
          <textarea name="opinion" value={opinion} onChange={(e) => setOpinion(e.target.value)} rows={3} maxLength={5000} />
        </label>
      )}
      <label>
        {isObjection ? t('runner.objectionReason') : t('runner.reason')}
        <textarea name="reason" value={reason} onChange={(e) => setReason(e.target.value)} rows={3} maxLength={5000} aria-invalid={missing} aria-describedby={missing ? 'reason-missing' : undefined} />
      </label>
      {missing && (
        <p id="reason-missing" role="alert" className="field-error">
          {t('runner.reasonRequired')}
        </p>
      )}
      {contact && (
        <label>
          {t('runner.contact')}
          <input name="contact" value={contactText} onChange={(e) => setContact(e.target.value)} maxLength={200} />
        </label>
      )}
      <div className="buttons">
        {events.map((type) => (
          <button key={type} type="button" disabled={sender.busy} onClick={() => send(type)} className={type === 'REJECT' ? 'danger' : secondary ? 'secondary' : undefined} data-event={type}>
            {t(`runner.events.${type}`) === `runner.events.${type}` ? type : t(`runner.events.${type}`)}
          </button>
        ))}
      </div>
      <SendError error={sender.error} />
    </div>
  );
}
