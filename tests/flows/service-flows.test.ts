// The four service flows (低保, 代办, 网格, 一事一议) as their users would run them, with the form
// types generated from the flows: privacy of the public notice, working-day deadlines across
// holidays, escalation, reopening, and the villagers' meeting at its thresholds.
import { describe, expect, it } from 'vitest';
import { apply, isCommitment, openSteps, start, type CompiledFlow, type FlowEvent, type InstanceSnapshot } from '../../engine/index.ts';
import type {
  SocialAssistanceApplicationForm,
  SocialAssistanceData,
  SocialAssistanceDenialNoticeForm,
  SocialAssistanceIntakeForm,
  SocialAssistanceInvestigationForm,
  SocialAssistanceTownshipOpinionForm,
} from '../../flows/types/social-assistance.ts';
import type {
  ProxyServiceData,
  ProxyServiceForwardingForm,
  ProxyServiceHandlingForm,
  ProxyServiceMaterialsCheckForm,
  ProxyServiceRatingForm,
  ProxyServiceRegistrationForm,
  ProxyServiceSupervisionForm,
} from '../../flows/types/proxy-service.ts';
import type {
  GridIncidentData,
  GridIncidentDispatchForm,
  GridIncidentHandlingForm,
  GridIncidentOverdueSupervisionForm,
  GridIncidentReportForm,
  GridIncidentTriageForm,
  GridIncidentVerificationForm,
} from '../../flows/types/grid-incident.ts';
import type {
  OneMatterOneDiscussionCanvassForm,
  OneMatterOneDiscussionData,
  OneMatterOneDiscussionPlanForm,
} from '../../flows/types/one-matter-one-discussion.ts';
import { actor, engineError, event, loadCompiled, SYSTEM } from '../helpers.ts';

type Who = { id: string; roles: string[] };

/** China time "2026-09-29 10:00" as an ISO string. */
const cst = (s: string) => `${s.replace(' ', 'T')}:00+08:00`;

/** A person's event as the server sends it: a SUBMIT carries a salt for any personal fields it records. */
const live = (type: string, who: Who, at: string, payload?: object): FlowEvent => ({ ...event(type, who, cst(at), payload as Record<string, unknown>), ...(type === 'SUBMIT' ? { salt: 'c0ffee'.repeat(8) } : {}) });

/** Drives one instance: each call applies one event and returns the driver. */
function instance(flow: CompiledFlow, starter: Who, at: string) {
  let snap = start(flow, event('START', starter, cst(at))).snapshot;
  const d = {
    get snap(): InstanceSnapshot {
      return snap;
    },
    send(type: string, who: Who, at: string, payload?: object) {
      snap = apply(flow, snap, live(type, who, at, payload)).snapshot;
      return d;
    },
    /** What the event would do, without moving the instance. */
    tryEvent(type: string, who: Who, at: string, payload?: object) {
      return apply(flow, snap, live(type, who, at, payload));
    },
    timer(id: string, at?: string) {
      const due = snap.context.timers[id]?.due;
      if (!due) throw new Error(`timer ${id} is not running in ${snap.state}`);
      const ev: FlowEvent = { type: 'TIMER', actor: SYSTEM, at: at ? cst(at) : due, payload: { timer: id } };
      snap = apply(flow, snap, ev).snapshot;
      return d;
    },
  };
  return d;
}

