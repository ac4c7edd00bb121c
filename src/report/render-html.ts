/**
 * The DR report as one self-contained HTML page: inline CSS, an inline SVG timeline per resource
 * (recovery points per location, the copies between them, the RPO as a band), no script and no
 * external asset (its Content-Security-Policy forbids both). Every value is inserted through the
 * `html` template, which escapes it: resource names, tags and ARNs are user text, and no markup is
 * ever built from them. Status is told by text and shape, never by colour alone.
 */
import { formatHours } from '../policy/schedule.js';
import { header, KEY_TEXT, LEGEND, locationCell, restoreCell, scenarioCell, summaryLine } from './cells.js';
import {
  type DrReport,
  type DrRow,
  type KeyVerdict,
  LOCATION_LABEL,
  type Location,
  type LocationKind,
  type PointRef,
  type RpoStatus,
  SCENARIO_LABEL,
  type ScenarioKind,
} from './dr.js';

// ---------------------------------------------------------------------------------------------
// Escaping

/** Markup that is safe as it is: only `html` makes one. */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

type Part = Html | string | number | undefined | null | false | readonly Part[];

/** Text as HTML text or attribute value: & < > " ' as entities, control characters as U+FFFD. */
export function esc(text: string): string {
  return withoutControls(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** C0 and C1 control characters (tab and line ends kept) are not allowed in HTML text. */
function withoutControls(text: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (!((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || (c >= 0x7f && c <= 0x9f))) continue;
    out += `${text.slice(from, i)}\ufffd`;
    from = i + 1;
  }
  return from === 0 ? text : out + text.slice(from);
}

function part(p: Part): string {
  if (p instanceof Html) return p.value;
  if (p === undefined || p === null || p === false) return '';
  if (Array.isArray(p)) return p.map(part).join('');
  return esc(String(p));
}

/** A template whose every interpolation is escaped, unless it is already Html. */
export function html(strings: TemplateStringsArray, ...parts: Part[]): Html {
  let out = strings[0] ?? '';
  parts.forEach((p, i) => {
    out += part(p) + (strings[i + 1] ?? '');
  });
  return new Html(out);
}

// ---------------------------------------------------------------------------------------------
// Status badges: a symbol and a word, and a colour for those who see it

const STATUS_CLASS: Record<RpoStatus, string> = {
  met: 'ok',
  missed: 'bad',
  'no-copy': 'bad',
  'not-read': 'unknown',
};
const STATUS_SYMBOL: Record<RpoStatus, string> = { met: '✓', missed: '✗', 'no-copy': '∅', 'not-read': '?' };
const KEY_CLASS: Record<KeyVerdict, string> = {
  recoverable: 'ok',
  'not-recoverable': 'bad',
  unknown: 'unknown',
};
const KEY_SYMBOL: Record<KeyVerdict, string> = { recoverable: '✓', 'not-recoverable': '✗', unknown: '?' };

const badge = (cls: string, symbol: string, text: string) =>
  html`<span class="badge ${cls}"><span class="sym" aria-hidden="true">${symbol}</span> ${text}</span>`;

function locationBadge(l: Location): Html {
  const text = locationCell(l);
  if (l.state === 'found') return l.withinRpo ? badge('ok', '●', text) : badge('bad', '●', text);
  if (l.state === 'none') return badge('bad', '∅', 'none');
  if (l.state === 'not-read') return badge('unknown', '?', 'not read');
  return badge('neutral', '–', 'not copied');
}

function restoreBadge(r: DrRow): Html {
  const text = restoreCell(r.restoreTest);
  if (r.restoreTest.state === 'not-read') return badge('unknown', '?', text);
  if (text.startsWith('ok')) return badge('ok', '✓', text);
  if (text.startsWith('validating')) return badge('unknown', '…', text);
  return badge('bad', '✗', text);
}

// ---------------------------------------------------------------------------------------------
// The timeline

const W = 1100;
const LEFT = 130;
const RIGHT = 24;
const TOP = 26;
const LANE = 34;
const LANES: LocationKind[] = ['source', 'otherRegion', 'drAccount'];
const HEIGHT = TOP + LANE * LANES.length + 34;
const DAY = 86_400_000;

function marker(kind: LocationKind, x: number, y: number, title: string, newest: boolean): Html {
  const ring = newest ? html`<circle class="newest" cx="${x}" cy="${y}" r="10"/>` : '';
  const t = html`<title>${title}</title>`;
  if (kind === 'source')
    return html`<g class="rp rp-source">${ring}<circle cx="${x}" cy="${y}" r="5">${t}</circle></g>`;
  if (kind === 'otherRegion')
    return html`<g class="rp rp-region">${ring}<rect x="${x - 4.5}" y="${y - 4.5}" width="9" height="9">${t}</rect></g>`;
  return html`<g class="rp rp-account">${ring}<polygon points="${`${x},${y - 6} ${x + 6},${y} ${x},${y + 6} ${x - 6},${y}`}">${t}</polygon></g>`;
}

const fixed = (n: number) => Math.round(n * 10) / 10;
const dateLabel = (t: number) => new Date(t).toISOString().slice(0, 10);

/**
 * The time axis of every timeline: from the oldest recovery point listed (or twice the longest
 * RPO, if that is earlier) to the evaluation time, never before the listed window starts. An axis
 * over the whole listed window would squeeze a day's points into a few pixels.
 */
export function axisOf(report: DrReport): { start: number; end: number } {
  const end = Date.parse(report.window.end);
  const listed = Date.parse(report.window.start);
  const times = report.rows.flatMap((r) =>
    Object.values(r.locations).flatMap((l) => l.points.map((p) => Date.parse(p.dataTime))),
  );
  const rpo = Math.max(24, ...report.rows.map((r) => r.rpoHours)) * 3_600_000;
  const earliest = Math.min(end - 2 * rpo, ...times);
  const start = Math.max(listed, earliest - (end - earliest) * 0.03);
  return { start, end: Math.max(end, start + 3_600_000) };
}

function timeline(r: DrRow, report: DrReport, id: string): Html {
  const { start, end } = axisOf(report);
  const span = end - start;
  const x = (t: number) =>
    fixed(LEFT + ((Math.min(Math.max(t, start), end) - start) / span) * (W - LEFT - RIGHT));
  const laneY = (k: LocationKind) => TOP + LANE * LANES.indexOf(k) + LANE / 2;
  const bottom = TOP + LANE * LANES.length;

  const ticks: Html[] = [];
  const days = span / DAY;
  const step = [1, 2, 7, 14, 30, 91, 182, 365].find((s) => days / s <= 9) ?? 730;
  const first = Math.ceil(start / DAY) * DAY;
  for (let t = first; t <= end; t += step * DAY)
    ticks.push(
      html`<line class="tick" x1="${x(t)}" y1="${TOP}" x2="${x(t)}" y2="${bottom}"/><text class="axis" x="${x(t)}" y="${bottom + 16}" text-anchor="middle">${dateLabel(t)}</text>`,
    );

  const rpoStart = end - r.rpoHours * 3_600_000;
  const band = html`<rect class="rpo" x="${x(rpoStart)}" y="${TOP}" width="${fixed(x(end) - x(rpoStart))}" height="${LANE * LANES.length}"/><text class="rpo-label" x="${x(rpoStart) - 4}" y="${TOP - 8}" text-anchor="end">RPO ${formatHours(r.rpoHours)} ▸</text>`;

  const lanes = LANES.map((k) => {
    const l = r.locations[k];
    const y = laneY(k);
    const label = html`<text class="lane-label" x="${LEFT - 10}" y="${y + 4}" text-anchor="end">${LOCATION_LABEL[k]}</text><line class="lane" x1="${LEFT}" y1="${y}" x2="${W - RIGHT}" y2="${y}"/>`;
    if (l.points.length === 0) {
      const why =
        l.state === 'not-read'
          ? `not read: ${l.detail}`
          : l.state === 'not-configured'
            ? 'no copy configured'
            : 'none in the listed window';
      const short = why.length > 130 ? `${why.slice(0, 129)}…` : why;
      return html`${label}<text class="lane-note lane-${l.state}" x="${LEFT + 8}" y="${y - 6}">${short}</text>`;
    }
    const marks = [...l.points]
      .reverse()
      .map((p) => marker(k, x(Date.parse(p.dataTime)), y, pointTitle(p), p === l.newest));
    return html`${label}${marks}`;
  });

  // A copy is drawn from the point it was copied from (when both are listed).
  const sources = new Map(r.locations.source.points.map((p) => [p.recoveryPointArn, p]));
  const links = (['otherRegion', 'drAccount'] as const).flatMap((k) =>
    r.locations[k].points.flatMap((p) => {
      const from = p.sourceRecoveryPointArn ? sources.get(p.sourceRecoveryPointArn) : undefined;
      if (!from) return [];
      return [
        html`<line class="copy" x1="${x(Date.parse(from.dataTime))}" y1="${laneY('source')}" x2="${x(Date.parse(p.dataTime))}" y2="${laneY(k)}"/>`,
      ];
    }),
  );

  const now = html`<line class="now" x1="${x(end)}" y1="${TOP - 4}" x2="${x(end)}" y2="${bottom}"/><text class="axis" x="${x(end)}" y="${bottom + 30}" text-anchor="end">evaluated ${report.window.end.slice(0, 16).replace('T', ' ')}Z</text>`;
  const title = `Recovery points of ${r.resourceName} from ${new Date(start).toISOString()} to ${report.window.end}: ${LANES.map((k) => `${LOCATION_LABEL[k]} ${locationCell(r.locations[k])}`).join(', ')}`;
  return html`<svg class="timeline" viewBox="0 0 ${W} ${HEIGHT}" width="100%" role="img" aria-labelledby="${id}-t" xmlns="http://www.w3.org/2000/svg"><title id="${id}-t">${title}</title>${band}${ticks}${lanes}${links}${now}</svg>`;
}

function pointTitle(p: PointRef): string {
  return `${p.recoveryPointArn}\n${p.backupVaultArn}\ndata from ${p.dataTime} (${formatHours(p.ageHours)} old)${p.continuous ? ', continuous' : ''}${p.sourceRecoveryPointArn ? `\ncopy of ${p.sourceRecoveryPointArn}` : ''}`;
}

// ---------------------------------------------------------------------------------------------
// The page

const CSS = `
:root { color-scheme: light; }
body { font-family: "DejaVu Sans", "Liberation Sans", system-ui, sans-serif; font-size: 14px; color: #1b1b1b; background: #fff; margin: 24px; line-height: 1.4; }
h1 { font-size: 20px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 0 0 4px; }
p.meta, .muted { color: #555; margin: 0 0 8px; }
table { border-collapse: collapse; margin: 8px 0 16px; }
th, td { border: 1px solid #c9c9c9; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f1f1f1; font-weight: 600; }
table.overview { font-size: 12px; }
table.overview th, table.overview td { padding: 2px 5px; }
table.overview td { white-space: nowrap; }
table.overview .badge { padding: 0 4px; }
figure { margin: 0; }
code, .arn { font-family: "DejaVu Sans Mono", "Liberation Mono", monospace; font-size: 12px; word-break: break-all; }
pre { background: #f6f6f6; border: 1px solid #ddd; padding: 6px 8px; white-space: pre-wrap; word-break: break-all; margin: 0; }
.badge { display: inline-block; padding: 0 6px; border-radius: 3px; border: 1px solid transparent; white-space: nowrap; }
.badge.ok { background: #e3f3e6; color: #14532d; border-color: #9fd3ab; }
.badge.bad { background: #fde4e4; color: #7f1d1d; border-color: #f0a3a3; font-weight: 700; }
.badge.unknown { background: #fff2cc; color: #5c4300; border-color: #e6c866; font-weight: 700; border-style: dashed; }
.badge.neutral { background: #f1f1f1; color: #444; border-color: #ccc; }
.sym { font-weight: 700; }
section.resource { border-top: 2px solid #333; padding-top: 12px; margin-top: 20px; }
ul.legend { margin: 4px 0 12px; padding-left: 20px; color: #333; }
.tags span { display: inline-block; background: #f1f1f1; border: 1px solid #ddd; border-radius: 3px; padding: 0 4px; margin: 0 4px 2px 0; font-size: 12px; }
svg.timeline { max-width: 1100px; display: block; margin: 4px 0 8px; }
svg .lane { stroke: #bbb; stroke-width: 1; }
svg .tick { stroke: #e4e4e4; stroke-width: 1; }
svg .axis, svg .lane-label, svg .lane-note, svg .rpo-label { font-size: 12px; fill: #333; font-family: "DejaVu Sans", sans-serif; }
svg .lane-label { font-weight: 600; }
svg .lane-note { font-style: italic; fill: #555; }
svg .lane-not-read { fill: #6b4e00; font-weight: 700; }
svg .lane-none { fill: #7f1d1d; font-weight: 700; }
svg .rpo { fill: #2563eb; fill-opacity: 0.10; stroke: #2563eb; stroke-dasharray: 4 3; }
svg .rpo-label { fill: #1e40af; font-weight: 600; }
svg .now { stroke: #111; stroke-width: 1.5; }
svg .rp circle, svg .rp rect, svg .rp polygon { stroke: #111; stroke-width: 1; }
svg .rp-source circle { fill: #1d4ed8; }
svg .rp-region rect { fill: #f59e0b; }
svg .rp-account polygon { fill: #16a34a; }
svg .rp circle.newest { fill: none; stroke: #111; stroke-width: 1.5; stroke-dasharray: 2 2; }
svg .copy { stroke: #777; stroke-width: 1; stroke-dasharray: 3 3; }
`;

const LEGEND_SVG = html`<svg width="520" height="24" viewBox="0 0 520 24" role="img" aria-label="Legend: circle, source vault; square, other region; diamond, DR account; dashed line, a copy; dashed ring, the newest point; shaded band, the RPO" xmlns="http://www.w3.org/2000/svg"><g class="rp rp-source"><circle cx="10" cy="12" r="5"/></g><text class="axis" x="20" y="16">source vault</text><g class="rp rp-region"><rect x="115" y="7.5" width="9" height="9"/></g><text class="axis" x="130" y="16">other region</text><g class="rp rp-account"><polygon points="230,6 236,12 230,18 224,12"/></g><text class="axis" x="242" y="16">DR account</text><line class="copy" x1="330" y1="12" x2="355" y2="12"/><text class="axis" x="360" y="16">copy</text><rect class="rpo" x="405" y="4" width="30" height="16"/><text class="axis" x="440" y="16">RPO window</text></svg>`;

const OVERVIEW: [title: string, cell: (r: DrRow) => Part][] = [
  ['Type', (r) => r.backupResourceType],
  ['Policy', (r) => r.policy],
  ['RPO', (r) => formatHours(r.rpoHours)],
  ['Source vault', (r) => locationBadge(r.locations.source)],
  ['Other region', (r) => locationBadge(r.locations.otherRegion)],
  ['DR account', (r) => locationBadge(r.locations.drAccount)],
  ['Region lost', (r) => scenarioBadge(r, 'regionLost')],
  ['Account lost', (r) => scenarioBadge(r, 'accountLost')],
  ['Last restore test', (r) => restoreBadge(r)],
  [
    'Key material',
    (r) => badge(KEY_CLASS[r.keys.verdict], KEY_SYMBOL[r.keys.verdict], KEY_TEXT[r.keys.verdict]),
  ],
];

function scenarioBadge(r: DrRow, k: ScenarioKind): Html {
  const s = r.scenarios[k];
  return badge(STATUS_CLASS[s.status], STATUS_SYMBOL[s.status], scenarioCell(s));
}

function evidence(r: DrRow): Html {
  const rows: Html[] = [];
  for (const k of LANES) {
    const l = r.locations[k];
    rows.push(
      html`<tr><th scope="row">${LOCATION_LABEL[k]}</th><td>${locationBadge(l)}</td><td>${l.newest ? html`<span class="arn">${l.newest.recoveryPointArn}</span><br>` : ''}${l.detail}</td></tr>`,
    );
  }
  for (const k of Object.keys(SCENARIO_LABEL) as ScenarioKind[])
    rows.push(
      html`<tr><th scope="row">${SCENARIO_LABEL[k]}</th><td>${scenarioBadge(r, k)}</td><td>${r.scenarios[k].detail}</td></tr>`,
    );
  rows.push(
    html`<tr><th scope="row">restore test</th><td>${restoreBadge(r)}</td><td>${r.restoreTest.detail}</td></tr>`,
    html`<tr><th scope="row">key material</th><td>${badge(KEY_CLASS[r.keys.verdict], KEY_SYMBOL[r.keys.verdict], KEY_TEXT[r.keys.verdict])}</td><td>${r.keys.summary}</td></tr>`,
    html`<tr><th scope="row">restore</th><td></td><td>${r.restore.command ? html`<pre><code>${r.restore.command}</code></pre>` : ''}${r.restore.detail}</td></tr>`,
  );
  return html`<table class="evidence"><tbody>${rows}</tbody></table>`;
}

function resource(r: DrRow, i: number, report: DrReport): Html {
  const id = `r-${i}`;
  const tags = Object.entries(r.tags);
  return html`<section class="resource" id="${id}" aria-label="${r.resourceName}">
<h2>${r.resourceName}</h2>
<p class="meta"><span class="arn">${r.resourceArn}</span> · ${r.backupResourceType} · policy ${r.policy} · RPO ${formatHours(r.rpoHours)} · plan ${r.backupPlan.name} · vault ${r.sourceVault.name}</p>
${tags.length ? html`<p class="tags">${tags.map(([k, v]) => html`<span>${k}=${v}</span>`)}</p>` : ''}
<figure>${timeline(r, report, id)}<figcaption class="muted">Recovery points by where they are, by when their data was taken (hover a marker for its ARN); the band is the RPO before the evaluation time; a dashed line joins a copy to the point it was copied from.</figcaption></figure>
${evidence(r)}
</section>
`;
}

export function renderHtml(report: DrReport): string {
  const s = report.summary;
  const overview = report.rows.length
    ? html`<table class="overview"><thead><tr><th scope="col">Resource</th>${OVERVIEW.map(([t]) => html`<th scope="col">${t}</th>`)}</tr></thead><tbody>${report.rows.map(
        (r, i) =>
          html`<tr><td><a href="#r-${i}">${r.resourceName}</a></td>${OVERVIEW.map(([, c]) => html`<td>${c(r)}</td>`)}</tr>`,
      )}</tbody></table>`
    : html`<p>No resource is under a policy.</p>`;
  const page = html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>DR report of account ${report.accountId}</title>
<style>${new Html(CSS)}</style>
</head>
<body>
<header>
<h1>DR report of account ${report.accountId}</h1>
<p class="meta">${header(report)}</p>
<p><strong>${s.rpoNotMet} of ${s.resources}</strong> resources do not meet their RPO if their region or their account is lost.</p>
</header>
<main>
${overview}
<ul class="legend">${LEGEND.map((l) => html`<li>${l}</li>`)}</ul>
${LEGEND_SVG}
<p class="muted">Timelines show ${new Date(axisOf(report).start).toISOString()} to ${report.window.end}; recovery points and jobs were ${report.window.listed ? 'listed' : 'known'} since ${report.window.start}.</p>
${report.rows.map((r, i) => resource(r, i, report))}
</main>
<footer><p class="muted">${summaryLine(report)}</p></footer>
</body>
</html>
`;
  return page.value;
}
