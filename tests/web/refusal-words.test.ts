// A refusal in the reader's words (designer/app/refusals.ts), from the issues the engine and the
// server really give: each names its field by label (a form's title, a CSV's row and column) and
// reads in Chinese without the server's English or a JSON pointer, and in English from the same table.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileFlow, countProblems, EngineError, rosterProblems, start, type Flow } from '../../engine/index.ts';
import { formLabels, issueWords, refusalWords } from '../../designer/app/refusals.ts';
import { catalogueLabel } from '../../designer/catalogue/ItemEditor.tsx';
import { lookup, translate } from '../../designer/i18n/index.tsx';
import type { ApiErrorInfo } from '../../designer/app/trpc.ts';
import { fromCsv } from '../../server/matters/catalogue.ts';
import { ENGINE_ERROR_CODES, InvalidInputError } from '../../server/errors.ts';
import { readFlowJson } from '../helpers.ts';

const four = readFlowJson('flows/four-deliberations-two-disclosures.flow.json') as unknown as Flow;

/** The refusal as the web app receives it (server/errors.ts detailsOf), from the error thrown. */
function received(error: unknown, code = 'BAD_REQUEST'): ApiErrorInfo {
  if (error instanceof EngineError) return { code, message: error.message, engineCode: error.code, issues: error.issues };
  if (error instanceof InvalidInputError) return { code, message: error.message, issues: error.issues };
  throw error;
}
function refused(act: () => unknown): unknown {
  try {
    act();
  } catch (error) {
    return error;
  }
  throw new Error('not refused');
}
const noEnglish = (text: string) => expect(text).not.toMatch(/must|exceeds|required|\/\w/);

describe('refusals in words', () => {
  it('a form the engine refuses names the field by its title', () => {
    const compiled = compileFlow(four);
    const error = refused(() => start(compiled, { type: 'START', actor: { id: 'u', roles: ['party_secretary'] }, at: '2026-03-02T09:00:00+08:00', payload: { data: { proposal: { budget: -1 } } } }));
    const info = received(error);
    const zh = refusalWords('zh', info, formLabels(four.data, 'zh'));
    noEnglish(zh);
    expect(zh).toMatch(/^「.+」：/);
    expect(refusalWords('en', info, formLabels(four.data, 'en'))).not.toContain('/');
  });

  it('a meeting whose counts contradict each other reads as its numbers', () => {
    const [problem] = countProblems({ members: 9, eligible: 10, present: 8, for: 5, against: 1, abstain: 0, recused: 0 });
    expect(issueWords('zh', problem!)).toBe('有表决权人数（10）加回避人数（0）超过了组成人员（9）');
    expect(issueWords('en', problem!)).toBe('Entitled to vote (10) plus recused (0) is more than the members (9)');
  });

  it('a meeting that disagrees with its roster names the body in the reader\'s language', () => {
    const body = { zh: '村民代表会议', en: "Villager representatives' meeting" };
    const [members, eligible] = rosterProblems({ members: 25, eligible: 30, recused: 1 }, { hash: 'h', members: 33, voting: 33 }, body, '2026-03-02');
    expect(issueWords('zh', members!)).toBe('村民代表会议在 2026-03-02 的名册有 33 人，记录却写 25 人');
    expect(issueWords('en', members!)).toBe("The roster of Villager representatives' meeting on 2026-03-02 has 33 members; the record says 25");
    expect(issueWords('en', eligible!)).toContain("The roster of Villager representatives' meeting on 2026-03-02 has 33 voting members and 1 recused, so 32 entitled to vote");
    // A body without an English name reads by its Chinese one.
    const [unnamed] = rosterProblems({ members: 25, eligible: 25, recused: 0 }, { hash: 'h', members: 33, voting: 33 }, { zh: '村民代表会议', en: '' }, '2026-03-02');
    expect(issueWords('en', unnamed!)).toContain('The roster of 村民代表会议 on');
  });

  it('every issue code and refusal code the code gives has words in Chinese and English', () => {
    const sources = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? (e.name === 'i18n' ? [] : sources(`${dir}/${e.name}`)) : /\.tsx?$/.test(e.name) ? [`${dir}/${e.name}`] : []));
    const text = ['engine', 'server', 'designer'].flatMap(sources).map((f) => readFileSync(f, 'utf8')).join('\n');
    const issueCodes = new Set([...text.matchAll(/code: '([a-z][A-Za-z]+)'/g)].map((m) => m[1]!));
    const refusalCodes = new Set([...text.matchAll(/new ServerRefusal\(\s*'([A-Z_]+)'/g)].map((m) => m[1]!));
    expect(issueCodes.size).toBeGreaterThan(30);
    expect(refusalCodes.size).toBeGreaterThan(5);
    for (const lang of ['zh', 'en'] as const) {
      expect([...issueCodes].filter((c) => typeof lookup(lang, `common.issues.${c}`) !== 'string'), `${lang} common.issues`).toEqual([]);
      expect([...refusalCodes].filter((c) => typeof lookup(lang, `common.refusals.${c}`) !== 'string'), `${lang} common.refusals`).toEqual([]);
    }
    // Words for the taken user name in both languages, and a figure a message names (the mobile).
    const issue = { pointer: '/username', message: 'is taken', code: 'usernameTaken', params: { username: 'donghu.clerk' } };
    expect(issueWords('zh', issue)).toBe('这个用户名已被使用，请换一个');
    expect(issueWords('en', issue)).toBe('This user name is taken; choose another');
    const mobile = { pointer: '/mobile', message: "is another user's", code: 'mobileTaken', params: { mobile: '13800138000' } };
    expect(issueWords('zh', mobile)).toBe('手机号 13800138000 已是其他人员的');
  });

  it('a catalogue CSV row the server refuses names the row and column as the spreadsheet counts them', () => {
    const csv = '事项编码,事项名称,办理方式,承诺时限（工作日）,法定时限（工作日）,办理流程\nQS-1,好的,代办,5,20,proxy-service\nQS-2,坏的,代办,30,20,proxy-service\nQS-2,重复,代办,5,20,proxy-service\n';
    const info = received(refused(() => fromCsv(csv)));
    const t = (key: string, vars?: Record<string, string | number>) => translate('zh', key, vars);
    const zh = refusalWords('zh', info, catalogueLabel(t));
    expect(zh).toBe('「第 3 行 承诺时限（工作日）」：承诺时限不能超过法定时限（20 个工作日）（另有 1 处）');
    noEnglish(zh);
    const en = (key: string, vars?: Record<string, string | number>) => translate('en', key, vars);
    expect(refusalWords('en', info, catalogueLabel(en))).toBe('row 3, Promised limit (working days): The promised limit cannot exceed the statutory one (20 working days) (and 1 more)');
  });

  it('a refusal without issues reads by its reason, else its kind, and never in the server\'s English in Chinese', () => {
    for (const engineCode of ENGINE_ERROR_CODES) {
      const text = refusalWords('zh', { code: 'PRECONDITION_FAILED', message: 'all guards false: actor.id == data.x', engineCode, issues: [] });
      expect(text).not.toContain('guard');
      expect(text).toMatch(/[\u4e00-\u9fff]/);
    }
    expect(refusalWords('zh', { code: 'BAD_REQUEST', message: 'something new', issues: [] })).toBe('提交的内容有误，请检查后再试。');
    expect(refusalWords('zh', { code: 'WHATEVER', message: 'something new', issues: [] })).toBe('出错了，请稍后再试。');
    expect(refusalWords('en', { code: 'WHATEVER', message: 'something new', issues: [] })).toBe('something new');
  });
});
