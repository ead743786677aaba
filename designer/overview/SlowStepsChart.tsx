// The slowest steps as horizontal bars (recharts): average hours per finished visit, top ten.
// Each bar carries its step's own title in the reader's language above it (and its flow's title
// when the chart mixes flows), so the bars keep the whole width on a phone; titles wrap rather
// than being cut. Screen readers get the same figures as a table; the drawing is hidden from them.
import { useState, type ReactNode } from 'react';
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis, type BarShapeProps } from 'recharts';
import { useI18n } from '../i18n/index.tsx';
import type { StepStats } from './OverviewPage.tsx';

const TOP = 10;
const HOUR = 3600_000;

interface Row {
  key: string;
  label: string;
  flow: string;
  hours: number;
  /** 90th percentile, hours. */
  p90: number;
  visits: number;
}

/** Roughly how wide a text is, in ems: wide for Chinese, narrower for Latin letters. */
function ems(s: string): number {
  let w = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    w += c >= 0x2e80 ? 1 : ch === ' ' ? 0.3 : /[A-Z]/.test(ch) ? 0.66 : /[il.,'’:;|!]/.test(ch) ? 0.3 : 0.57;
  }
  return w;
}

/** Breaks a label into lines of at most `width` ems: at spaces in English, anywhere in Chinese. */
export function wrap(text: string, width: number, maxLines = 3): string[] {
  const units = /\s/.test(text) ? text.split(/(?<=\s)/) : [...text];
  const lines: string[] = [];
  let line = '';
  for (const unit of units) {
    if (line && ems((line + unit).trimEnd()) > width) {
      lines.push(line.trimEnd());
      line = unit.trimStart();
    } else line += unit;
  }
  if (line.trim()) lines.push(line.trimEnd());
  if (lines.length <= maxLines) return lines;
  const kept = lines.slice(0, maxLines);
  kept[maxLines - 1] = `${kept[maxLines - 1]!.replace(/\s*\S{0,2}$/, '')}…`;
  return kept;
}

