// The browser half of bench/dashboard_bench.cpp: headless Debian chromium through playwright-core
// (executablePath; nothing downloads a browser). Prints figures; asks the bench to commit state
// changes ("flip K" on stdout; the bench answers "ID STATE COMMIT_EPOCH_MS" on stdin) and times
// each until the page shows it. Environment: DASH_URL, PLAYWRIGHT_CORE, CHROMIUM, ROUNDS.
import { createRequire } from 'node:module';
import readline from 'node:readline';

const env = process.env;
const { chromium } = createRequire(import.meta.url)(env.PLAYWRIGHT_CORE);
const rounds = Number(env.ROUNDS || 10);
const rl = readline.createInterface({ input: process.stdin });
const answers = rl[Symbol.asyncIterator]();
const median = v => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

const browser = await chromium.launch({ executablePath: env.CHROMIUM, headless: true,
                                        args: ['--no-sandbox', '--disable-gpu'] });
try {
  const loads = [];
  let page;
  for (let i = 0; i < Math.min(rounds, 5); i++) {
    if (page) await page.close();
    page = await browser.newPage();
    const t0 = Date.now();
    await page.goto(env.DASH_URL);
    await page.waitForFunction(() => document.querySelectorAll('#sessions tbody tr').length >= 100,
                               null, { timeout: 60000, polling: 'raf' });
    loads.push(Date.now() - t0);
  }
  // The floor in the same run: a new page loading a small static file from the same server.
  const floor = [];
  const css = new URL('/app.css', env.DASH_URL);
  css.search = new URL(env.DASH_URL).search;
  for (let i = 0; i < Math.min(rounds, 5); i++) {
    const p = await browser.newPage();
    const t0 = Date.now();
    await p.goto(css.href);
    floor.push(Date.now() - t0);
    await p.close();
  }
  console.log(`browser: floor, a new page loading the 2 KB stylesheet: ${median(floor)} ms (of ${floor.join(', ')})`);
  console.log(`browser: first load to the first page's 100 rows rendered: ${median(loads)} ms (of ${loads.join(', ')}; target < 300 ms)`);
  // "Show more": the next page of 100 under the first.
  const m0 = Date.now();
  await page.click('#more-sessions');
  await page.waitForFunction(() => document.querySelectorAll('#sessions tbody tr').length >= 200,
                             null, { timeout: 60000, polling: 'raf' });
  console.log(`browser: "Show more" to 200 rows: ${Date.now() - m0} ms`);
  await page.waitForFunction(() => document.getElementById('conn').textContent === 'live');
  const seen = [];
  for (let k = 0; k < rounds; k++) {
    console.log('flip ' + k);
    // The bench answers on stdin; its end means the bench gave up (say so, not a TypeError).
    const answer = await answers.next();
    if (answer.done) throw new Error('the bench closed stdin before answering flip ' + k);
    const [id, state, at] = answer.value.split(' ');
    await page.waitForSelector(`tr[data-session="${id}"][data-state="${state}"]`,
                               { timeout: 10000, state: 'attached' });
    seen.push(Date.now() - Number(at));
    await new Promise(r => setTimeout(r, 300));
  }
  console.log(`browser: commit -> new state shown: ${median(seen)} ms median, ${Math.max(...seen)} ms max (target < 500 ms)`);
} finally {
  await browser.close();
  rl.close();  // an open stdin would keep node running, and the bench waiting for its end
}

process.exit(0);  // only after success: a failure above exits 1 with its error