describe('低保 social-assistance', () => {
  const flow = loadCompiled('flows/social-assistance.flow.json');
  const applicant = actor('u-li', 'applicant');
  const caseworker = actor('u-zhao', 'township_caseworker');
  const township = actor('u-chen', 'township_reviewer');
  const county = actor('u-feng', 'county_reviewer');
  const villager = actor('u-sun', 'villager');

  const application: SocialAssistanceApplicationForm = {
    applicant_name: '李桂芳',
    id_number: '410323196805124521',
    phone: '13837912345',
    village: '青山村',
    address: '青山村三组27号',
    members: [
      { name: '李桂芳', relation: 'self', id_number: '410323196805124521', health: 'chronic_illness', monthly_income: 420 },
      { name: '张建国', relation: 'spouse', id_number: '41032319650903451X', health: 'disabled', work: 'none' },
    ],
    reason: '丈夫因工致残，本人患慢性病。',
    household_monthly_income: 420,
    property: '自住房一处，无车辆。',
    consent_to_checks: true,
    submitted_by: 'applicant',
  };
  const intake: SocialAssistanceIntakeForm = {
    received: ['application_letter', 'household_register', 'id_cards', 'check_authorisation', 'income_declaration', 'property_declaration'],
    complete: true,
    missing_materials: [],
    notice_date: '2026-04-08',
    handled_by: '赵敏',
  };
  const investigation = (appraisal_needed: boolean): SocialAssistanceInvestigationForm => ({
    visit_date: '2026-04-14',
    visitors: ['赵敏', '王建军'],
    living_conditions: '住房简陋。',
    neighbours_interviewed: 3,
    neighbour_summary: '邻居反映生活困难。',
    cross_check: { bank_deposits: 'consistent', real_estate: 'consistent', vehicles: 'consistent', business_registration: 'consistent', social_insurance: 'consistent' },
    household_size: 2,
    monthly_income_per_capita: 210,
    findings: '人均收入低于当地低保标准。',
    appraisal_needed,
  });
  const opinion: SocialAssistanceTownshipOpinionForm = {
    eligible: true,
    opinion: '拟整户纳入农村低保。',
    reviewed_on: '2026-04-21',
    household_ref: 'QS-2026-0117',
    notice_name: '李某某',
    household_size: 2,
    category: 'household',
    monthly_amount: 760,
  };

  /** Application to the township's initial opinion, without an appraisal. */
  function toOpinion(day = '2026-04-08') {
    return instance(flow, applicant, `${day} 08:00`)
      .send('SUBMIT', applicant, `${day} 08:30`, application)
      .send('SUBMIT', caseworker, `${day} 09:00`, intake)
      .send('APPROVE', township, `${day} 09:30`, {})
      .send('SUBMIT', caseworker, `${day} 10:00`, investigation(false));
  }

  it('the public notice shows no ID number, phone or full name, and the data holds only commitments to them', () => {
    const run = toOpinion();
    const step = run.tryEvent('SUBMIT', township, '2026-04-21 10:00', opinion);
    expect(step.snapshot.state).toBe('public_notice');
    const data = step.snapshot.context.data as SocialAssistanceData;
    expect(isCommitment(data.application?.id_number)).toBe(true);
    expect(isCommitment(data.application?.phone)).toBe(true);
    expect(data.application?.village).toBe('青山村');
    const snapshot = JSON.stringify(step.snapshot);
    for (const secret of ['410323196805124521', '41032319650903451X', '13837912345', '李桂芳', '张建国', '青山村三组27号']) expect(snapshot).not.toContain(secret);

    const published = step.effects.find((e) => e.type === 'disclosure.publish');
    expect(published).toBeDefined();
    const items = published!.type === 'disclosure.publish' ? published!.items : {};
    expect(items).toEqual({
      '/township_opinion/notice_name': '李某某',
      '/township_opinion/household_ref': 'QS-2026-0117',
      '/township_opinion/household_size': 2,
      '/township_opinion/category': 'household',
      '/township_opinion/monthly_amount': 760,
    });
    const board = JSON.stringify(items);
    for (const secret of ['410323196805124521', '41032319650903451X', '13837912345', '李桂芳', '张建国', '青山村三组27号']) {
      expect(board).not.toContain(secret);
    }
    // No publish pointer reaches into the application or any personal field.
    const publish = flow.flow.states.public_notice!.disclosure!.publish;
    for (const p of publish) expect(p).not.toMatch(/application|id_number|phone|address|members/);
  });

  it('the notice refuses a full name where only the surname may be shown', () => {
    const run = toOpinion();
    const error = engineError(() => run.tryEvent('SUBMIT', township, '2026-04-21 10:00', { ...opinion, notice_name: '李桂芳' }));
    expect(error.code).toBe('FORM_INVALID');
    expect(error.issues.map((i) => i.pointer)).toContain('/notice_name');
    // An eligible opinion without the notice fields is incomplete.
    const { notice_name: _omit, ...withoutName } = opinion;
    expect(engineError(() => run.tryEvent('SUBMIT', township, '2026-04-21 10:00', withoutName)).code).toBe('FORM_INVALID');
  });

  it('an incomplete intake goes back to the applicant with every missing item recorded (一次性告知)', () => {
    const run = instance(flow, applicant, '2026-04-01 08:00').send('SUBMIT', applicant, '2026-04-01 08:30', application);
    const missing: SocialAssistanceIntakeForm['missing_materials'] = ['check_authorisation', 'property_declaration'];
    // Incomplete but naming nothing missing is no one-time notice: refused.
    expect(engineError(() => run.tryEvent('SUBMIT', caseworker, '2026-04-02 09:00', { ...intake, complete: false })).code).toBe('GUARD_REJECTED');
    run.send('SUBMIT', caseworker, '2026-04-02 09:00', { ...intake, complete: false, missing_materials: missing });
    expect(run.snap.state).toBe('application');
    expect((run.snap.context.data as SocialAssistanceData).intake?.missing_materials).toEqual(missing);
    run.send('SUBMIT', applicant, '2026-04-03 09:00', { ...application, supplement_note: '已补交授权书和财产申报。' });
    expect(run.snap.state).toBe('intake');
  });

  it('a democratic appraisal happens only when the investigation asks for it', () => {
    const base = instance(flow, applicant, '2026-04-08 08:00')
      .send('SUBMIT', applicant, '2026-04-08 08:30', application)
      .send('SUBMIT', caseworker, '2026-04-08 09:00', intake)
      .send('APPROVE', township, '2026-04-08 09:30', {});
    expect(base.tryEvent('SUBMIT', caseworker, '2026-04-14 10:00', investigation(true)).snapshot.state).toBe('democratic_appraisal');
    expect(base.tryEvent('SUBMIT', caseworker, '2026-04-14 10:00', investigation(false)).snapshot.state).toBe('township_opinion');
  });

  it('an objection during the notice sends the case back to investigation and ends the notice', () => {
    const run = toOpinion().send('SUBMIT', township, '2026-04-21 10:00', opinion);
    expect(engineError(() => run.tryEvent('OBJECT', applicant, '2026-04-22 10:00', { reason: '异议' })).code).toBe('ROLE_FORBIDDEN');
    const step = run.tryEvent('OBJECT', villager, '2026-04-23 19:00', { reason: '申请人家庭收入未如实申报。' });
    expect(step.snapshot.state).toBe('investigation');
    expect(step.snapshot.context.disclosure).toBeNull();
    expect(step.snapshot.context.objections).toMatchObject([{ state: 'public_notice', by: 'u-sun' }]);
    expect(step.effects.map((e) => e.type)).toContain('disclosure.end');
  });

  it('county confirmation is due 10 working days later, across the Labour Day holiday; overdue is flagged in place', () => {
    // Notice from 21 April; it ends 28 April and the county step begins.
    const run = toOpinion('2026-04-21').send('SUBMIT', township, '2026-04-21 10:00', opinion).timer('public_notice:disclosure');
    expect(run.snap.state).toBe('county_confirmation');
    expect(run.snap.context.enteredAt).toBe(new Date(cst('2026-04-28 10:00')).toISOString());
    // 10 working days: 29, 30 April, (1–5 May off), 6, 7, 8, 9 (make-up Saturday), 11, 12, 13, 14 May.
    const due = run.snap.context.timers['county_confirmation:deadline']!.due;
    expect(due).toBe(new Date(cst('2026-05-14 10:00')).toISOString());
    expect(engineError(() => run.timer('county_confirmation:deadline', '2026-05-13 17:00')).code).toBe('TIMER_INVALID');
    run.timer('county_confirmation:deadline');
    expect(run.snap.state).toBe('county_confirmation');
    expect(openSteps(flow, run.snap)[0]).toMatchObject({ state: 'county_confirmation', overdue: true });
    run.send('APPROVE', county, '2026-05-15 09:00', { opinion: '确认。' });
    expect(run.snap).toMatchObject({ state: 'approved', outcome: 'approved' });
  });

  it('a denial is a written notice with reasons, due in 3 working days', () => {
    const run = toOpinion('2026-05-20').send('SUBMIT', township, '2026-05-20 10:00', { eligible: false, opinion: '人均收入高于标准。', reviewed_on: '2026-05-20' });
    expect(run.snap.state).toBe('denial_notice');
    // Wednesday 20 May + 3 working days = Monday 25 May.
    expect(openSteps(flow, run.snap)[0]!.due).toBe(new Date(cst('2026-05-25 10:00')).toISOString());
    const notice: SocialAssistanceDenialNoticeForm = {
      decided_by: 'township',
      reasons: '家庭人均月收入高于本县农村低保标准。',
      legal_basis: '《社会救助暂行办法》第九条。',
      notice_no: '青乡低告〔2026〕012号',
      delivered_on: '2026-05-22',
      delivery: 'in_person',
    };
    const { reasons: _omit, ...withoutReasons } = notice;
    expect(engineError(() => run.tryEvent('SUBMIT', township, '2026-05-22 09:00', withoutReasons)).code).toBe('FORM_INVALID');
    run.send('SUBMIT', township, '2026-05-22 09:00', notice);
    expect(run.snap).toMatchObject({ state: 'denied', outcome: 'denied' });
    expect((run.snap.context.data as SocialAssistanceData).denial?.reasons).toBe(notice.reasons);
  });
});

