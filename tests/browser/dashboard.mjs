// The dashboard in a real browser (issue 16 §2): Debian's chromium, headless, driven by
// playwright-core (no browser download: executablePath). Run by the e2e test
// DashboardBrowser.* (tests/e2e/dashboard_browser_test.cpp), which starts `orch dashboard` on a
// test home with the fake model and passes, in the environment: DASH_URL (with the token),
// ORCH_BIN, ORCH_HOME, REPO, OUT_DIR (screenshots), PLAYWRIGHT_CORE (the module's folder),
// CHROMIUM. Opens the page, slings a real OpenCode session and watches it appear and turn done
// without a reload, opens its diff (a hostile file name shows as text), stops another session
// from the page. Prints "ok" and exits 0, or the failure and exits 1.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';

const env = process.env;
const { chromium } = createRequire(import.meta.url)(env.PLAYWRIGHT_CORE);
const orch = (...args) => execFileSync(env.ORCH_BIN, ['--home', env.ORCH_HOME, ...args],
                                        { encoding: 'utf8' });
const sling = (unit, prompt) =>
  JSON.parse(orch('sling', unit, env.REPO, '-m', prompt, '--json', '--inactivity-timeout', '300s')).session;
const shot = (page, name) => page.screenshot({ path: path.join(env.OUT_DIR, name), fullPage: true });
function check(cond, what) {
  if (!cond) throw new Error('check failed: ' + what);
}

const browser = await chromium.launch({
  executablePath: env.CHROMIUM, headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
let page;
try {
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  let loads = 0;
  page.on('load', () => { loads += 1; });
  const consoleErrors = [];
  page.on('pageerror', e => consoleErrors.push(String(e)));
  await page.goto(env.DASH_URL);
  await page.waitForSelector('#sessions');
  await page.waitForFunction(() => document.getElementById('conn').textContent === 'live');
  await shot(page, '1-empty.png');

  // A real session appears and turns done, pushed by SSE: no reload.
  const done = sling('browser-unit', 'write-hostile');
  const row = `tr[data-session="${done}"]`;
  await page.waitForSelector(row, { timeout: 30000 });
  await page.waitForSelector(`${row}[data-state="done"]`, { timeout: 90000 });
  check(loads === 1, 'the page was loaded ' + loads + ' times');
  check((await page.textContent(`${row} td:nth-child(2)`)) === 'browser-unit', 'unit cell');
  await shot(page, '2-done.png');

  // Its page: the state timeline, the events, the diff with the file name as text.
  await page.click(`${row} a`);
  await page.waitForSelector('#session-state');
  await page.waitForFunction(() => document.querySelectorAll('#log li').length > 2);
  check((await page.textContent('#session-state')) === 'done', 'session state');
  await page.click('#show-diff');
  await page.waitForSelector('.diff-file');
  const file = await page.textContent('.diff-file h4');
  check(file === '<img src=x onerror=alert(1)>.md', 'diff file name: ' + file);
  check((await page.$$('.diff-file img')).length === 0, 'the file name became HTML');
  const added = await page.$$eval('.diff-hunk .add', ds => ds.map(d => d.textContent));
  check(added.join('|') === '+one|+two', 'added lines: ' + added.join('|'));
  await shot(page, '3-diff.png');

  // Another session, stopped from the sessions page.
  await page.click('#nav-sessions');
  await page.waitForSelector('#sessions');
  const hang = sling('browser-hang', 'very-slow');
  const hangRow = `tr[data-session="${hang}"]`;
  await page.waitForSelector(`${hangRow}[data-state="running"]`, { timeout: 30000 });
  page.once('dialog', d => d.accept());
  await page.click(`${hangRow} button.stop`);
  await page.waitForSelector(`${hangRow}[data-state="stopped"]`, { timeout: 30000 });
  await page.waitForFunction(id => document.getElementById('status').textContent ===
                             'session ' + id + ' stopped', hang);
  const cli = JSON.parse(orch('agents', '--all', '--json')).find(s => s.session === hang);
  check(cli.state === 'stopped', 'orch agents says ' + cli.state);
  check(loads === 1, 'the page was loaded ' + loads + ' times');
  check(consoleErrors.length === 0, 'page errors: ' + consoleErrors.join('; '));
  await shot(page, '4-stopped.png');
  console.log('ok');
} catch (e) {
  console.log('FAILED: ' + (e && e.stack ? e.stack : e));
  if (page) await shot(page, 'failure.png').catch(() => {});
  process.exitCode = 1;
} finally {
  await browser.close();
}
