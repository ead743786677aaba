// An edge in words (the event as people say it: 通过, 退回, 公示期满, "7天后"), and the sizes the
// layout reserves for node titles and edge labels. Sizes are estimated from the text (CJK glyphs
// are one em wide, Latin about 0.6 em) rather than measured, so the layout is the same in a test
// as in the browser; the estimate errs on the wide side, and the CSS draws boxes of exactly the
// sizes given here.
import type { GraphEdge, GraphNode } from './graph.ts';
import type { Size } from './layout.ts';

type T = (key: string, vars?: Record<string, string | number>) => string;

/** `t` that says whether the catalogue has the key (it returns the key itself when not). */
function has(t: T, key: string): boolean {
  return t(key) !== key;
}

/** An event name in words: `VOTE.PASSED` → 通过; an event the catalogue lacks keeps its name. */
export function eventWords(t: T, event: string): string {
  const key = `diagram.events.${event.replace(/\./g, '_')}`;
  return has(t, key) ? t(key) : event;
}

const DURATION = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** An ISO-8601 duration in words: `P7D` → 7天 / 7 days; working days when the calendar says so. */
export function durationWords(t: T, duration: string, calendar?: string): string {
  const m = DURATION.exec(duration);
  if (!m) return duration;
  const units = ['Y', 'M', 'W', calendar === 'working' ? 'WD' : 'D', 'H', 'MIN', 'S'];
  const parts: string[] = [];
  m.slice(1).forEach((v, i) => {
    if (v === undefined || Number(v) === 0) return;
    const unit = units[i]!;
    parts.push(Number(v) === 1 ? t(`diagram.units.${unit}1`) : t(`diagram.units.${unit}`, { n: v }));
  });
  return parts.length ? parts.join(' ') : duration;
}

export interface EdgeWords {
  /** The main line: the event (or the timer) in words. */
  event: string;
  /** A second line for a guarded transition: its description, else the condition itself. */
  detail?: string;
  /** Everything, for a tooltip and for screen readers. */
  full: string;
}

/**
 * An edge in words. A guard without a description reads as the condition itself (CEL) only to the
 * flow's designer (`cel`); everyone else reads that the step has a condition.
 */
export function edgeWords(t: T, text: (x: { zh: string; en?: string } | undefined) => string, role: (r: string) => string, edge: GraphEdge, { cel = false }: { cel?: boolean } = {}): EdgeWords {
  const event = edge.after ? t('diagram.after', { duration: durationWords(t, edge.after.duration, edge.after.calendar) }) : eventWords(t, edge.event);
  const description = edge.description ? text(edge.description) : '';
  const condition = edge.guard ? (cel ? t('diagram.guard', { guard: edge.guard }) : t('diagram.conditional')) : '';
  const detail = edge.guard ? description || condition : undefined;
  const full = [
    event,
    description,
    description ? '' : condition,
    edge.roles?.length ? t('diagram.roles', { roles: edge.roles.map(role).join('、') }) : '',
  ]
    .filter(Boolean)
    .join('；');
  return { event, ...(detail ? { detail } : {}), full };
}

/** Width in px of `s` set in a font of `px` size: generous, so real text fits in the box. */
export function textWidth(s: string, px: number): number {
  let em = 0;
  for (const ch of s) {
    if (/[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]/.test(ch)) em += 1;
    else if (/[A-Z0-9]/.test(ch)) em += 0.7;
    else if (/[mw]/.test(ch)) em += 0.9;
    else if (/[a-z]/.test(ch)) em += 0.6;
    else if (ch === ' ') em += 0.3;
    else em += 0.4;
  }
  return Math.ceil(em * px) + 2;
}

/** How many lines `s` takes in a column `width` px wide (words break at spaces, CJK anywhere). */
export function lineCount(s: string, px: number, width: number): number {
  const tokens = s.match(/[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]|[^\s\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]+\s*|\s+/g) ?? [];
  let lines = 1;
  let used = 0;
  for (const tok of tokens) {
    const w = textWidth(tok.trimEnd(), px);
    const ws = textWidth(tok, px);
    if (used > 0 && used + w > width) {
      lines += 1;
      used = ws;
    } else used += ws;
  }
  return lines;
}

/** Box metrics shared with the CSS (section `diagram` of app.css). */
export const METRICS = {
  nodeTitlePx: 16,
  nodeTitleLine: 21,
  nodeKindLine: 20,
  nodePadX: 12,
  nodePadY: 8,
  nodeBorder: 3,
  nodeMinWidth: 150,
  nodeMaxWidth: 210,
  labelPx: 13,
  labelDetailPx: 12,
  labelLine: 17,
  labelPadX: 6,
  labelPadY: 3,
  labelMaxWidth: 150,
};

/** One size for every node of the flow: the widest title, wrapped within the maximum width. */
export function nodeSizer(nodes: GraphNode[], title: (n: GraphNode) => string): (n: GraphNode) => Size {
  const M = METRICS;
  const chrome = 2 * (M.nodePadX + M.nodeBorder);
  const widest = Math.max(0, ...nodes.map((n) => textWidth(title(n), M.nodeTitlePx)));
  const width = Math.min(M.nodeMaxWidth, Math.max(M.nodeMinWidth, widest + chrome));
  const lines = Math.max(1, ...nodes.map((n) => lineCount(title(n), M.nodeTitlePx, width - chrome)));
  const size = { width, height: 2 * (M.nodePadY + M.nodeBorder) + M.nodeKindLine + lines * M.nodeTitleLine };
  return () => size;
}

export function labelSize(words: EdgeWords): Size {
  const M = METRICS;
  const inner = M.labelMaxWidth - 2 * M.labelPadX;
  const eventWidth = Math.min(inner, textWidth(words.event, M.labelPx));
  const detailWidth = words.detail ? Math.min(inner, textWidth(words.detail, M.labelDetailPx)) : 0;
  const lines = lineCount(words.event, M.labelPx, inner) + (words.detail ? lineCount(words.detail, M.labelDetailPx, inner) : 0);
  return { width: Math.max(eventWidth, detailWidth) + 2 * M.labelPadX + 2, height: lines * M.labelLine + 2 * M.labelPadY + 2 };
}
