// The engine words a flow's problems in English, the language of the CLI and the API; the designer
// shows them in the reader's language. Each rule below recognises one form of message the
// validator (engine/validate.ts and the checks it calls, and Ajv for the flow's shape) makes, and
// names its parts for the label `editor.issueWords.<key>`. A message no rule knows is shown as is.

type T = (key: string, vars?: Record<string, string | number>) => string;

/** [label key, the message's form, names of its captured parts] */
const RULES: [string, RegExp, string[]][] = [
  ['roleUndeclared', /^role "(.*)" is not declared in \/roles$/, ['role']],
  ['secretNotBallot', /^only a vote in ballot mode can be secret: a meeting record counts hands, not ballots$/, []],
  ['initialMissing', /^initial state "(.*)" is not in \/states$/, ['state']],
  ['targetMissing', /^target "(.*)" is not in \/states$/, ['target']],
  ['typeFinal', /^type must be "final"$/, []],
  ['pointerInside', /^"(.*)" goes inside a value the data schema declares as (\w+), not an object$/, ['pointer', 'type']],
  ['pointerUndeclared', /^"(.*)" is not declared in the flow's data schema \(no property "(.*)"\)$/, ['pointer', 'key']],
  ['reservedEvent', /^"(.*)" is handled by the engine itself and cannot be used in "on"$/, ['event']],
  ['eventWrongKind', /^"(.*)" belongs to (\S+) states, not to a (\w+) state$/, ['event', 'kinds', 'kind']],
  ['unknownEngineEvent', /^unknown engine event "(.*)" \(custom events have no dot\)$/, ['event']],
  ['submitNoForm', /^SUBMIT carries a form, but this task has no "form"$/, []],
  ['deadlineEvent', /^DEADLINE\.EXCEEDED needs a "deadline" on this state$/, []],
  ['noQuorumRule', /^VOTE\.NO_QUORUM needs a "quorum" rule on this vote$/, []],
  ['needsEvent', /^a (task with a form|vote with a quorum|vote|review|disclosure) needs "(.*)" in "on"$/, ['what', 'event']],
  ['unreachable', /^state "(.*)" cannot be reached from the initial state "(.*)"$/, ['state', 'initial']],
  ['noWayOut', /^state "(.*)" has no way out: no transition leads to another state$/, ['state']],
  ['neverFinishes', /^state "(.*)" can never reach a final state \(a cycle with no exit\)$/, ['state']],
  ['tooLarge', /^flow is too large \(more than (\d+) JSON values\)$/, ['n']],
  ['tooDeep', /^flow is nested too deeply \(more than (\d+) levels\)$/, ['n']],
  ['durationInvalid', /^"(.*)" is not an ISO-8601 duration \(e\.g\. P7D, PT72H\)$/, ['text']],
  ['durationZero', /^duration "(.*)" must be longer than zero$/, ['text']],
  ['durationWhole', /^working-day duration "(.*)" must be whole days only \(e\.g\. P5D\)$/, ['text']],
  ['durationLong', /^duration "(.*)" is longer than 100 years$/, ['text']],
  ['ratioOver', /^ratio (\S+) is more than the whole$/, ['ratio']],
  ['neverMet', /^"> (\S+)" can never be met$/, ['ratio']],
  ['quorumPresent', /^a quorum counts those present against "all" or "entitled", not "present"$/, []],
  ['guardMatches', /^guard "(.*)": matches\(\) is not allowed in guards$/, ['guard']],
  ['guardNotBool', /^guard "(.*)" must be true or false, but it gives (\w+)$/, ['guard', 'type']],
  ['guardError', /^guard "(.*)": (.*)$/s, ['guard', 'error']],
  ['schemaInvalid', /^not a valid JSON Schema: (.*)$/s, ['error']],
  ['finalTakesNothing', /^a final state takes no events, timers or roles \("(.*)"\)$/, ['key']],
  // The flow schema's patterns, in the words engine/validate.ts gives them.
  ['kebabCase', /^must be kebab-case, e\.g\. five-deliberations-two-disclosures$/, []],
  ['semver', /^must be a semantic version such as 1\.0\.0$/, []],
  ['snakeCase', /^must be snake_case: lower-case letters, digits and "_", starting with a letter$/, []],
  ['eventName', /^event names are UPPER_SNAKE_CASE, or an engine event such as VOTE\.PASSED$/, []],
  ['durationPattern', /^is not an ISO-8601 duration \(e\.g\. P7D, PT72H\)$/, []],
  ['pointerPattern', /^must be a JSON pointer such as \/proposal\/subject$/, []],
  ['ratioPattern', /^must be a fraction of whole numbers such as 2\/3$/, []],
  // XState keys a flow may not use.
  ['nestedStates', /^nested states are not supported: keep states flat$/, []],
  ['typeOnlyFinal', /^only final states take "type": "final"$/, []],
  ['noEntry', /^entry actions are not allowed: flows name behaviour, they do not contain it$/, []],
  ['noExit', /^exit actions are not allowed: flows name behaviour, they do not contain it$/, []],
  ['noActions', /^actions are not allowed: flows name behaviour, they do not contain it$/, []],
  ['noInvoke', /^invoke is not supported$/, []],
  ['noAlways', /^eventless \("always"\) transitions are not supported; use a guard on an event$/, []],
  ['noContext', /^put instance data in the flow's "data" schema, not "context"$/, []],
  // Ajv, as engine/forms.ts words it.
  ['required', /^must have required property '(.*)'$/, ['property']],
  ['unknownKey', /^unknown key "(.*)"$/, ['key']],
  ['type', /^must be (string|number|integer|boolean|object|array|null)$/, ['type']],
  ['fewerChars', /^must NOT have fewer than (\d+) characters$/, ['n']],
  ['moreChars', /^must NOT have more than (\d+) characters$/, ['n']],
  ['fewerItems', /^must NOT have fewer than (\d+) items$/, ['n']],
  ['moreItems', /^must NOT have more than (\d+) items$/, ['n']],
  ['fewerProperties', /^must NOT have fewer than (\d+) properties$/, ['n']],
  ['moreProperties', /^must NOT have more than (\d+) properties$/, ['n']],
  ['oneOfValues', /^must be one of: (.*)$/s, ['values']],
  ['enum', /^must be equal to one of the allowed values: (.*)$/s, ['values']],
  ['const', /^must be equal to constant: (.*)$/s, ['value']],
  ['compare', /^must be (>=|<=|>|<) (\S+)$/, ['op', 'limit']],
  ['format', /^must match format "(.*)"$/, ['format']],
  ['pattern', /^must match pattern "(.*)"$/, ['pattern']],
  ['duplicates', /^must NOT have duplicate items \(items ## (\d+) and (\d+) are identical\)$/, ['a', 'b']],
  ['oneOf', /^must match exactly one schema in oneOf$/, []],
  ['anyOf', /^must match a schema in anyOf$/, []],
];

/** Parts that are themselves words: kinds of state, the kind of step an "on" event needs. */
function partWords(t: T, name: string, value: string): string {
  if (name === 'kind' || name === 'kinds') return value.split('/').map((k) => t(`diagram.kinds.${k}`)).join('/');
  if (name === 'what') return t(`editor.issueWords.what.${value.replace(/ (\w)/g, (_, c: string) => c.toUpperCase())}`);
  return value;
}

/** Which rule knows a message, and its parts; null for a message no rule knows. */
export function issueForm(message: string): { key: string; parts: Record<string, string> } | null {
  for (const [key, form, names] of RULES) {
    const m = form.exec(message);
    if (m) return { key, parts: Object.fromEntries(names.map((name, i) => [name, m[i + 1]!])) };
  }
  return null;
}

/** Every rule's label key (for the test that each is reachable and worded). */
export const ISSUE_KEYS = RULES.map(([key]) => key);

/** A validator message in the reader's language. */
export function issueWords(message: string, t: T): string {
  const form = issueForm(message);
  if (!form) return message;
  return t(`editor.issueWords.${form.key}`, Object.fromEntries(Object.entries(form.parts).map(([name, value]) => [name, partWords(t, name, value)])));
}
