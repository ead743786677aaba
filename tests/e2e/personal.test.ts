// Personal data in a real browser (docs/personal-data.md): the caseworker sees the 低保 file
// masked, presses "show" for one ID number and sees it; a village cadre sees masks and no button;
// the township admin finds that reveal in the audit log (who, which matter, which field).
import { describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../../server/host/seed.ts';
import { browserSuite, shot, signIn } from './browser.ts';

const env = browserSuite();
const ID = 'demo-dongping-dibao';

describe('personal data: masked, shown on request, logged', () => {
  it('the caseworker sees the file masked and shows one ID number', async () => {
    const page = await env.browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(page, env.s.url, 'qs.caseworker', DEMO_PASSWORD);
    await page.goto(`${env.s.url}/instances/${ID}`);
    await page.getByTestId('instance').waitFor();
    // The applicant's ID number: the data's first ID (a locator by place, not by the text that changes).
    const idNumber = page.locator('[data-testid="personal"][data-kind="id"]').first();
    await idNumber.waitFor();
    expect(await idNumber.textContent()).toContain('4103**********4521');
    expect(await page.getByTestId('personal').filter({ hasText: '138****2345' }).count()).toBe(1);
    expect(await page.getByTestId('personal').filter({ hasText: '李*芳' }).count()).toBeGreaterThan(0);
    expect(await page.content()).not.toContain('410323196805124521');
    await shot(page, 'personal-masked');

    await idNumber.getByRole('button', { name: '显示' }).click();
    await idNumber.getByTestId('personal-value').waitFor();
    expect(await idNumber.getByTestId('personal-value').textContent()).toBe('410323196805124521');
    expect(await idNumber.getAttribute('data-shown')).toBe('true');
    await shot(page, 'personal-shown');
    await page.close();
  });

  it('a village cadre sees the same masks and no button', async () => {
    const cadre = await env.browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(cadre, env.s.url, 'dongping.committee', DEMO_PASSWORD);
    await cadre.goto(`${env.s.url}/instances/${ID}`);
    await cadre.getByTestId('personal').filter({ hasText: '4103**********4521' }).first().waitFor();
    expect(await cadre.getByTestId('personal').getByRole('button', { name: '显示' }).count()).toBe(0);
    await cadre.close();
  });

  it('the township admin finds the reveal in the audit log', async () => {
    const admin = await env.browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(admin, env.s.url, 'qs.admin', DEMO_PASSWORD);
    await admin.getByRole('link', { name: '审计日志' }).click();
    const entry = admin.locator('[data-testid="audit-entry"][data-action="personal.reveal"]');
    await entry.waitFor();
    expect(await entry.count()).toBe(1);
    const text = await entry.textContent();
    expect(text).toContain('青山镇社会救助经办人');
    expect(text).toContain('查看个人信息');
    expect(text).toContain('最低生活保障审核确认');
    expect(text).toContain('申请人公民身份号码');
    expect(text).not.toContain('410323196805124521');
    await shot(admin, 'personal-audit-log');
    await admin.close();
  });
});
