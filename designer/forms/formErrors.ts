// A step form's own checks in the reader's language. RJSF's validator speaks ajv's English ("must
// have required property '事项内容'", "must be >= 0"), which a village secretary should not have to
// read; each check reads by the code the engine gives the same failure on the server
// (engine/forms.ts issueCode), in the words of common.issues (app/refusals.ts).
import type { RJSFValidationError } from '@rjsf/utils';
import { issueCode } from '../../engine/index.ts';
import type { Lang } from '../i18n/index.tsx';
import { issueWords } from '../app/refusals.ts';

export function localizeFormErrors(errors: RJSFValidationError[], lang: Lang): RJSFValidationError[] {
  return errors.map((e) => {
    const code = issueCode({ keyword: e.name ?? '', params: e.params as Record<string, unknown> | undefined });
    if (code.code === 'invalid' && lang === 'en') return e;
    const message = issueWords(lang, { pointer: e.property ?? '', message: e.message ?? '', ...code });
    return { ...e, message, stack: message };
  });
}
