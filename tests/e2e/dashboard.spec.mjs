// SPDX-License-Identifier: Apache-2.0
// The dashboard in a real browser (issue 7), run by tests/e2e/run.sh: playwright-core (from
// web/node_modules, pinned by web/package-lock.json) drives Debian's chromium headless against
// real `bouncewatch serve` processes. Every step asserts what a person would see; screenshots
// of every page go to $BW_SHOTS. Exits non-zero on the first failure.
import {execFileSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '..', '..', 'web', 'package.json'));
const {chromium} = require('playwright-core');

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (run tests/e2e/run.sh)`);
  return v;
};
const URL_MAIN = env('BW_URL');
const URL_SHORT = env('BW_SHORT_URL');
const ADMIN = env('BW_ADMIN_TOKEN').trim();
const SHORT_ADMIN = env('BW_SHORT_ADMIN_TOKEN').trim();
const READER = env('BW_READ_TOKEN').trim();
const BIN = env('BW_BIN');
const CONFIG = env('BW_CONFIG');
const SHOTS = env('BW_SHOTS');
const TIMEOUT = 15000;

let step = 0;
function log(msg) { console.log(`[${(++step).toString().padStart(2, '0')}] ${msg}`); }
function check(cond, msg) { if (!cond) throw new Error('check failed: ' + msg); }
async function shot(page, name) {
  await page.screenshot({path: path.join(SHOTS, name + '.png'), fullPage: true});
}
function simulate(...args) {
  return execFileSync(BIN, ['--config', CONFIG, 'simulate', ...args], {encoding: 'utf8'});
}

// Console errors (CSP violations, exceptions) fail the test.
const problems = [];
function watch(page, label) {
  page.on('pageerror', (e) => problems.push(`${label}: page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/401|403|404|400/.test(m.text())) {
      problems.push(`${label}: console error: ${m.text()}`);
    }
  });
}

async function signIn(page, url, token) {
  await page.goto(url + '/');
  await page.locator('#signin-form').waitFor({timeout: TIMEOUT});
  await page.fill('#token', token);
  await page.click('#signin-form button[type=submit]');
}

async function levelOf(page, id) {
  return page.locator(`#${id} .badge`).getAttribute('data-level');
}

