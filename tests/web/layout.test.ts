// The flow diagram's graph and layout: every state a node, every transition with a target an
// edge (string, object and array forms, timers), and ELK's layout places every node, without
// overlaps, the same way every time.
import { describe, expect, it } from 'vitest';
import { flowGraph, type DiagramFlow } from '../../designer/diagram/graph.ts';
import { layoutGraph, type Box } from '../../designer/diagram/layout.ts';
import { initialViewport } from '../../designer/diagram/viewport.ts';
import { durationWords, edgeWords, eventWords, labelSize, lineCount, nodeSizer, textWidth } from '../../designer/diagram/words.ts';
import { lookup } from '../../designer/i18n/index.tsx';
import type { Flow, TransitionConfig } from '../../engine/types.ts';
import { chainFlow } from '../../bench/web-flow.ts';
import { readFlowJson } from '../helpers.ts';

const five = readFlowJson('flows/five-deliberations-two-disclosures.flow.json') as unknown as Flow;
const four = readFlowJson('flows/four-deliberations-two-disclosures.flow.json') as unknown as Flow;
const proxy = readFlowJson('flows/proxy-service.flow.json') as unknown as Flow;

/** `t` over the real catalogue, as useI18n builds it. */
function tFor(lang: 'zh' | 'en') {
  return (key: string, vars?: Record<string, string | number>) => {
    const found = lookup(lang, key) ?? lookup('zh', key);
    const template = typeof found === 'string' ? found : key;
    return vars ? template.replace(/\{(\w+)\}/g, (_, k: string) => String(vars[k] ?? `{${k}}`)) : template;
  };
}
const textFor = (lang: 'zh' | 'en') => (x: { zh: string; en?: string } | undefined) => (x ? (lang === 'en' && x.en ? x.en : x.zh) : '');

function overlaps(a: Box, b: Box): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

describe('flowGraph', () => {
  it('has one node per state of the five-deliberations flow, with its kind and title', () => {
    const g = flowGraph(five);
    expect(g.nodes.map((n) => n.id)).toEqual(Object.keys(five.states));
    expect(g.nodes).toHaveLength(14);
    for (const n of g.nodes) {
      expect(n.kind).toBe(five.states[n.id]!.kind);
      expect(n.title).toEqual(five.states[n.id]!.title);
    }
    expect(g.nodes.filter((n) => n.initial).map((n) => n.id)).toEqual([five.initial]);
    expect(g.nodes.find((n) => n.id === 'adopted')?.outcome).toBe('adopted');
  });

  it('has an edge for every target of `on`, in all three forms', () => {
    const g = flowGraph(five);
    let expected = 0;
    for (const [source, s] of Object.entries(five.states)) {
      for (const [event, config] of Object.entries(s.on ?? {})) {
        const list: TransitionConfig[] = Array.isArray(config) ? config : [config];
        for (const t of list) {
          const target = typeof t === 'string' ? t : t.target;
          if (!target) continue;
          expected += 1;
          expect(g.edges.some((e) => e.source === source && e.target === target && e.event === event), `${source} ${event} → ${target}`).toBe(true);
        }
      }
    }
    expect(g.edges).toHaveLength(expected);
    expect(new Set(g.edges.map((e) => e.id)).size).toBe(g.edges.length);
    // The object and array forms keep their guard, roles and description.
    const objection = g.edges.find((e) => e.source === 'resolution_disclosure' && e.event === 'OBJECT')!;
    expect(objection.roles).toEqual(['villager', 'villager_representative', 'supervisory_member']);
    const republish = g.edges.find((e) => e.source === 'resolution_objection' && e.target === 'resolution_disclosure')!;
    expect(republish.guard).toBe('payload.decision == "republish"');
    expect(republish.description?.zh).toBe('答复后重新公开');
    // Self-loops (a vote without quorum is held again) are edges too.
    expect(g.edges.some((e) => e.source === 'two_committees' && e.target === 'two_committees' && e.event === 'VOTE.NO_QUORUM')).toBe(true);
  });

  it('draws timers, and leaves out transitions without a target or to an unknown state', () => {
    const flow: DiagramFlow = {
      initial: 'a',
      states: {
        a: { kind: 'task', title: { zh: '甲' }, on: { SUBMIT: 'b', NOTE: { roles: ['x'] }, ODD: 'nowhere' }, after: { P3D: { target: 'c', calendar: 'working' }, PT12H: 'b' } },
        b: { kind: 'disclosure', title: { zh: '乙' }, on: { OBJECT: [{ roles: ['villager'] }, { target: 'a', guard: 'true' }] } },
        c: { kind: 'final', title: { zh: '丙' }, outcome: 'closed' },
      },
    };
    const g = flowGraph(flow);
    expect(g.edges.map((e) => [e.id, e.source, e.target, e.event])).toEqual([
      ['a#SUBMIT#0', 'a', 'b', 'SUBMIT'],
      ['a:after:P3D', 'a', 'c', 'after'],
      ['a:after:PT12H', 'a', 'b', 'after'],
      ['b#OBJECT#1', 'b', 'a', 'OBJECT'],
    ]);
    expect(g.edges[1]!.after).toEqual({ duration: 'P3D', calendar: 'working' });
    expect(g.edges[3]!.guard).toBe('true');
  });
});

