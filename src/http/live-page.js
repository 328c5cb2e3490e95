'use strict';
const REPORTS = {
  genre_revenue: ['genre', 'total_ad_rev', 'unique_listeners'],
  subscription_analysis: ['plan', 'users', 'total_streams', 'avg_duration'],
  regional_breakdown: ['region', 'country', 'streams', 'ad_rev'],
  ad_performance: ['device', 'genre', 'total_ad_rev', 'impressions'],
  artist_payouts: ['artist_id', 'label_type', 'total_payout', 'total_streams'],
  daily_summary: ['event_date', 'streams', 'ad_rev', 'unique_users'],
};
const CAPPED = ['artist_payouts', 'daily_summary'];
const TEXT = ['genre', 'region', 'country', 'plan', 'device', 'artist_id', 'label_type', 'event_date'];
const MONEY = ['total_ad_rev', 'ad_rev', 'total_payout'];
const $ = (id) => document.getElementById(id);
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
const group = (s) => s.replace(/^-?\d+/, (i) => i.replace(/\B(?=(\d{3})+$)/g, ','));
const int = (n) => (typeof n === 'number' ? group(String(Math.round(n))) : '—');
const dec = (n, d) => (Number.isFinite(n) ? group(n.toFixed(d)) : '—');
/** Money exactly as the server gives it (up to 7 decimals), with thousands separators. */
function money(x) {
  let s = String(x);
  if (/e/i.test(s)) s = x.toFixed(7).replace(/\.?0+$/, '');
  return group(s);
}
function fmt(col, v) {
  if (TEXT.includes(col)) return String(v);
  if (MONEY.includes(col)) return money(v);
  if (col === 'avg_duration') return dec(v, 2);
  return int(v);
}
const last = {};
function changed(key, value) {
  const s = JSON.stringify(value);
  if (last[key] === s) return false;
  last[key] = s;
  return true;
}

function buildReports() {
  $('reports').innerHTML = Object.entries(REPORTS).map(([name, cols]) =>
    `<section class="card"><h2>${name} <small id="count-${name}"></small></h2>` +
    `<div class="wrap${CAPPED.includes(name) ? ' capped' : ''}"><table data-report="${name}"><thead><tr>` +
    cols.map((c) => `<th class="${TEXT.includes(c) ? '' : 'num'}">${c}</th>`).join('') +
    '</tr></thead><tbody></tbody></table></div></section>').join('');
}

function renderReport(name, rows) {
  if (!changed('report:' + name, rows)) return;
  const cols = REPORTS[name];
  document.querySelector(`[data-report="${name}"] tbody`).innerHTML = rows.map((r) => '<tr>' + cols.map((c) =>
    `<td data-col="${c}"${TEXT.includes(c) ? '' : ' class="num"'}>${esc(fmt(c, r[c]))}</td>`).join('') + '</tr>').join('');
  $('count-' + name).textContent = `${int(rows.length)} rows`;
}

function miniTable(id, head, rows) {
  $(id).innerHTML = `<thead><tr>${head.map((h, i) => `<th${i ? ' class="num"' : ''}>${esc(h)}</th>`).join('')}</tr></thead><tbody>` +
    rows.map((r) => '<tr>' + r.map((v, i) => (i === 0 ? `<td>${esc(v)}</td>` : `<td class="num${v === 0 ? ' zero' : ''}">${int(v)}</td>`)).join('') + '</tr>').join('') + '</tbody>';
}

/** In a consumer group: whether the reports cover every partition, and which they lack. */
function renderGroup(g) {
  $('group-stat').hidden = g === undefined;
  if (g === undefined) return;
  const missing = g.partitions.filter((p) => p.missing !== undefined);
  $('group').textContent = g.complete
    ? `all ${g.partitions.length} partitions, from ${new Set(g.partitions.map((p) => p.owner)).size} instance(s)`
    : g.reason ?? `missing partitions ${g.missing.join(', ')}`;
  $('group').title = missing.map((p) => `p${p.partition}: ${p.missing}`).join('\n');
}

