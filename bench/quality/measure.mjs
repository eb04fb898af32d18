// Measures Lectern's reader pages with tools nobody here wrote: Lighthouse
// (performance, accessibility, best practices, SEO), axe-core (WCAG 2.1 A
// and AA rules) and the Nu HTML Checker. Started by bench/quality/run, which
// serves a fresh site and passes its address; it can also be pointed at any
// running Lectern:
//
//   QUALITY_BASE=http://127.0.0.1:8000 node bench/quality/measure.mjs
//
// Environment:
//   QUALITY_BASE       the site's address (required)
//   QUALITY_PAGES      pages to measure, "name=path name=path ..." (default: the sample content's)
//   QUALITY_OUT        folder for the reports (Lighthouse JSON, axe JSON, fetched HTML, summary.json)
//   QUALITY_PERF_RUNS  Lighthouse runs per page when performance is below 100 (median; default 3)
//   QUALITY_PERF_ALWAYS=1  make those runs whatever the first score (to study the noise)
//   QUALITY_REPORT_ONLY=1  exit 0 even when a target is missed
//   CHROME_PATH        the browser (default /usr/bin/chromium); nothing is ever downloaded
//
// Prints one table of figures against targets and, for every shortfall, the
// audit or rule id, the page and the offending element; exits 1 when a
// target is missed.

import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';

import lighthouse from 'lighthouse';
import * as constants from 'lighthouse/core/config/constants.js';
import puppeteer from 'puppeteer-core';

const require = createRequire(import.meta.url);

const BASE = (process.env.QUALITY_BASE || '').replace(/\/$/, '');
if (!BASE) {
  console.error('QUALITY_BASE is not set (the address of a running Lectern)');
  process.exit(2);
}
const CHROME = process.env.CHROME_PATH || '/usr/bin/chromium';
const OUT = process.env.QUALITY_OUT || `/tmp/lectern-quality-${Date.now()}`;
const PERF_RUNS = Math.max(1, Number(process.env.QUALITY_PERF_RUNS || 3));
const PERF_ALWAYS = process.env.QUALITY_PERF_ALWAYS === '1';
const REPORT_ONLY = process.env.QUALITY_REPORT_ONLY === '1';
const PAGES = (process.env.QUALITY_PAGES ||
  'home=/ course=/backend-dev/ lesson=/backend-dev/first-server/ ' +
  'whole-course=/backend-dev/all/ search=/search?q=node 404=/no-such-page/')
  .trim().split(/\s+/).map((pair) => {
    const i = pair.indexOf('=');
    return { name: pair.slice(0, i), path: pair.slice(i + 1) };
  });
const SCHEMES = ['light', 'dark'];
// A phone (390 x 844, the size of most recent iPhones) and a laptop screen.
const WIDTHS = [
  { width: 1280, height: 800, deviceScaleFactor: 1, mobile: false },
  { width: 390, height: 844, deviceScaleFactor: 3, mobile: true },
];
const CATEGORIES = ['performance', 'accessibility', 'best-practices', 'seo'];
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

// Audits that cannot pass on a page by design, with the reason. They are
// shown (raw score and finding) but left out of that page's verdict. A
// function decides from the audit itself (null: not expected).
const EXPECTED = {
  404: {
    'http-status-code': 'a missing page must answer 404',
    'is-crawlable': 'a missing page is not for search engines',
    // Chromium logs the 404 of the page itself as a console error; any other
    // console error on the 404 page is still a finding.
    'errors-in-console': (audit, url) => (audit.details?.items ?? []).every((i) => (i.sourceLocation?.url ?? i.url) === url)
      ? "Chromium logs the page's own 404 answer as a console error" : null,
  },
  search: {
    'is-crawlable': 'search results carry noindex and robots.txt keeps crawlers out of /search (README)',
  },
};

mkdirSync(join(OUT, 'lighthouse'), { recursive: true });
mkdirSync(join(OUT, 'axe'), { recursive: true });
mkdirSync(join(OUT, 'html'), { recursive: true });

