// Why an event was refused, in words for the person who sent it.
import { useI18n } from '../i18n/index.tsx';
import type { ApiErrorInfo } from '../app/trpc.ts';

export function SendError({ error }: { error: ApiErrorInfo | null }) {
  const { t } = useI18n();
  if (!error) return null;
  const text =
    error.code === 'CONFLICT' ? t('runner.conflict')
    : error.engineCode === 'FORM_INVALID' || error.engineCode === 'VOTE_INVALID' ? t('runner.formInvalid')
    : error.code === 'FORBIDDEN' ? t('runner.forbidden')
    : t('runner.notAllowed', { message: error.message });
  return (
    <div role="alert" className="error-box" data-testid="send-error">
      {text}
    </div>
  );
}
