/** A dependency-free SVG: events/s per engine as bars, and time vs events on log-log axes. */
export interface EngineBar {
  readonly engine: string;
  readonly eventsPerSecond: number;
}

export interface ScalingSeries {
  readonly engine: string;
  readonly points: readonly { events: number; seconds: number }[];
}

const COLORS = ['#2563eb', '#ea580c', '#16a34a', '#9333ea', '#dc2626', '#0891b2', '#ca8a04'];
const esc = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

function bars(data: readonly EngineBar[], events: number, x0: number, y0: number, width: number, height: number): string {
  const max = Math.max(...data.map((d) => d.eventsPerSecond), 1);
  const rowHeight = height / Math.max(data.length, 1);
  const label = 220;
  const out = [`<text x="${x0}" y="${y0 - 12}" class="title">Events per second, whole process (${fmt(events)} events, higher is better)</text>`];
  data.forEach((d, i) => {
    const y = y0 + i * rowHeight;
    const w = ((width - label - 90) * d.eventsPerSecond) / max;
    out.push(`<text x="${x0 + label - 8}" y="${y + rowHeight / 2 + 4}" text-anchor="end">${esc(d.engine)}</text>`);
    out.push(`<rect x="${x0 + label}" y="${y + 4}" width="${Math.max(w, 1).toFixed(1)}" height="${(rowHeight - 8).toFixed(1)}" fill="${COLORS[i % COLORS.length]}"/>`);
    out.push(`<text x="${(x0 + label + w + 6).toFixed(1)}" y="${y + rowHeight / 2 + 4}">${fmt(d.eventsPerSecond)}</text>`);
  });
  return out.join('\n');
}

function lines(series: readonly ScalingSeries[], x0: number, y0: number, width: number, height: number): string {
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) return '';
  const lx = (v: number): number => Math.log10(v);
  const [minX, maxX] = [Math.min(...all.map((p) => lx(p.events))), Math.max(...all.map((p) => lx(p.events)))];
  const [minY, maxY] = [Math.floor(Math.min(...all.map((p) => lx(p.seconds)))), Math.ceil(Math.max(...all.map((p) => lx(p.seconds))))];
  const px = (e: number): number => x0 + ((lx(e) - minX) / Math.max(maxX - minX, 1e-9)) * width;
  const py = (s: number): number => y0 + height - ((lx(s) - minY) / Math.max(maxY - minY, 1e-9)) * height;
  const out = [`<text x="${x0}" y="${y0 - 12}" class="title">Wall time vs events (log–log, lower is better)</text>`];
  out.push(`<rect x="${x0}" y="${y0}" width="${width}" height="${height}" fill="none" stroke="#cbd5e1"/>`);
  for (let e = minY; e <= maxY; e++) {
    const y = py(10 ** e);
    out.push(`<line x1="${x0}" x2="${x0 + width}" y1="${y}" y2="${y}" stroke="#e2e8f0"/><text x="${x0 - 6}" y="${y + 4}" text-anchor="end">${10 ** e >= 1 ? 10 ** e : (10 ** e).toFixed(-e)} s</text>`);
  }
  for (const p of series[0]?.points ?? []) out.push(`<text x="${px(p.events)}" y="${y0 + height + 16}" text-anchor="middle">${fmt(p.events)}</text>`);
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const points = s.points.map((p) => `${px(p.events).toFixed(1)},${py(p.seconds).toFixed(1)}`).join(' ');
    out.push(`<polyline points="${points}" fill="none" stroke="${color}" stroke-width="2.5"/>`);
    for (const p of s.points) out.push(`<circle cx="${px(p.events).toFixed(1)}" cy="${py(p.seconds).toFixed(1)}" r="4" fill="${color}"/>`);
    out.push(`<text x="${x0 + width + 10}" y="${y0 + 16 + i * 18}" fill="${color}">${esc(s.engine)}</text>`);
  });
  return out.join('\n');
}

export function renderChart(engines: readonly EngineBar[], events: number, scaling: readonly ScalingSeries[], caption: string): string {
  const barsHeight = Math.max(engines.length, 1) * 34;
  const height = 60 + barsHeight + 80 + 260 + 50;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="900" height="${height}" viewBox="0 0 900 ${height}" font-family="sans-serif" font-size="13">`,
    '<style>.title{font-weight:bold;font-size:15px}</style>',
    '<rect width="100%" height="100%" fill="white"/>',
    bars(engines, events, 20, 50, 860, barsHeight),
    lines(scaling, 90, 60 + barsHeight + 80, 640, 260),
    `<text x="20" y="${height - 16}" fill="#475569">${esc(caption)}</text>`,
    '</svg>',
  ].join('\n');
}