const started = Date.now();
const LOAD_BEFORE = loadavg()[0].toFixed(2);
const log = (msg) => console.error(`[quality ${((Date.now() - started) / 1000).toFixed(0).padStart(4)}s] ${msg}`);

// ------------------------------------------------------------------ Lighthouse

function lighthouseConfig(size, categories, page) {
  const screenEmulation = {
    mobile: size.mobile, width: size.width, height: size.height,
    deviceScaleFactor: size.deviceScaleFactor, disabled: false,
  };
  const settings = size.mobile
    ? { formFactor: 'mobile', screenEmulation, throttling: constants.throttling.mobileSlow4G,
        emulatedUserAgent: constants.userAgents.mobile }
    : { formFactor: 'desktop', screenEmulation, throttling: constants.throttling.desktopDense4G,
        emulatedUserAgent: constants.userAgents.desktop };
  return {
    extends: 'lighthouse:default',
    settings: { ...settings, onlyCategories: categories, ignoreStatusCode: page.name === '404' },
  };
}

// Every run gets a fresh browser context (its own cache and storage), as a
// first visit would.
async function freshTab(browser) {
  const context = await browser.createBrowserContext();
  const tab = await context.newPage();
  tab.closeAll = () => context.close().catch(() => {});
  return tab;
}

async function runLighthouse(browser, page, scheme, size, categories) {
  const tab = await freshTab(browser);
  try {
    // Lighthouse drives the tab through its own session; the colour scheme
    // set here stays in force for the whole run (checked below).
    await tab.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: scheme }]);
    const result = await lighthouse(BASE + page.path, { logLevel: 'error', output: 'json' },
      lighthouseConfig(size, categories, page), tab);
    if (!result) throw new Error('Lighthouse returned nothing');
    const dark = await tab.evaluate(() => matchMedia('(prefers-color-scheme: dark)').matches);
    if (dark !== (scheme === 'dark')) throw new Error(`the page did not see prefers-color-scheme: ${scheme}`);
    return result.lhr;
  } finally {
    await tab.closeAll();
  }
}

function expectedReason(expected, id, audit, url) {
  const e = expected[id];
  return typeof e === 'function' ? e(audit, url) : e ?? null;
}

// A category's score without the audits expected to fail on this page.
function scoreWithout(lhr, category, expected) {
  let sum = 0;
  let weights = 0;
  for (const ref of lhr.categories[category].auditRefs) {
    const audit = lhr.audits[ref.id];
    if (!ref.weight || audit.score === null || audit.scoreDisplayMode === 'notApplicable') continue;
    if (audit.score < 1 && expectedReason(expected, ref.id, audit, lhr.finalDisplayedUrl)) continue;
    sum += ref.weight * audit.score;
    weights += ref.weight;
  }
  return weights ? Math.round((sum / weights) * 100) : null;
}

const METRICS = ['first-contentful-paint', 'largest-contentful-paint', 'total-blocking-time',
  'cumulative-layout-shift', 'speed-index'];
const METRIC_SHORT = {
  'first-contentful-paint': 'FCP', 'largest-contentful-paint': 'LCP', 'total-blocking-time': 'TBT',
  'cumulative-layout-shift': 'CLS', 'speed-index': 'SI',
};
const metricLine = (lhr) => METRICS.map((id) => `${METRIC_SHORT[id]} ${lhr.audits[id]?.displayValue ?? '?'}`).join(', ');

// What a developer needs from an audit's details: element, URL or message.
function detailLines(details) {
  const lines = [];
  const items = details?.items ?? [];
  for (const item of items) lines.push(...itemLines(item));
  return lines;
}