const browser = await chromium.launch({
  executablePath: env('BW_CHROMIUM'),
  headless: true,
  args: ['--no-sandbox', '--disable-dev-shm-usage'],
});
try {
  // --- Desktop, admin.
  const ctx = await browser.newContext({viewport: {width: 1280, height: 900}, acceptDownloads: true});
  const page = await ctx.newPage();
  page.setDefaultTimeout(TIMEOUT);
  watch(page, 'admin');
  page.on('dialog', (d) => d.accept());

  log('the sign-in page');
  await page.goto(URL_MAIN + '/');
  await page.locator('#signin-form').waitFor();
  await shot(page, '01-signin');

  log('a wrong token: a clear message, still on the sign-in page');
  await page.fill('#token', 'bw_this-is-not-a-token');
  await page.click('#signin-form button[type=submit]');
  await page.locator('#signin-error:not([hidden])').waitFor();
  const wrong = await page.textContent('#signin-error');
  check(/not valid/i.test(wrong), 'wrong-token message: ' + wrong);
  await shot(page, '02-signin-wrong-token');

  log('sign in as admin: the overview, nothing sent yet');
  await page.fill('#token', ADMIN);
  await page.click('#signin-form button[type=submit]');
  await page.locator('#levels').waitFor();
  check((await page.textContent('#who-name')).includes('admin'), 'who-name shows the token');
  const cookies = await ctx.cookies();
  const c = cookies.find((x) => x.name === 'bw_session');
  check(c && c.httpOnly && c.sameSite === 'Strict', 'HttpOnly SameSite=Strict cookie: ' +
    JSON.stringify(cookies));
  check(await page.evaluate(() => document.cookie) === '', 'the cookie is invisible to scripts');
  const bounceBefore = await levelOf(page, 'bounce-level');
  const complaintBefore = await levelOf(page, 'complaint-level');
  check(bounceBefore === 'ok' && complaintBefore === 'ok',
    `levels before: ${bounceBefore}/${complaintBefore}`);
  await page.locator('#no-data').waitFor();
  await shot(page, '03-overview-empty');

  log('simulate deliveries, bounces and a complaint');
  simulate('success', '--count', '20', '--label', 'ok');
  for (const label of ['bad1', 'bad2', 'bad3']) simulate('bounce', '--count', '2', '--label', label);
  simulate('complaint', '--count', '1', '--label', 'angry');

  log('the overview again: the badges changed, the chart has data');
  await page.reload();
  await page.locator('#levels').waitFor();
  const bounceAfter = await levelOf(page, 'bounce-level');
  const complaintAfter = await levelOf(page, 'complaint-level');
  check(bounceAfter !== 'ok', 'bounce level after 6 of 26 bounced: ' + bounceAfter);
  check(complaintAfter !== 'ok', 'complaint level after 1 of 27: ' + complaintAfter);
  check(await page.locator('#no-data').count() === 0, 'the chart has points');
  check(await page.locator('#bounce-chart canvas').count() === 1, 'a bounce chart');
  check(await page.locator('#complaint-chart canvas').count() === 1, 'a complaint chart');
  const legend = await page.textContent('#bounce-chart');
  check(/Warning/.test(legend) && /At risk/.test(legend) && /2 % recommendation/.test(legend),
    'threshold lines in the legend: ' + legend);
  check(await page.locator('#low-confidence').count() === 1, 'a low-confidence hint with few sends');
  const counts24 = await page.textContent('#counts tr[data-key=hard_bounces] td');
  check(counts24.trim() === '6', '24 h hard bounces: ' + counts24);
  check((await page.textContent('#domains')).includes('simulator.amazonses.com'),
    'the worst domains list the simulator domain');
  await shot(page, '04-overview');

  log('events: the bounce tab, then one event in detail');
  await page.click('nav a[data-page=events]');
  await page.locator('#events tbody tr').first().waitFor();
  check(await page.locator('#events tbody tr').count() === 6, 'six bounces in the bounce tab');
  await shot(page, '05-events-bounce');
  await page.click('#event-tabs a[data-type=complaint]');
  await page.locator('#events tbody tr[data-type=complaint]').first().waitFor();
  check(await page.locator('#events tbody tr').count() === 1, 'one complaint in its tab');
  await page.fill('#event-search', 'nobody.example');
  await page.press('#event-search', 'Enter');
  await page.locator('#events-status', {hasText: 'No events match'}).waitFor();
  await page.click('#event-tabs a[data-type=bounce]');
  // The tab re-renders the view (a new search field): fill the new one, not the old one.
  await page.locator('#event-tabs a.active[data-type=bounce]').waitFor();
  await page.fill('#event-search', 'simulator.amazonses.com');
  await page.press('#event-search', 'Enter');
  await page.locator('#events tbody tr').nth(5).waitFor();
  await page.locator('#events tbody tr a').first().click();
  await page.locator('#event-detail').waitFor();
  check((await page.textContent('#smtp-status')) === '5.1.1', 'SMTP status 5.1.1');
  check(/550 5\.1\.1/.test(await page.textContent('#diagnostic')), 'the diagnostic');
  const raw = await page.textContent('#raw');
  check(raw.includes('"notificationType"') && raw.includes('Bounce'), 'the raw notification');
  await shot(page, '06-event-detail');

  log('suppressions: the bounced addresses are there; add, refuse an invalid one, remove');
  await page.click('nav a[data-page=suppressions]');
  await page.locator('#suppressions tbody tr').first().waitFor();
  for (const label of ['bad1', 'bad2', 'bad3']) {
    await page.locator(`#suppressions tr[data-key="bounce+${label}@simulator.amazonses.com"]`).waitFor();
  }
  const listed = await page.locator('#suppressions tbody tr').count();
  await page.fill('#add-address', 'Manual.Person@Example.ORG');
  await page.fill('#add-note', 'asked to be removed from all lists');
  await page.click('#add-form button[type=submit]');
  await page.locator('#supp-message.ok', {hasText: 'Suppressed'}).waitFor();
  await page.locator('#suppressions tr[data-key="manual.person@example.org"]').waitFor();
  await shot(page, '07-suppressions');
  await page.fill('#add-address', 'not an address');
  await page.click('#add-form button[type=submit]');
  await page.locator('#supp-message.error').waitFor();
  const invalid = await page.textContent('#supp-message');
  check(invalid.length > 10 && !/undefined|Error:/.test(invalid), 'invalid address message: ' + invalid);
  await shot(page, '08-suppressions-invalid');
  await page.click('#suppressions tr[data-key="manual.person@example.org"] button.remove');
  await page.locator('#supp-message.ok', {hasText: 'Removed'}).waitFor();
  check(await page.locator('#suppressions tr[data-key="manual.person@example.org"]').count() === 0,
    'the removed address is gone');
  const first = 'bounce+bad1@simulator.amazonses.com';
  await page.click(`#suppressions tr[data-key="${first}"] button.remove`);
  await page.locator('#supp-message.ok', {hasText: 'Removed bounce+bad1'}).waitFor();
  await page.locator('#supp-status', {hasText: `${listed - 1} address`}).waitFor();

  log('export: a CSV download of the list');
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#export')]);
  const csv = readFileSync(await dl.path(), 'utf8');
  check(/^EmailAddress,Reason/m.test(csv), 'CSV header: ' + csv.slice(0, 80));
  check(csv.trim().split('\n').length === listed, `${listed - 1} addresses exported: ` + csv);
  check(!csv.includes(first), 'the un-suppressed address is not exported');
  check(dl.suggestedFilename().endsWith('.csv'), 'file name ' + dl.suggestedFilename());

  log('import: an invalid line refuses the file; skipping it imports the rest');
  const file = {name: 'list.csv', mimeType: 'text/csv',
    buffer: Buffer.from('EmailAddress,Reason\nimported@example.net,BOUNCE\nnot-an-address,BOUNCE\n')};
  await page.setInputFiles('#import-file', file);
  await page.click('#import-form button[type=submit]');
  await page.locator('#supp-message.error', {hasText: 'line 3'}).waitFor();
  check(await page.locator('#suppressions tr[data-key="imported@example.net"]').count() === 0,
    'nothing imported from a file with an invalid line');
  await page.setInputFiles('#import-file', file);
  await page.check('#import-skip');
  await page.click('#import-form button[type=submit]');
  await page.locator('#supp-message.ok', {hasText: 'Imported 1 address'}).waitFor();
  await page.locator('#suppressions tr[data-key="imported@example.net"]').waitFor();

  log('setup: endpoint, topics, commands');
  await page.click('nav a[data-page=setup]');
  await page.locator('#endpoint-url').waitFor();
  check((await page.textContent('#endpoint-url')).endsWith('/webhooks/sns'), 'endpoint URL');
  check((await page.textContent('#topics')).includes('ses-feedback'), 'the topic');
  await page.fill('#identity', 'mail.example.com');
  const cmds = await page.textContent('#commands');
  check(cmds.includes('aws sns subscribe') &&
    cmds.includes('--identity mail.example.com --notification-type Bounce'), 'commands: ' + cmds);
  await shot(page, '09-setup');

  log('a phone-sized viewport');
  const phone = await browser.newContext({viewport: {width: 390, height: 844},
    deviceScaleFactor: 2, isMobile: true, hasTouch: true});
  const mp = await phone.newPage();
  mp.setDefaultTimeout(TIMEOUT);
  watch(mp, 'phone');
  await signIn(mp, URL_MAIN, ADMIN);
  await mp.locator('#levels').waitFor();
  await mp.locator('#bounce-chart canvas').waitFor();
  // Informational (not asserted: timings on a shared 2-core machine are noisy).
  const t0 = Date.now();
  await mp.reload();
  await mp.locator('#bounce-chart canvas').waitFor();
  const nav = await mp.evaluate(() => {
    const n = performance.getEntriesByType('navigation')[0];
    const bytes = performance.getEntriesByType('resource').reduce((a, r) => a + r.transferSize, 0);
    return {dcl: Math.round(n.domContentLoadedEventEnd), bytes: bytes + n.transferSize};
  });
  console.log(`     phone overview: reload to chart ${Date.now() - t0} ms, DOMContentLoaded ` +
    `${nav.dcl} ms, ${nav.bytes} bytes transferred`);
  const overflow = await mp.evaluate(() => document.documentElement.scrollWidth > innerWidth + 1);
  check(!overflow, 'no sideways scrolling on a phone');
  await shot(mp, '10-phone-overview');
  await mp.click('nav a[data-page=events]');
  await mp.locator('#events tbody tr').first().waitFor();
  await shot(mp, '11-phone-events');
  await mp.locator('#events tbody tr a').first().click();
  await mp.locator('#event-detail').waitFor();
  await shot(mp, '12-phone-event');
  await phone.close();

  log('sign out');
  await page.click('#sign-out');
  await page.locator('#signin-form').waitFor();
  await page.goto(URL_MAIN + '/#/suppressions');
  await page.locator('#signin-form').waitFor();

  // --- Read-only token: no write buttons.
  log('a read-only token sees no write buttons');
  const rctx = await browser.newContext({viewport: {width: 1280, height: 900}});
  const rp = await rctx.newPage();
  rp.setDefaultTimeout(TIMEOUT);
  watch(rp, 'reader');
  await signIn(rp, URL_MAIN, READER);
  await rp.locator('#levels').waitFor();
  await rp.click('nav a[data-page=suppressions]');
  await rp.locator('#suppressions tbody tr').first().waitFor();
  check(await rp.locator('#add-form').count() === 0, 'no add form');
  check(await rp.locator('#import-form').count() === 0, 'no import form');
  check(await rp.locator('button.remove').count() === 0, 'no remove buttons');
  check(await rp.locator('#export').count() === 1, 'export is a read');
  await shot(rp, '13-readonly-suppressions');
  await rctx.close();

  // --- Second server: an empty list, and a session that expires after 3 s.
  log('an empty export says so');
  const sctx = await browser.newContext({viewport: {width: 1280, height: 900}, acceptDownloads: true});
  const sp = await sctx.newPage();
  sp.setDefaultTimeout(TIMEOUT);
  watch(sp, 'short');
  let downloads = 0;
  sp.on('download', () => { downloads++; });
  await signIn(sp, URL_SHORT, SHORT_ADMIN);
  await sp.locator('#levels').waitFor();
  await sp.click('nav a[data-page=suppressions]');
  await sp.locator('#supp-status', {hasText: 'No suppressed addresses'}).waitFor();
  await sp.click('#export');
  await sp.locator('#supp-message.error', {hasText: 'empty'}).waitFor();
  check(downloads === 0, 'no file for an empty list');
  await shot(sp, '14-export-empty');

  log('an expired session sends you back to sign in, saying why');
  await sp.waitForTimeout(3500);
  await sp.click('nav a[data-page=events]');
  await sp.locator('#signin-error:not([hidden])').waitFor();
  const expired = await sp.textContent('#signin-error');
  check(/session expired/i.test(expired), 'expired message: ' + expired);
  await shot(sp, '15-session-expired');
  await sctx.close();

  log('an unknown path under the dashboard is a 404 page');
  const nf = await page.goto(URL_MAIN + '/no/such/page');
  check(nf.status() === 404 && /Not found/.test(await page.textContent('h1')), '404 page');
  await shot(page, '16-not-found');

  check(problems.length === 0, 'no console errors:\n' + problems.join('\n'));
  console.log(`dashboard e2e: ${step} steps passed; screenshots in ${SHOTS}`);
} catch (e) {
  console.error(e.stack || String(e));
  if (problems.length) console.error('console:\n' + problems.join('\n'));
  process.exitCode = 1;
} finally {
  await browser.close();
}