describe('代办 proxy-service', () => {
  const flow = loadCompiled('flows/proxy-service.flow.json');
  const agent = actor('u-liu', 'service_staff');
  const otherAgent = actor('u-he', 'service_staff');
  const officer = actor('u-gao', 'department_officer');
  const supervisor = actor('u-xu', 'supervisor');
  const villager = actor('u-ma', 'villager');

  const registration: ProxyServiceRegistrationForm = {
    item_code: '11410323MB1234567X4000117005000',
    item_name: '城乡居民基本养老保险待遇申领',
    villager_name: '马德顺',
    id_number: '410323196603021536',
    phone: '13903791188',
    request: '申请领取城乡居民养老保险待遇。',
    channel: 'walk_in',
    urgent: false,
    owner_staff_id: 'u-liu',
    owner_name: '刘晓燕',
    promised_working_days: 5,
    no_fee_notice: true,
  };
  const complete: ProxyServiceMaterialsCheckForm = { received: ['身份证复印件', '户口簿复印件'], missing: [], complete: true, checked_on: '2026-09-28' };
  const forwarding: ProxyServiceForwardingForm = { forwarded_to: '乡镇便民服务中心社保窗口', forwarded_on: '2026-09-29', method: 'counter', promised_date: '2026-10-12' };
  const done: ProxyServiceHandlingForm = { outcome: 'completed', summary: '已核定待遇。', handled_on: '2026-10-09' };

  const toHandling = () =>
    instance(flow, agent, '2026-09-28 09:00')
      .send('SUBMIT', agent, '2026-09-28 09:10', registration)
      .send('SUBMIT', agent, '2026-09-28 09:30', complete)
      .send('SUBMIT', agent, '2026-09-29 10:00', forwarding);

  it('首问负责: the agent who registers owns the case, and no other agent can carry it on', () => {
    const fresh = instance(flow, otherAgent, '2026-09-28 09:00');
    // Registering someone else as the owner is refused.
    expect(engineError(() => fresh.tryEvent('SUBMIT', otherAgent, '2026-09-28 09:10', registration)).code).toBe('GUARD_REJECTED');
    const run = instance(flow, agent, '2026-09-28 09:00').send('SUBMIT', agent, '2026-09-28 09:10', registration);
    expect((run.snap.context.data as ProxyServiceData).registration?.owner_staff_id).toBe('u-liu');
    expect(engineError(() => run.tryEvent('SUBMIT', otherAgent, '2026-09-28 09:30', complete)).code).toBe('GUARD_REJECTED');
    expect(run.tryEvent('SUBMIT', agent, '2026-09-28 09:30', complete).snapshot.state).toBe('forwarding');
  });

  it('the promised 5 working days run across National Day 2026, then the case escalates to supervision (督办)', () => {
    const run = toHandling();
    expect(run.snap.state).toBe('handling');
    // 29 Sep + 5 working days: 30 Sep, (1–7 Oct off), 8, 9, 10 (make-up Saturday), 12 Oct. Natural days would say 4 Oct.
    expect(openSteps(flow, run.snap)[0]!.due).toBe(new Date(cst('2026-10-12 10:00')).toISOString());
    expect(engineError(() => run.timer('handling:deadline', '2026-10-11 10:00')).code).toBe('TIMER_INVALID');
    run.timer('handling:deadline');
    expect(run.snap.state).toBe('supervision');
    expect(run.snap.context.overdue.handling).toBe(new Date(cst('2026-10-12 10:00')).toISOString());
    const order: ProxyServiceSupervisionForm = { level: 'notice', instruction: '限10月14日前办结并说明超期原因。', responsible: '高磊', new_due_date: '2026-10-14' };
    run.send('SUBMIT', supervisor, '2026-10-12 14:00', order);
    expect(run.snap.state).toBe('handling');
    expect((run.snap.context.data as ProxyServiceData).supervision).toEqual(order);
    // Back in handling the promised period starts again from the supervisor's order.
    expect(run.snap.context.timers['handling:deadline']!.due).toBe(new Date(cst('2026-10-19 14:00')).toISOString());
    expect(run.snap.context.overdue.handling).toBeUndefined();
  });

  it('the villager rates the service 1–5 with a comment; a poor rating is followed up', () => {
    const run = toHandling()
      .send('SUBMIT', officer, '2026-10-09 10:00', done)
      .send('SUBMIT', agent, '2026-10-10 09:00', { delivered_on: '2026-10-10', method: 'in_person', documents: ['待遇核定通知书'], villager_confirmed: true })
      .send('SUBMIT', agent, '2026-10-12 10:00', { called_on: '2026-10-12', reached: true, feedback: '已到账。' });
    expect(run.snap.state).toBe('rating');
    for (const score of [0, 6, 3.5]) {
      expect(engineError(() => run.tryEvent('SUBMIT', villager, '2026-10-12 20:00', { score })).code).toBe('FORM_INVALID');
    }
    expect(engineError(() => run.tryEvent('SUBMIT', agent, '2026-10-12 20:00', { score: 5 })).code).toBe('ROLE_FORBIDDEN');
    const good: ProxyServiceRatingForm = { score: 4, comment: '办得快。' };
    const rated = run.tryEvent('SUBMIT', villager, '2026-10-12 20:00', good);
    expect(rated.snapshot).toMatchObject({ state: 'closed', outcome: 'closed' });
    expect((rated.snapshot.context.data as ProxyServiceData).rating).toEqual(good);
    expect(run.tryEvent('SUBMIT', villager, '2026-10-12 20:00', { score: 2, comment: '跑了三趟。' }).snapshot.state).toBe('rectification');
  });

  it('materials not supplied within 30 days of the one-time notice lapse', () => {
    const run = instance(flow, agent, '2026-06-01 09:00')
      .send('SUBMIT', agent, '2026-06-01 09:10', registration)
      .send('SUBMIT', agent, '2026-06-01 09:30', { received: [], missing: ['社保卡复印件'], complete: false, notice_method: 'written', checked_on: '2026-06-01' });
    expect(run.snap.state).toBe('materials_pending');
    run.timer('materials_pending:after:P30D');
    expect(run.snap).toMatchObject({ state: 'lapsed', outcome: 'cancelled' });
  });
});