function itemLines(item) {
  if (!item || typeof item !== 'object') return [];
  if (item.type === 'table' || item.type === 'list') return detailLines(item);
  // color-contrast and target-size name the element next to the offending one.
  if (item.relatedNode) return [`related: ${item.relatedNode.selector ?? '?'}  ${oneLine(item.relatedNode.snippet ?? '')}`];
  const out = [];
  const node = item.node ?? (item.type === 'node' ? item : null);
  if (node) {
    out.push(`${node.selector ?? node.path ?? '?'}  ${oneLine(node.snippet ?? '')}${node.explanation ? `  (${oneLine(node.explanation)})` : ''}`);
  } else {
    const parts = [];
    for (const key of ['description', 'source', 'value', 'issueType', 'failureReason', 'reason']) {
      const v = item[key];
      if (typeof v === 'string' || typeof v === 'number') parts.push(String(v));
      else if (v?.type === 'node') parts.push(`${v.selector ?? '?'}  ${oneLine(v.snippet ?? '')}`);
      else if (v?.type === 'source-location' && v.url !== item.url) parts.push(v.url);
    }
    const url = item.url ?? item.sourceLocation?.url;
    if (url && !parts.includes(url)) parts.push(url);
    if (parts.length) out.push(oneLine(parts.join('  ')));
    else out.push(oneLine(JSON.stringify(item)).slice(0, 200));
  }
  if (item.subItems?.items) {
    for (const sub of item.subItems.items) out.push(...itemLines(sub).map((l) => `  ${l}`));
  }
  return out;
}

const oneLine = (s) => String(s).replace(/\s+/g, ' ').trim().slice(0, 300);

// Failing audits of a category: scored ones, and for performance also the
// opportunities and diagnostics Lighthouse marks as failed (red).
function failingAudits(lhr, category) {
  const found = [];
  for (const ref of lhr.categories[category].auditRefs) {
    const audit = lhr.audits[ref.id];
    if (!audit || audit.score === null || audit.score >= 1) continue;
    if (['notApplicable', 'informative', 'manual', 'error'].includes(audit.scoreDisplayMode)) continue;
    if (!ref.weight && !(category === 'performance' && audit.scoreDisplayMode === 'metricSavings' && audit.score < 0.5)) continue;
    found.push({ id: ref.id, weight: ref.weight, audit });
  }
  return found;
}

// ------------------------------------------------------------------ axe-core

const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const AXE_VERSION = require('axe-core/package.json').version;

async function runAxe(browser, page, scheme, size) {
  const tab = await freshTab(browser);
  try {
    await tab.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: scheme }]);
    await tab.setViewport({
      width: size.width, height: size.height, deviceScaleFactor: size.deviceScaleFactor,
      isMobile: size.mobile, hasTouch: size.mobile,
    });
    await tab.goto(BASE + page.path, { waitUntil: 'networkidle0', timeout: 30000 });
    // Evaluated through the DevTools protocol: the site's Content-Security-Policy
    // (no inline script) does not apply, and the page itself is unchanged.
    await tab.evaluate(AXE_SOURCE);
    return await tab.evaluate(async (tags) => {
      const result = await window.axe.run(document, {
        runOnly: { type: 'tag', values: [...tags, 'best-practice'] },
        resultTypes: ['violations'],
      });
      return result.violations.map((v) => ({
        id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
        wcag: v.tags.some((t) => tags.includes(t)),
        nodes: v.nodes.map((n) => ({ target: n.target.join(' '), html: n.html, summary: n.failureSummary })),
      }));
    }, WCAG_TAGS);
  } finally {
    await tab.closeAll();
  }
}

// ------------------------------------------------------------------ Nu HTML Checker

