// A step form's own checks in the reader's language. RJSF's validator speaks ajv's English ("must
// have required property '事项内容'", "must be >= 0"), which a village secretary should not have to
// read; each error the forms can raise gets a short sentence here, the rest keep ajv's words.
import type { RJSFValidationError } from '@rjsf/utils';
import { lookup, type Lang } from '../i18n/index.tsx';

function textOf(e: RJSFValidationError, lang: Lang): string | undefined {
  const params = (e.params ?? {}) as { limit?: number; format?: string; type?: string | string[] };
  let key: string | undefined;
  switch (e.name) {
    case 'required':
      key = 'required';
      break;
    case 'minLength':
      key = params.limit === 1 ? 'required' : 'minLength';
      break;
    case 'minimum':
    case 'exclusiveMinimum':
    case 'maximum':
    case 'exclusiveMaximum':
    case 'maxLength':
    case 'pattern':
      key = e.name;
      break;
    case 'format':
      key = params.format === 'date' ? 'date' : 'format';
      break;
    case 'type': {
      const type = Array.isArray(params.type) ? params.type[0] : params.type;
      key = type === 'number' || type === 'integer' ? type : 'type';
      break;
    }
    case 'enum':
    case 'const':
    case 'oneOf':
      key = 'choice';
      break;
  }
  const found = key ? lookup(lang, `runner.formErrors.${key}`) : undefined;
  const template = typeof found === 'string' ? found : undefined;
  return template?.replace('{limit}', String(params.limit ?? ''));
}

export function localizeFormErrors(errors: RJSFValidationError[], lang: Lang): RJSFValidationError[] {
  return errors.map((e) => {
    const message = textOf(e, lang);
    return message ? { ...e, message, stack: message } : e;
  });
}