function renderProgress(w) {
  const strategies = Object.keys(w.strategies);
  $('events-read').textContent = int(w.events_read);
  $('events-valid').textContent = int(w.events_valid);
  $('counted').textContent = strategies.map((s) => int(w.strategies[s].counted)).filter((v, i, a) => a.indexOf(v) === i).join(' / ');
  $('rejected-total').textContent = int(w.rejected_total);
  $('strategy-note').textContent = `strategies: ${strategies.join(', ')} · started ${new Date(w.started_at).toLocaleTimeString()}`;
  const p = w.position;
  $('position').textContent = p === null ? '—' : p.bytes === undefined
    ? `${p.origin} · offset ${int(p.seq)}`
    : `${p.origin.split('/').pop()} · line ${int(p.seq)}${p.totalBytes ? ` · ${Math.floor((100 * p.bytes) / p.totalBytes)}%` : ''}`;
  $('position').title = p === null ? '' : p.origin;
  // only a Kafka source has a lag; a file's position is shown above
  $('lag-stat').hidden = typeof w.source?.lag !== 'number';
  if (!$('lag-stat').hidden) {
    const src = w.source;
    $('lag').textContent = int(src.lag);
    $('lag').title = Array.isArray(src.partitions) ? src.partitions.map((x) => `p${x.partition}: offset ${x.offset}, lag ${x.lag}`).join('\n') : '';
  }
  $('updated').textContent = w.updated_at === null ? '—' : new Date(w.updated_at).toLocaleTimeString();
  $('status').textContent = w.done ? 'done' : 'live';
  $('status').className = w.done ? 'done' : '';
  if (changed('wm-reasons', [w.rejected, w.strategies, w.dimensions])) {
    miniTable('rejected', ['reason', 'events'], Object.entries(w.rejected));
    const reasons = Object.keys(w.strategies[strategies[0]].unmatched);
    miniTable('unmatched', ['reason', ...strategies], reasons.map((r) => [r, ...strategies.map((s) => w.strategies[s].unmatched[r])]));
    miniTable('dimensions', ['table', 'applied', 'rejected'], Object.entries(w.dimensions).map(([t, d]) => [t, d.rows_applied, d.rejected]));
  }
}

function renderComparison(w, cached, naive) {
  const panel = $('comparison');
  const c = w.cost.cached, n = w.cost.naive;
  panel.hidden = c === undefined || n === undefined;
  if (panel.hidden) return;
  const perEvent = (x) => (x.events > 0 ? x.seconds / x.events : NaN);
  const row = (name, x) => `<tr data-strategy="${name}"><td>${name}</td><td class="num">${int(x.events)}</td>` +
    `<td class="num">${x.seconds > 0 ? int(x.events / x.seconds) : '—'}</td><td class="num">${dec(perEvent(x) * 1e6, 2)}</td>` +
    `<td class="num">${dec(x.lookups / x.events, 2)}</td><td class="num">${dec(x.seconds, 3)}</td></tr>`;
  const ratio = perEvent(n) / perEvent(c);
  let same = 'catching up (snapshots at different points)';
  if (naive !== null && naive.progress.events_read === cached.progress.events_read) {
    same = JSON.stringify(naive.reports) === JSON.stringify(cached.reports) ? 'identical ✓' : 'DIFFERENT ✗';
  }
  panel.innerHTML = '<h2>Naive vs cached <small>enrichment + aggregation cost per strategy</small></h2>' +
    '<div class="wrap"><table><thead><tr><th>strategy</th><th class="num">events</th><th class="num">events/s</th>' +
    '<th class="num">µs per event</th><th class="num">lookups per event</th><th class="num">seconds</th></tr></thead>' +
    `<tbody>${row('cached', c)}${row('naive', n)}</tbody></table></div>` +
    `<div class="ratio">naive / cached time per event: <b id="ratio">${Number.isFinite(ratio) ? dec(ratio, 2) + '×' : '—'}</b>` +
    ` <span class="note">· reports of both strategies: ${same}</span></div>`;
}