// The icon a browser asks for: the page's <link rel="icon">, else
// /favicon.ico. Lighthouse sees a missing one only now and then (as a
// console error, when the browser asks before the run ends); this asks
// every time.
async function iconStatus(html) {
  const links = [...html.matchAll(/<link\b[^>]*>/gi)].map((m) => m[0])
    .filter((tag) => /\brel=["']?(shortcut )?icon\b/i.test(tag));
  const hrefs = links.map((tag) => (tag.match(/\bhref=["']([^"']*)["']/i) ?? [])[1]).filter(Boolean);
  const out = [];
  for (const href of hrefs.length ? hrefs : ['/favicon.ico']) {
    const url = new URL(href.replace(/&amp;/g, '&'), BASE + '/').href;
    const response = await fetch(url);
    out.push({ href, url, status: response.status, type: response.headers.get('content-type') });
  }
  return out;
}

async function runNu() {
  const files = [];
  for (const page of PAGES) {
    const response = await fetch(BASE + page.path, { redirect: 'follow' });
    const file = join(OUT, 'html', `${page.name}.html`);
    const html = await response.text();
    writeFileSync(file, html);
    files.push({ page, file, status: response.status, icons: await iconStatus(html) });
  }
  const jar = require.resolve('vnu-jar/build/dist/vnu.jar');
  const java = spawnSync('java', ['-jar', jar, '--format', 'json', '--exit-zero-always',
    ...files.map((f) => f.file)], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (java.error) throw new Error(`could not run java: ${java.error.message}`);
  let messages;
  try {
    ({ messages } = JSON.parse(java.stderr || java.stdout));
  } catch {
    throw new Error(`the Nu HTML Checker did not answer JSON: ${(java.stderr || '').slice(0, 500)}`);
  }
  const version = spawnSync('java', ['-jar', jar, '--version'], { encoding: 'utf8' }).stdout.trim();
  return {
    version,
    pages: files.map(({ page, status, icons }) => {
      const own = messages.filter((m) => m.url && decodeURIComponent(m.url).endsWith(`/${page.name}.html`));
      return {
        page: page.name, status, icons,
        errors: own.filter((m) => m.type === 'error' || m.type === 'non-document-error'),
        warnings: own.filter((m) => m.type === 'info' && m.subType === 'warning'),
      };
    }),
  };
}

// ------------------------------------------------------------------ run

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const browser = await puppeteer.launch({
  executablePath: CHROME,
  headless: true,
  args: [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), '--disable-dev-shm-usage'],
});
const chromeVersion = await browser.version();
const rows = [];
const findings = []; // { tool, id, page, combo, title, lines, expected }
let nu;
try {
  for (const page of PAGES) {
    for (const size of WIDTHS) {
      for (const scheme of SCHEMES) {
        const combo = `${scheme} ${size.width}`;
        const label = `${page.name} (${page.path}) ${combo}`;
        const row = { page: page.name, path: page.path, scheme, width: size.width };
        const expected = EXPECTED[page.name] ?? {};

        log(`lighthouse ${label}`);
        let lhr;
        try {
          lhr = await runLighthouse(browser, page, scheme, size, CATEGORIES);
        } catch (e) {
          row.error = `lighthouse: ${e.message}`;
        }
        if (lhr?.runtimeError) row.error = `lighthouse: ${lhr.runtimeError.code} ${lhr.runtimeError.message}`;
        if (lhr && !row.error) {
          const file = `${page.name}-${scheme}-${size.width}.json`;
          writeFileSync(join(OUT, 'lighthouse', file), JSON.stringify(lhr));
          for (const cat of CATEGORIES) {
            const raw = lhr.categories[cat].score === null ? null : Math.round(lhr.categories[cat].score * 100);
            row[cat] = raw;
            row[`${cat}:verdict`] = Object.keys(expected).length ? scoreWithout(lhr, cat, expected) : raw;
          }
          row.metrics = metricLine(lhr);
          // Performance on a shared machine varies: below 100, run it again
          // and keep the median of the runs.
          if ((row.performance < 100 || PERF_ALWAYS) && PERF_RUNS > 1) {
            const scores = [row.performance];
            const lines = [metricLine(lhr)];
            for (let i = 1; i < PERF_RUNS; i++) {
              log(`lighthouse ${label}: performance again (${i + 1} of ${PERF_RUNS})`);
              try {
                const again = await runLighthouse(browser, page, scheme, size, ['performance']);
                if (again.categories.performance.score === null) throw new Error(again.runtimeError?.message ?? 'no score');
                scores.push(Math.round(again.categories.performance.score * 100));
                lines.push(metricLine(again));
              } catch (e) {
                log(`  that run failed (${e.message}); the median is of the others`);
              }
            }
            row.performanceRuns = scores;
            row.performance = median(scores);
            row['performance:verdict'] = row.performance;
            row.metrics = lines.map((l, i) => `run ${i + 1} (${scores[i]}): ${l}`).join('; ');
          }
          for (const cat of CATEGORIES) {
            if (row[cat] === 100) {
              if (cat === 'performance' && row.performanceRuns) {
                findings.push({
                  tool: 'lighthouse', category: cat, id: 'metrics (100)', page: page.name, path: page.path, combo,
                  title: 'performance: the median of the runs is 100', info: true,
                  lines: [`${combo}: median ${row.performance} of ${row.performanceRuns.join(', ')}; ${row.metrics}`],
                  expected: null,
                });
              }
              continue;
            }
            for (const { id, weight, audit } of failingAudits(lhr, cat)) {
              const lines = cat === 'performance' ? [] : detailLines(audit.details);
              if (audit.explanation) lines.unshift(oneLine(audit.explanation));
              findings.push({
                tool: 'lighthouse', category: cat, id, page: page.name, path: page.path, combo,
                title: `${audit.title}${audit.displayValue ? ` (${audit.displayValue})` : ''}${weight ? '' : ' [not scored]'}`,
                lines, expected: expectedReason(expected, id, audit, lhr.finalDisplayedUrl),
              });
            }
            if (cat === 'performance') {
              findings.push({
                tool: 'lighthouse', category: cat, id: 'metrics', page: page.name, path: page.path, combo,
                title: 'performance below 100; the metrics (Lighthouse simulates a slow network and CPU)',
                lines: [`${combo}: ${row.performanceRuns ? `median ${row.performance} of ${row.performanceRuns.join(', ')}; ` : ''}${row.metrics}`],
                expected: null,
              });
            }
          }
        }

        log(`axe-core ${label}`);
        try {
          const violations = await runAxe(browser, page, scheme, size);
          writeFileSync(join(OUT, 'axe', `${page.name}-${scheme}-${size.width}.json`), JSON.stringify(violations, null, 1));
          row.axe = violations.filter((v) => v.wcag).reduce((n, v) => n + v.nodes.length, 0);
          row.axeBest = violations.filter((v) => !v.wcag).reduce((n, v) => n + v.nodes.length, 0);
          for (const v of violations) {
            findings.push({
              tool: v.wcag ? 'axe' : 'axe best-practice', id: v.id, page: page.name, path: page.path, combo,
              title: `${v.help} [${v.impact}] ${v.helpUrl.replace(/\?.*/, '')}`,
              lines: v.nodes.map((n) => `${n.target}  ${oneLine(n.html)}${n.summary ? `  (${oneLine(n.summary.replace(/^Fix (any|all) of the following:/, ''))})` : ''}`),
              expected: null,
            });
          }
        } catch (e) {
          row.error = `${row.error ? `${row.error}; ` : ''}axe: ${e.message}`;
        }
        rows.push(row);
      }
    }
  }
} finally {
  await browser.close();
}

log('Nu HTML Checker');
try {
  nu = await runNu();
} catch (e) {
  nu = { error: e.message, pages: [] };
}
for (const p of nu.pages) {
  for (const m of p.errors) {
    findings.push({
      tool: 'nu', id: 'error', page: p.page, path: PAGES.find((x) => x.name === p.page).path, combo: 'html',
      title: oneLine(m.message),
      lines: [`line ${m.lastLine ?? '?'}: ${oneLine(m.extract ?? '')}`], expected: null,
    });
  }
  for (const icon of p.icons.filter((i) => i.status !== 200)) {
    findings.push({
      tool: 'lighthouse', category: 'best-practices', id: 'errors-in-console (icon)', page: p.page,
      path: PAGES.find((x) => x.name === p.page).path, combo: 'html',
      title: `the icon the browser asks for answers ${icon.status}, a console error whenever Chromium asks in time`,
      lines: [`${icon.href} -> ${icon.url} ${icon.status}`], expected: null,
    });
  }
  for (const m of p.warnings) {
    findings.push({
      tool: 'nu warning', id: 'warning', page: p.page, path: PAGES.find((x) => x.name === p.page).path, combo: 'html',
      title: oneLine(m.message),
      lines: [`line ${m.lastLine ?? '?'}: ${oneLine(m.extract ?? '')}`], expected: null,
    });
  }
}

// ------------------------------------------------------------------ print

const pad = (s, n) => String(s).padEnd(n);
const cell = (row, cat) => {
  if (row[cat] === undefined || row[cat] === null) return 'n/a';
  const v = row[`${cat}:verdict`];
  return v !== row[cat] ? `${row[cat]}(${v}*)` : String(row[cat]);
};
const out = [];
out.push('');
out.push(`Lectern reader pages at ${BASE}: ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}`);
out.push(`${cpus().length} cores; load average ${LOAD_BEFORE} before, ${loadavg()[0].toFixed(2)} after ` +
  '(other work on the machine lowers Lighthouse performance figures)');
out.push(`Lighthouse ${lighthouseVersion()}, axe-core ${AXE_VERSION}, Nu HTML Checker ${nu.version ?? '?'}, ${chromeVersion}`);
out.push('targets: Lighthouse 100 in each category; axe-core 0 violations (tags ' +
  `${WCAG_TAGS.join(', ')}); Nu HTML Checker 0 errors. axe-bp (best-practice rules) is shown, not a target.`);
out.push('');
const header = ['page', 'path', 'scheme', 'width', 'perf', 'a11y', 'bp', 'seo', 'axe', 'axe-bp'];
const table = [header];
for (const r of rows) {
  table.push([r.page, r.path, r.scheme, r.width, cell(r, 'performance'), cell(r, 'accessibility'),
    cell(r, 'best-practices'), cell(r, 'seo'), r.axe ?? 'n/a', r.axeBest ?? 'n/a']);
}
const widths = header.map((_, i) => Math.max(...table.map((r) => String(r[i]).length)));
for (const r of table) out.push(r.map((c, i) => pad(c, widths[i])).join('  ').trimEnd());
for (const r of rows.filter((r) => r.error)) out.push(`error: ${r.page} ${r.scheme} ${r.width}: ${r.error}`);
if (rows.some((r) => CATEGORIES.some((c) => r[c] !== r[`${c}:verdict`]))) {
  out.push('* score without the audits this page fails by design (listed below as "expected"); the verdict uses it');
}
out.push('');
if (nu.error) out.push(`Nu HTML Checker: error: ${nu.error}`);
else {
  out.push('Nu HTML Checker (the HTML as served): ' +
    nu.pages.map((p) => `${p.page} ${p.errors.length} errors, ${p.warnings.length} warnings`).join('; '));
}
out.push('');

// Verdicts against the targets.
const verdicts = [];
const worst = (key) => rows.filter((r) => r[key] !== undefined && r[key] !== null)
  .reduce((w, r) => (w === null || r[key] < w[key] ? r : w), null);
for (const cat of CATEGORIES) {
  const key = `${cat}:verdict`;
  const w = worst(key);
  const missing = rows.filter((r) => r[key] === undefined || r[key] === null).length;
  const ok = w && w[key] === 100 && !missing;
  verdicts.push([`Lighthouse ${cat} = 100`, ok ? 'PASS' : 'MISS',
    w ? `lowest ${w[key]} (${w.page} ${w.scheme} ${w.width})${missing ? `, ${missing} runs failed` : ''}` : 'no result']);
}
{
  const total = rows.reduce((n, r) => n + (r.axe ?? 0), 0);
  const missing = rows.filter((r) => r.axe === undefined).length;
  const pages = [...new Set(rows.filter((r) => r.axe).map((r) => r.page))];
  verdicts.push(['axe-core WCAG 2.1 A/AA violations = 0', total === 0 && !missing ? 'PASS' : 'MISS',
    `${total} elements in ${rows.filter((r) => r.axe).length} of ${rows.length} runs${pages.length ? ` (${pages.join(', ')})` : ''}${missing ? `, ${missing} runs failed` : ''}`]);
  const best = rows.reduce((n, r) => n + (r.axeBest ?? 0), 0);
  verdicts.push(['axe-core best-practice rules (not a target)', 'info', `${best} elements`]);
}
{
  const bad = nu.pages.filter((p) => p.icons.some((i) => i.status !== 200));
  verdicts.push(['page icon answers 200 (for best practices)', !nu.error && !bad.length ? 'PASS' : 'MISS',
    nu.error ? 'not checked' : bad.length ? `missing on ${bad.map((p) => p.page).join(', ')}: ${[...new Set(bad.flatMap((p) => p.icons.filter((i) => i.status !== 200).map((i) => `${i.href} ${i.status}`)))].join(', ')}` : [...new Set(nu.pages.flatMap((p) => p.icons.map((i) => i.href)))].join(', ')]);
}
{
  const total = nu.pages.reduce((n, p) => n + p.errors.length, 0);
  verdicts.push(['Nu HTML Checker errors = 0', !nu.error && total === 0 ? 'PASS' : 'MISS',
    nu.error ? 'did not run' : `${total} errors on ${nu.pages.filter((p) => p.errors.length).length} of ${nu.pages.length} pages`]);
}
const vw = [0, 1, 2].map((i) => Math.max(...verdicts.map((v) => v[i].length)));
out.push('target'.padEnd(vw[0]) + '  result  figure');
for (const v of verdicts) out.push(`${pad(v[0], vw[0])}  ${pad(v[1], 6)}  ${v[2]}`);
out.push('');

// Findings: one block per tool and audit or rule (per message for the Nu
// HTML Checker), then each page it was seen on, with the scheme and width
// combinations, and the elements or messages.
const groups = new Map();
for (const f of findings) {
  const rule = `${f.tool}|${f.category ?? ''}|${f.id}|${f.tool.startsWith('nu') ? f.title : ''}|${f.expected ?? ''}`;
  if (!groups.has(rule)) groups.set(rule, { ...f, pages: new Map() });
  const pages = groups.get(rule).pages;
  if (!pages.has(f.page)) pages.set(f.page, { path: f.path, title: f.title, combos: [], lines: [] });
  const g = pages.get(f.page);
  if (!g.combos.includes(f.combo)) g.combos.push(f.combo);
  for (const l of f.lines) if (!g.lines.includes(l)) g.lines.push(l);
}
if (groups.size) {
  out.push('Findings (MISS: counts against a target; expected: fails by design, left out of the verdict; info: not a target):');
  const order = { lighthouse: 0, axe: 1, nu: 2, 'axe best-practice': 3, 'nu warning': 4 };
  const sorted = [...groups.values()].sort((a, b) => order[a.tool] - order[b.tool] ||
    (a.category ?? '').localeCompare(b.category ?? '') || a.id.localeCompare(b.id));
  for (const g of sorted) {
    const tag = g.expected ? 'expected' : g.info || ['axe best-practice', 'nu warning'].includes(g.tool) ? 'info' : 'MISS';
    const id = g.category ? `${g.category}/${g.id}` : g.id;
    out.push(`${tag} ${g.tool} ${id}: ${g.title}`);
    if (g.expected) out.push(`    expected: ${g.expected}`);
    for (const [name, p] of g.pages) {
      const where = p.combos[0] === 'html' ? 'fetched' : p.combos.length === 4 ? 'light and dark, 1280 and 390' : p.combos.join(', ');
      out.push(`  ${name} ${p.path} [${where}]${p.title !== g.title ? `: ${p.title}` : ''}`);
      const shown = p.lines.slice(0, 8);
      for (const l of shown) out.push(`      ${l}`);
      if (p.lines.length > shown.length) out.push(`      … ${p.lines.length - shown.length} more (see ${OUT})`);
    }
  }
  out.push('');
}
out.push(`reports: ${OUT} (Lighthouse JSON per run, axe JSON, the HTML checked, summary.json); ` +
  `measured in ${((Date.now() - started) / 1000).toFixed(0)} s`);
console.log(out.join('\n'));

writeFileSync(join(OUT, 'summary.json'), JSON.stringify({ base: BASE, rows, nu, findings, verdicts }, null, 1));
const missed = verdicts.some((v) => v[1] === 'MISS');
process.exit(missed && !REPORT_ONLY ? 1 : 0);

function lighthouseVersion() {
  try {
    return require('lighthouse/package.json').version;
  } catch {
    return '?';
  }
}
