// A refusal in the reader's words, from the one message table (designer/i18n/messages/common.ts):
// the server's and the engine's messages are English sentences for logs and API readers, so the
// web app words a refusal by what it carries as data: each issue's code and figures
// (FlowIssue.code/params) with the field named by its label, else the refusal's reason
// (`engineCode`), else its kind (BAD_REQUEST, NOT_FOUND, ...). Never a JSON pointer; in Chinese
// never an English message.
import { fieldErrorsOf, subschemaAt, titleOf, type FieldErrors, type FlowIssue } from '../../engine/index.ts';
import { lookup, translate, type Lang } from '../i18n/index.tsx';
import type { ApiErrorInfo } from './trpc.ts';

/** A field's label by its pointer, or undefined when the page does not know it. */
export type FieldLabel = (pointer: string) => string | undefined;

const known = (lang: Lang, key: string) => typeof lookup(lang, key) === 'string';

/** What is wrong with one value: common.issues by its code, else (in English) the server's words. */
export function issueWords(lang: Lang, issue: FlowIssue): string {
  if (issue.code && known(lang, `common.issues.${issue.code}`)) return translate(lang, `common.issues.${issue.code}`, issue.params);
  return lang === 'en' && issue.message ? issue.message : translate(lang, 'common.issues.invalid');
}

/** The labels of a form's fields, from its schema's titles (in English where the form gives one). */
export function formLabels(schema: unknown, lang: Lang): FieldLabel {
  return (pointer) => {
    const title = titleOf(subschemaAt((schema ?? {}) as Record<string, unknown>, pointer));
    return title && (lang === 'en' && title.en ? title.en : title.zh);
  };
}

/** The label of a server input's field (common.fields, by its last key). */
function inputLabel(lang: Lang, pointer: string): string | undefined {
  const key = pointer.split('/').filter((k) => !/^\d+$/.test(k)).at(-1);
  return key && known(lang, `common.fields.${key}`) ? translate(lang, `common.fields.${key}`) : undefined;
}

/** One issue with the field it is about, named by its label (the words alone when no label is known). */
export function issueAt(lang: Lang, issue: FlowIssue, label?: FieldLabel): string {
  const field = label?.(issue.pointer) ?? inputLabel(lang, issue.pointer);
  const problem = issueWords(lang, issue);
  return field ? translate(lang, 'common.issueAt', { field, problem }) : problem;
}

/** The refusal in words: its first issue by field, else its reason, else its kind. */
export function refusalWords(lang: Lang, info: ApiErrorInfo, label?: FieldLabel): string {
  // A flow file's problems are the designer's to list (with its own words), not a field's.
  const [first, ...rest] = info.engineCode === 'FLOW_INVALID' ? [] : info.issues;
  if (first) return issueAt(lang, first, label) + (rest.length ? translate(lang, 'common.moreIssues', { n: rest.length }) : '');
  for (const key of [info.engineCode, info.code]) {
    if (key && known(lang, `common.refusals.${key}`)) return translate(lang, `common.refusals.${key}`);
  }
  return lang === 'en' ? info.message : translate(lang, 'common.refusals.UNKNOWN');
}

/** The issues beside their fields (RJSF's extraErrors), in the reader's words. */
export function fieldErrorsIn(lang: Lang, issues: FlowIssue[]): FieldErrors | undefined {
  return issues.length ? fieldErrorsOf(issues, (i) => issueWords(lang, i)) : undefined;
}