describe('网格 grid-incident', () => {
  const flow = loadCompiled('flows/grid-incident.flow.json');
  const villager = actor('u-zhou', 'villager');
  const gridWorker = actor('u-he', 'grid_worker');
  const leader = actor('u-wu', 'grid_leader');
  const office = actor('u-tang', 'grid_office');
  const handler = actor('u-qian', 'handler');

  const report: GridIncidentReportForm = {
    grid_id: 'QS-03',
    category: 'infrastructure',
    description: '排水沟堵塞，路面积水。',
    location: '青山村三组村道',
    gps: { lat: 34.6137, lng: 112.4539 },
    occurred_at: '2026-04-08T07:30:00+08:00',
    reporter_type: 'villager',
    reporter_name: '周大成',
  };
  const triage = (decision: GridIncidentTriageForm['decision']): GridIncidentTriageForm => ({ decision, severity: 'general', reason: '研判意见。' });
  const dispatch = (level: GridIncidentDispatchForm['level']): GridIncidentDispatchForm => ({ level, assignee_unit: '处置单位', assignee: '钱卫东', instruction: '限期处置。' });
  const handled: GridIncidentHandlingForm = { actions: '清理淤泥。', completed_at: '2026-04-09T17:00:00+08:00' };
  const verification = (result: GridIncidentVerificationForm['result']): GridIncidentVerificationForm => ({ verified_at: '2026-04-10T08:30:00+08:00', result, notes: '现场核查。' });

  const reported = () => instance(flow, villager, '2026-04-08 08:00').send('SUBMIT', villager, '2026-04-08 08:05', report);

  it('triage decides the path: on the spot, a level of dispatch, or no case at all', () => {
    const run = reported();
    expect(run.tryEvent('SUBMIT', leader, '2026-04-08 09:00', triage('on_spot')).snapshot.state).toBe('on_spot_resolution');
    for (const level of ['village', 'township', 'department'] as const) {
      expect(run.tryEvent('SUBMIT', leader, '2026-04-08 09:00', triage(level)).snapshot.state).toBe('dispatch');
    }
    expect(run.tryEvent('SUBMIT', leader, '2026-04-08 09:00', triage('invalid')).snapshot).toMatchObject({ state: 'voided', outcome: 'cancelled' });
  });

  it('the village station dispatches village items; township and department items need the township centre', () => {
    const run = reported().send('SUBMIT', leader, '2026-04-08 09:00', triage('township'));
    expect(engineError(() => run.tryEvent('SUBMIT', leader, '2026-04-08 09:10', dispatch('township'))).code).toBe('GUARD_REJECTED');
    expect(run.tryEvent('SUBMIT', office, '2026-04-08 09:10', dispatch('township')).snapshot.state).toBe('handling');
    expect(run.tryEvent('SUBMIT', leader, '2026-04-08 09:10', dispatch('village')).snapshot.state).toBe('handling');
  });

  it('a failed verification reopens handling with a fresh time limit', () => {
    const run = reported()
      .send('SUBMIT', leader, '2026-04-08 09:00', triage('village'))
      .send('SUBMIT', leader, '2026-04-08 09:10', dispatch('village'))
      .send('SUBMIT', handler, '2026-04-09 17:00', handled)
      .send('SUBMIT', leader, '2026-04-09 18:00', { method: 'phone', content: '已清淤。', reporter_reached: true });
    expect(run.snap.state).toBe('verification');
    expect(engineError(() => run.tryEvent('SUBMIT', handler, '2026-04-10 08:30', verification('passed'))).code).toBe('ROLE_FORBIDDEN');
    run.send('SUBMIT', gridWorker, '2026-04-10 08:30', verification('failed'));
    expect(run.snap.state).toBe('handling');
    expect((run.snap.context.data as GridIncidentData).verification?.result).toBe('failed');
    expect(run.snap.context.timers['handling:deadline']!.due).toBe(new Date(cst('2026-04-13 08:30')).toISOString());
    run
      .send('SUBMIT', handler, '2026-04-10 16:00', { ...handled, actions: '疏通涵管。' })
      .send('SUBMIT', leader, '2026-04-10 17:00', { method: 'phone', content: '已疏通。', reporter_reached: true })
      .send('SUBMIT', gridWorker, '2026-04-11 09:00', verification('passed'))
      .send('APPROVE', office, '2026-04-11 10:00', {})
      .send('SUBMIT', office, '2026-04-12 10:00', { reporter_satisfaction: 'satisfied', timeliness: 'on_time', quality: 4 });
    expect(run.snap).toMatchObject({ state: 'closed', outcome: 'closed' });
  });

  it('handling not finished in 3 days escalates to supervision, which may raise the level', () => {
    const run = reported()
      .send('SUBMIT', office, '2026-04-08 09:00', triage('township'))
      .send('SUBMIT', office, '2026-04-08 09:10', dispatch('township'));
    expect(engineError(() => run.timer('handling:deadline', '2026-04-11 09:00')).code).toBe('TIMER_INVALID');
    run.timer('handling:deadline');
    expect(run.snap.state).toBe('overdue_supervision');
    const order: GridIncidentOverdueSupervisionForm = { measure: 'interview', explanation: '未按时处置。', instruction: '约谈并提级派遣。', next: 'redispatch' };
    run.send('SUBMIT', office, '2026-04-11 10:00', order);
    expect(run.snap.state).toBe('dispatch');
    run.send('SUBMIT', office, '2026-04-11 10:30', dispatch('department'));
    expect(run.snap.state).toBe('handling');
  });
});

