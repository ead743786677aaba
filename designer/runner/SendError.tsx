// Why an event was refused, in words for the person who sent it: a form's problems name the first
// field by its label (each is shown by its field too), the rest read by reason (app/refusals.ts).
import { useI18n } from '../i18n/index.tsx';
import type { ApiErrorInfo } from '../app/trpc.ts';
import { refusalWords, type FieldLabel } from '../app/refusals.ts';

export function SendError({ error, label }: { error: ApiErrorInfo | null; label?: FieldLabel }) {
  const { t, lang } = useI18n();
  if (!error) return null;
  const text =
    error.code === 'CONFLICT' ? t('runner.conflict')
    : error.issues.length ? `${t('runner.formInvalid')} ${refusalWords(lang, error, label)}`
    : error.code === 'FORBIDDEN' && !error.engineCode ? t('runner.forbidden')
    : refusalWords(lang, error, label);
  return (
    <div role="alert" className="error-box" data-testid="send-error">
      {text}
    </div>
  );
}