export function SlowStepsChart({ steps }: { steps: StepStats[] }) {
  const { t, text, lang, largeText } = useI18n();
  const [width, setWidth] = useState(0);
  const top = [...steps].sort((a, b) => b.averageMs - a.averageMs).slice(0, TOP);
  if (top.length === 0) return <p className="muted">{t('overview.noSteps')}</p>;

  const locale = lang === 'zh' ? 'zh-CN' : 'en';
  const hoursText = (h: number) => new Intl.NumberFormat(locale, { maximumFractionDigits: h >= 100 ? 0 : 1 }).format(h);
  const rows: Row[] = top.map((s) => ({
    key: `${s.flowId}/${s.state}`,
    label: text(s.title),
    flow: text(s.flowTitle),
    hours: Math.round((s.averageMs / HOUR) * 10) / 10,
    p90: Math.round((s.p90Ms / HOUR) * 10) / 10,
    visits: s.visits,
  }));
  const showFlow = new Set(top.map((s) => s.flowId)).size > 1;

  // Sizes: px, scaled in the large-text mode.
  const scale = largeText ? 1.25 : 1;
  const font = Math.round(15 * scale);
  const small = Math.round(13 * scale);
  const lineH = Math.round(font * 1.3);
  const smallLineH = Math.round(small * 1.3);
  const barH = Math.round(16 * scale);
  const margin = { top: 4, right: Math.round((width && width < 520 ? 64 : 80) * scale), bottom: 0, left: 8 };
  const labelWidth = (width || 600) - margin.left - 8;
  const layout = new Map(
    rows.map((r) => {
      const inline = `${r.label}　${r.flow}`;
      if (showFlow && ems(inline) * font <= labelWidth) return [r.key, { title: [r.label], flow: [r.flow], inline: true }];
      return [r.key, { title: wrap(r.label, labelWidth / font), flow: showFlow ? wrap(r.flow, labelWidth / small, 2) : [], inline: false }];
    }),
  );
  const heightOf = (l: { title: string[]; flow: string[]; inline: boolean }) => (l.inline ? lineH : l.title.length * lineH + l.flow.length * smallLineH);
  const labelH = Math.max(...[...layout.values()].map(heightOf));
  const band = 6 + labelH + 4 + barH + 10;
  const axisH = 30;
  const height = rows.length * band + margin.top + margin.bottom + axisH;
  const captionId = 'slow-steps-caption';

  /** One row: its title (and flow) at the top of the band, the bar under it, the figure after it. */
  const shape = (p: BarShapeProps): ReactNode => {
    // Recharts may still draw a bar of the data it had before an update: take the row it carries.
    const row = p.payload as Row | undefined;
    const l = row && layout.get(row.key);
    if (!row || !l) return <g />;
    const x = Number(p.x);
    const y = Number(p.y);
    const w = Math.max(2, Number(p.width));
    // The bar right under its own label; a shorter label leaves the spare room below the bar.
    const barY = y + 6 + heightOf(l) + 4;
    return (
      <g>
        <text className="overview-step-label" x={x} y={y + 6} fontSize={font} fill="var(--fg)">
          {l.inline ? (
            <>
              <tspan x={x} dy={font}>
                {row.label}
              </tspan>
              <tspan fontSize={small} fill="var(--muted)">
                {'　'}
                {row.flow}
              </tspan>
            </>
          ) : (
            <>
              {l.title.map((line, n) => (
                <tspan key={`t${n}`} x={x} dy={n === 0 ? font : lineH}>
                  {line}
                </tspan>
              ))}
              {l.flow.map((line, n) => (
                <tspan key={`f${n}`} x={x} dy={n === 0 ? smallLineH + 2 : smallLineH} fontSize={small} fill="var(--muted)">
                  {line}
                </tspan>
              ))}
            </>
          )}
        </text>
        <rect x={x} y={barY} width={w} height={barH} rx={3} fill="var(--bar)" />
        <text x={x + w + 6} y={barY + barH / 2} dominantBaseline="central" fontSize={small} fill="var(--fg)" className="overview-bar-value">
          {hoursText(row.hours)} {t('overview.hoursUnit')}
        </text>
      </g>
    );
  };

  return (
    <figure className="overview-chart" aria-labelledby={captionId}>
      <figcaption id={captionId}>{t('overview.chartCaption', { n: rows.length })}</figcaption>
      <div className="overview-chart-box" aria-hidden="true" data-testid="slow-steps-chart">
        <ResponsiveContainer width="100%" height={height} onResize={(w) => setWidth(w)}>
          <BarChart data={rows} layout="vertical" margin={margin} accessibilityLayer={false} barCategoryGap={0}>
            <CartesianGrid horizontal={false} stroke="var(--line)" strokeDasharray="3 3" />
            <XAxis type="number" height={axisH} tickFormatter={(v: number) => hoursText(v)} tick={{ fontSize: small, fill: 'var(--muted)' }} stroke="var(--line)" allowDecimals={false} />
            <YAxis type="category" dataKey="key" hide />
            <Tooltip
              cursor={{ fill: 'var(--bar-hover)' }}
              content={({ active, payload }) => {
                const row = active ? (payload?.[0]?.payload as Row | undefined) : undefined;
                if (!row) return null;
                return (
                  <div className="overview-tooltip">
                    <strong>{row.label}</strong>
                    {showFlow && <div className="muted">{row.flow}</div>}
                    <div>{t('overview.tooltip', { hours: hoursText(row.hours), p90: hoursText(row.p90), visits: row.visits })}</div>
                  </div>
                );
              }}
            />
            <Bar dataKey="hours" isAnimationActive={false} minPointSize={2} shape={shape} />
          </BarChart>
        </ResponsiveContainer>
      </div>
      <div className="sr-only">
        <table>
          <caption>{t('overview.tableCaption')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('overview.step')}</th>
              <th scope="col">{t('overview.flow')}</th>
              <th scope="col">{t('overview.averageHours')}</th>
              <th scope="col">{t('overview.p90Hours')}</th>
              <th scope="col">{t('overview.visits')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.key}>
                <th scope="row">{r.label}</th>
                <td>{r.flow}</td>
                <td>{hoursText(r.hours)}</td>
                <td>{hoursText(r.p90)}</td>
                <td>{r.visits}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}