const PALETTE = ['#2f6fdf', '#e0803a', '#23a05a', '#9b59b6', '#d64550', '#1fa2b8', '#b8892f', '#5d6d7e'];
function genreChart(rows) {
  if (!changed('genre-chart', rows)) return;
  const W = 640, H = 280, top = 24, bottom = 36, left = 12, max = Math.max(0, ...rows.map((r) => r.total_ad_rev)) || 1;
  const slot = (W - 2 * left) / Math.max(rows.length, 1), bar = slot * 0.62;
  const bars = rows.map((r, i) => {
    const h = ((H - top - bottom) * r.total_ad_rev) / max, x = left + i * slot + (slot - bar) / 2, y = H - bottom - h;
    return `<rect x="${x}" y="${y}" width="${bar}" height="${h}" rx="3" fill="${PALETTE[i % PALETTE.length]}"><title>${esc(r.genre)}: ${money(r.total_ad_rev)}</title></rect>` +
      `<text class="val" x="${x + bar / 2}" y="${y - 6}" text-anchor="middle">${dec(r.total_ad_rev, 2)}</text>` +
      `<text x="${x + bar / 2}" y="${H - bottom + 16}" text-anchor="middle">${esc(r.genre)}</text>`;
  }).join('');
  $('genre-chart').innerHTML = `<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="total ad revenue by genre">` +
    `<line x1="${left}" x2="${W - left}" y1="${H - bottom}" y2="${H - bottom}" stroke="#c9d0da"/>${bars}</svg>`;
}

function dailyChart(rows) {
  if (!changed('daily-chart', rows)) return;
  const W = 640, H = 280, top = 16, bottom = 36, left = 56, right = 16;
  const max = Math.max(0, ...rows.map((r) => r.streams)) || 1, n = rows.length;
  const x = (i) => left + (n > 1 ? ((W - left - right) * i) / (n - 1) : (W - left - right) / 2);
  const y = (v) => H - bottom - ((H - top - bottom) * v) / max;
  const points = rows.map((r, i) => `${x(i).toFixed(1)},${y(r.streams).toFixed(1)}`).join(' ');
  const grid = [0, 0.5, 1].map((f) => `<line x1="${left}" x2="${W - right}" y1="${y(max * f)}" y2="${y(max * f)}" stroke="#e6e9ef"/>` +
    `<text x="${left - 6}" y="${y(max * f) + 4}" text-anchor="end">${int(max * f)}</text>`).join('');
  const ticks = n === 0 ? '' : [...new Set([0, Math.floor((n - 1) / 2), n - 1])].map((i) =>
    `<text x="${x(i)}" y="${H - bottom + 18}" text-anchor="${i === 0 ? 'start' : i === n - 1 ? 'end' : 'middle'}">${esc(rows[i].event_date)}</text>`).join('');
  const area = n > 1 ? `<polygon points="${x(0)},${y(0)} ${points} ${x(n - 1)},${y(0)}" fill="#2f6fdf" fill-opacity="0.08"/>` : '';
  $('daily-chart').innerHTML = `<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="daily streams">${grid}${area}` +
    `<polyline points="${points}" fill="none" stroke="#2f6fdf" stroke-width="1.6" stroke-linejoin="round"/>${ticks}` +
    (n === 1 ? `<circle cx="${x(0)}" cy="${y(rows[0].streams)}" r="3" fill="#2f6fdf"/>` : '') +
    (n === 0 ? `<text x="${W / 2}" y="${H / 2}" text-anchor="middle">no events yet</text>` : '') + '</svg>';
}

async function getJson(url) {
  const response = await fetch(url, { cache: 'no-store' });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.json();
}

async function poll() {
  try {
    const snap = await getJson('reports');
    const naive = snap.progress.strategies.naive !== undefined && snap.strategy !== 'naive' ? await getJson('reports?strategy=naive') : null;
    renderProgress(snap.progress);
    renderGroup(snap.group);
    renderComparison(snap.progress, snap, naive);
    for (const name of Object.keys(REPORTS)) renderReport(name, snap.reports[name]);
    genreChart(snap.reports.genre_revenue);
    dailyChart(snap.reports.daily_summary);
    $('error').textContent = '';
  } catch (error) {
    $('status').textContent = 'offline';
    $('status').className = 'offline';
    $('error').textContent = error.message;
  }
  setTimeout(poll, 1000);
}

buildReports();
poll();