describe('edge words', () => {
  const zh = tFor('zh');
  const en = tFor('en');
  it('names the events in words, in Chinese and English', () => {
    const expectZh: Record<string, string> = {
      'VOTE.PASSED': '通过',
      'VOTE.FAILED': '未通过',
      'VOTE.NO_QUORUM': '未达法定人数',
      'DISCLOSURE.ENDED': '公示期满',
      APPROVE: '同意',
      RETURN: '退回',
      REJECT: '不同意',
      OBJECT: '异议',
      SUBMIT: '提交',
      WITHDRAW: '撤回',
      'DEADLINE.EXCEEDED': '超期',
    };
    for (const [event, words] of Object.entries(expectZh)) {
      expect(eventWords(zh, event)).toBe(words);
      expect(eventWords(en, event)).not.toBe(event);
    }
    expect(eventWords(en, 'VOTE.NO_QUORUM')).toBe('no quorum');
    expect(eventWords(zh, 'ESCALATE')).toBe('ESCALATE');
  });
  it('says durations in words', () => {
    expect(durationWords(zh, 'P7D')).toBe('7天');
    expect(durationWords(zh, 'P5D', 'working')).toBe('5个工作日');
    expect(durationWords(en, 'P1D')).toBe('1 day');
    expect(durationWords(en, 'PT72H')).toBe('72 hours');
    expect(durationWords(en, 'P1DT2H')).toBe('1 day 2 hours');
    expect(durationWords(en, 'nonsense')).toBe('nonsense');
    const timer = flowGraph({ states: { a: { kind: 'task', title: { zh: 'a' }, after: { P3D: 'b' } }, b: { kind: 'final', title: { zh: 'b' } } } }).edges[0]!;
    expect(edgeWords(zh, textFor('zh'), (r) => r, timer).event).toBe('3天后');
    expect(edgeWords(en, textFor('en'), (r) => r, timer).event).toBe('after 3 days');
  });
  it('adds the description of a guarded transition as a second line', () => {
    const g = flowGraph(five);
    const revise = g.edges.find((e) => e.source === 'resolution_objection' && e.target === 'plan_revision')!;
    const w = edgeWords(zh, textFor('zh'), (r) => r, revise);
    expect(w).toMatchObject({ event: '提交', detail: '异议成立，退回两委修改方案' });
    const approve = g.edges.find((e) => e.source === 'township_review' && e.event === 'APPROVE')!;
    expect(edgeWords(zh, textFor('zh'), (r) => r, approve).detail).toBeUndefined();
  });
  it('says a condition without a description in words to readers, and as CEL only to the designer', () => {
    const guarded = flowGraph(proxy).edges.find((e) => e.guard && !e.description)!;
    expect(edgeWords(zh, textFor('zh'), (r) => r, guarded)).toMatchObject({ detail: '满足流程规定的条件时' });
    expect(edgeWords(zh, textFor('zh'), (r) => r, guarded).full).not.toContain(guarded.guard!);
    expect(edgeWords(zh, textFor('zh'), (r) => r, guarded, { cel: true }).detail).toBe(`条件：${guarded.guard}`);
  });
  it('estimates text sizes generously and wraps long titles', () => {
    expect(textWidth('乡镇审核', 16)).toBeGreaterThanOrEqual(64);
    expect(textWidth('Township review', 16)).toBeGreaterThan(15 * 16 * 0.5);
    expect(lineCount('乡镇审核', 16, 200)).toBe(1);
    expect(lineCount("Villagers' representative meeting resolution", 16, 180)).toBeGreaterThanOrEqual(3);
    expect(labelSize({ event: '通过', full: '通过' }).width).toBeLessThan(labelSize({ event: '未达法定人数', full: '' }).width);
  });
});