describe('一事一议 one-matter-one-discussion', () => {
  const flow = loadCompiled('flows/one-matter-one-discussion.flow.json');
  const director = actor('u-yang', 'committee_member');
  const rep = actor('u-guo', 'villager_representative');
  const clerk = actor('u-sun', 'clerk');
  const township = actor('u-chen', 'township_reviewer');

  const plan: OneMatterOneDiscussionPlanForm = {
    proposer: 'villagers_committee',
    party_study_date: '2026-03-03',
    project_name: '生产路硬化',
    project_type: 'village_road',
    content: '硬化生产路1.1公里。',
    beneficiaries: '三组至五组186户。',
    total_budget: 286000,
    persons_liable: 612,
    funding_per_capita: 15,
    funding_cap: 15,
    labour_days_per_worker: 5,
    labour_cap: 10,
    exemptions: '五保户、低保户免缴。',
  };
  const canvass = (consulted: number, agreeing: number): OneMatterOneDiscussionCanvassForm => ({
    from: '2026-03-05',
    to: '2026-03-10',
    households_total: 412,
    households_consulted: consulted,
    households_agreeing: agreeing,
    households_opposing: consulted - agreeing,
    opinions: '意见汇总。',
  });
  const meeting = (present: number, yes: number) => ({ members: 1268, eligible: 1268, present, for: yes, against: present - yes, abstain: 0, recused: 0 });

  it('the plan may not ask more than the provincial caps', () => {
    const run = instance(flow, director, '2026-03-04 09:00');
    expect(engineError(() => run.tryEvent('SUBMIT', director, '2026-03-04 10:00', { ...plan, funding_per_capita: 20 })).code).toBe('GUARD_REJECTED');
    expect(engineError(() => run.tryEvent('SUBMIT', director, '2026-03-04 10:00', { ...plan, labour_days_per_worker: 12 })).code).toBe('GUARD_REJECTED');
    expect(run.tryEvent('SUBMIT', director, '2026-03-04 10:00', plan).snapshot.state).toBe('canvass');
  });

  it('the canvass needs more than half of the households consulted in favour; its counts must add up', () => {
    const run = instance(flow, director, '2026-03-04 09:00').send('SUBMIT', director, '2026-03-04 10:00', plan);
    expect(run.tryEvent('SUBMIT', rep, '2026-03-11 17:00', canvass(400, 201)).snapshot.state).toBe('villagers_meeting');
    expect(run.tryEvent('SUBMIT', rep, '2026-03-11 17:00', canvass(400, 200)).snapshot.state).toBe('plan');
    expect(engineError(() => run.tryEvent('SUBMIT', rep, '2026-03-11 17:00', canvass(413, 300))).code).toBe('GUARD_REJECTED');
  });

  it('the villagers’ meeting: more than half of adult villagers present, more than half of those present in favour', () => {
    const run = instance(flow, director, '2026-03-04 09:00')
      .send('SUBMIT', director, '2026-03-04 10:00', plan)
      .send('SUBMIT', rep, '2026-03-11 17:00', canvass(400, 320));
    const record = (present: number, yes: number) => run.tryEvent('RECORD_VOTE', clerk, '2026-03-22 11:00', meeting(present, yes)).snapshot;
    // Quorum: 634 of 1268 is exactly half, not more than half.
    expect(record(634, 600)).toMatchObject({ state: 'villagers_meeting' });
    expect(record(634, 600).context.votes.villagers_meeting).toMatchObject({ outcome: 'no_quorum', quorum: { count: 634, base: 1268, met: false } });
    // 635 present: 318 in favour is more than half, 317 is not.
    const passed = record(635, 318);
    expect(passed.state).toBe('township_review');
    expect((passed.context.data as OneMatterOneDiscussionData).votes?.villagers_meeting).toMatchObject({
      outcome: 'passed',
      pass: { of: 'present', op: '>', ratio: '1/2', count: 318, base: 635, met: true },
    });
    expect(record(635, 317)).toMatchObject({ state: 'plan' });
  });

  it('the county has 7 working days to reply, counted across National Day', () => {
    const run = instance(flow, director, '2026-09-21 09:00')
      .send('SUBMIT', director, '2026-09-21 10:00', plan)
      .send('SUBMIT', rep, '2026-09-24 17:00', canvass(400, 320))
      .send('RECORD_VOTE', clerk, '2026-09-27 11:00', meeting(700, 600))
      .send('APPROVE', township, '2026-09-28 10:00', {});
    expect(run.snap.state).toBe('county_review');
    // 28 Sep + 7 working days: 29, 30 Sep, (1–7 Oct off), 8, 9, 10 (make-up Saturday), 12, 13 Oct.
    expect(openSteps(flow, run.snap)[0]!.due).toBe(new Date(cst('2026-10-13 10:00')).toISOString());
  });
});
