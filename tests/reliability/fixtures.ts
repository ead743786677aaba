// Shared inputs of the reliability tests: the mini flow, payloads from the 五议两公开 golden run,
// and strings that try SQL, script and template injection.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mini from '../fixtures/mini.flow.json' with { type: 'json' };

export const ROOT = join(import.meta.dirname, '..', '..');
export const FIVE = 'five-deliberations-two-disclosures';
export const MINI = mini;
/** The mini flow's roles no township has built in, as its publisher adds them (labels of their own: a catalogue's labels are unique). */
export const MINI_ADD_ROLES = [
  { key: 'rep', label: { zh: '试用代表', en: 'Trial representative' }, scope: 'village' as const, ownMatters: false },
  { key: 'reviewer', label: { zh: '试用审核人', en: 'Trial reviewer' }, scope: 'township' as const, ownMatters: false },
];
const GOLDEN = JSON.parse(readFileSync(join(ROOT, 'flows', 'runs', `${FIVE}.happy-path.run.json`), 'utf8')) as {
  events: { type: string; payload: Record<string, unknown> }[];
};
export const PROPOSAL = GOLDEN.events[1]!.payload;
export const TWO_COMMITTEES_MEETING = GOLDEN.events[2]!.payload;
export const APPROVAL = GOLDEN.events[13]!.payload;
const PROXY = JSON.parse(readFileSync(join(ROOT, 'flows', 'runs', 'proxy-service.happy-path-rating.run.json'), 'utf8')) as typeof GOLDEN;
/** The 代办 registration form, whose schema is closed (additionalProperties: false). */
export const PROXY_REGISTRATION = { ...PROXY.events[1]!.payload, owner_staff_id: 'nanwan-agent' };

/** No leading or trailing blanks: titles and catalogue fields are trimmed on purpose. */
export const INJECTIONS = [
  '<script>alert("xss")</script>',
  '"><img src=x onerror=alert(1)>',
  "<svg/onload=alert('x')>",
  'javascript:alert(document.cookie)',
  "'; DROP TABLE history; --",
  "Robert'); DELETE FROM instances WHERE ('1'='1",
  '" OR ""="',
  '{{constructor.constructor("alert(1)")()}}',
  '${process.exit(1)}',
  '%s%n%x %00 \\u0000',
  'a\u0000b NUL inside',
  '\u202Egnp.exe 右向左覆盖 🏠 &amp; &lt;b&gt;',
];