describe('layoutGraph', () => {
  for (const [name, flow] of [
    ['five deliberations', five],
    ['four deliberations', four],
    // Past the large-graph threshold: Brandes-Köpf node placement (bench/web.bench.ts times it).
    ['a generated 100-state flow', chainFlow(100)],
  ] as const) {
    for (const lang of ['zh', 'en'] as const) {
      it(`places every node of ${name} (${lang}) without overlaps, labels clear of nodes`, async () => {
        const g = flowGraph(flow);
        const t = tFor(lang);
        const text = textFor(lang);
        const nodeSize = nodeSizer(g.nodes, (n) => text(n.title));
        const l = await layoutGraph(g, { nodeSize, labelSize: (e) => labelSize(edgeWords(t, text, (r) => r, e)) });
        expect(Object.keys(l.nodes).sort()).toEqual(g.nodes.map((n) => n.id).sort());
        const boxes = Object.values(l.nodes);
        for (const b of boxes) {
          for (const v of [b.x, b.y, b.width, b.height]) expect(Number.isFinite(v)).toBe(true);
          expect(b.x).toBeGreaterThanOrEqual(0);
          expect(b.y).toBeGreaterThanOrEqual(0);
          expect(b.x + b.width).toBeLessThanOrEqual(l.width);
          expect(b.y + b.height).toBeLessThanOrEqual(l.height);
        }
        for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) expect(overlaps(boxes[i]!, boxes[j]!)).toBe(false);
        const labels = Object.values(l.edges).flatMap((e) => (e.label ? [e.label] : []));
        expect(labels).toHaveLength(g.edges.length);
        for (const a of labels) for (const b of boxes) expect(overlaps(a, b)).toBe(false);
        for (let i = 0; i < labels.length; i++) for (let j = i + 1; j < labels.length; j++) expect(overlaps(labels[i]!, labels[j]!)).toBe(false);
        for (const e of g.edges) expect(l.edges[e.id]?.points.length).toBeGreaterThanOrEqual(2);
      });
    }
  }

  it('is deterministic, and lays out downwards too', async () => {
    const g = flowGraph(five);
    const a = await layoutGraph(g);
    const b = await layoutGraph(flowGraph(five));
    expect(b).toEqual(a);
    // Layers run left to right: the flow starts left of where it ends.
    expect(a.nodes.proposal!.x).toBeLessThan(a.nodes.adopted!.x);
    const down = await layoutGraph(g, { direction: 'DOWN' });
    expect(down.nodes.proposal!.y).toBeLessThan(down.nodes.adopted!.y);
  });
});

describe('initialViewport', () => {
  it('fits a small flow whole, and centres a long one on the focus at a readable zoom', () => {
    const small = initialViewport({ width: 400, height: 200 }, { width: 1000, height: 420 }, undefined);
    expect(small.zoom).toBeGreaterThanOrEqual(0.9);
    expect(small.x).toBeCloseTo((1000 - 400 * small.zoom) / 2);
    const focus = { x: 1400, y: 100, width: 160, height: 60 };
    const long = initialViewport({ width: 3000, height: 400 }, { width: 1000, height: 420 }, focus);
    expect(long.zoom).toBe(0.9);
    // The focus's centre is in the middle of the view.
    expect(long.x + (focus.x + focus.width / 2) * long.zoom).toBeCloseTo(500);
  });
});
