// Browser check of the explorer page that vestd serves at GET / (docs/explorer.md): opens it
// in headless Chromium (playwright-core driving the Debian package) and compares what it
// shows with the node's own JSON-RPC answers, which this script reads itself.
//
// Usage: VEST_NPM_DIR=<folder with node_modules/playwright-core> VEST_CHROMIUM=<chromium> \
//          node explorer_check.mjs <node url> <screenshot folder> <buyer A> <buyer B> <markup name>
// The node runs `vestd --dev --instant` on genesis/devnet.json after the purchases, claims and
// stakes of tests/integration/web_test.cpp: buyer B holds stake, unbonding, positions with
// stake milestones and a Loyalty position whose "2 more units" part its later purchase met;
// a package is named <markup name>. Prints one line per check and exits 0
// when all pass, 1 when one fails, 2 on a usage error.
import { createRequire } from 'node:module';
import path from 'node:path';

const [url, outDir, buyerA, buyerB, markupName] = process.argv.slice(2);
const npmDir = process.env.VEST_NPM_DIR;
const chromium = process.env.VEST_CHROMIUM;
if (!url || !outDir || !buyerB || !markupName || !npmDir || !chromium) {
  console.error('usage: VEST_NPM_DIR=<dir> VEST_CHROMIUM=<path> node explorer_check.mjs <url> <out dir> <buyer A> <buyer B> <markup name>');
  process.exit(2);
}
const require = createRequire(path.join(path.resolve(npmDir), 'package.json'));
const { chromium: launcher } = require('playwright-core');

let failures = 0;
const problems = [];  // console errors and uncaught exceptions of the page
function check(condition, what, detail = '') {
  console.log(`${condition ? 'ok  ' : 'FAIL'} ${what}${!condition && detail ? ': ' + detail : ''}`);
  if (!condition) failures++;
}
function equal(actual, expected, what) {
  check(actual === expected, what, `got ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
}

let rpcId = 1;
async function rpc(method, params) {
  const response = await fetch(url, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: rpcId++, method, params }),
  });
  const answer = await response.json();
  if (answer.error) throw new Error(`${method}: ${answer.error.message}`);
  return answer.result;
}

// Base units as the page should show them, written independently of its format.js:
// the decimal point placed by string slicing, trailing zeros dropped, thousands with commas.
function units(raw, decimals) {
  const digits = raw.padStart(decimals + 1, '0');
  let whole = digits.slice(0, digits.length - decimals);
  const fraction = digits.slice(digits.length - decimals).replace(/0+$/, '');
  const groups = [];
  while (whole.length > 3) {
    groups.unshift(whole.slice(-3));
    whole = whole.slice(0, -3);
  }
  groups.unshift(whole);
  return groups.join(',') + (fraction ? '.' + fraction : '');
}

const browser = await launcher.launch({ executablePath: chromium, headless: true, args: ['--no-sandbox'] });
// Never hang a test run.
const deadline = setTimeout(async () => {
  console.error('FAIL: the checks did not finish within 180 s');
  await browser.close().catch(() => {});
  process.exit(1);
}, 180_000);

try {
  const assets = await rpc('chain_getAssets');
  const decimals = Object.fromEntries(assets.assets.map((a) => [a.symbol, a.decimals]));
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.text()} ${JSON.stringify(m.location())}`);
  });
  page.on('pageerror', (e) => problems.push(String(e)));
  const shot = async (name, fullPage = true) => {
    await page.screenshot({ path: path.join(outDir, name), fullPage });
  };
  // Waits until the view rendered `hash` (the router marks it).
  const open = async (hash) => {
    await page.evaluate((h) => { location.hash = h; }, hash);
    await page.waitForFunction((h) => document.getElementById('view').dataset.route === h
      && document.getElementById('view').getAttribute('aria-busy') === 'false', hash);
  };

  // Every JSON-RPC request the page makes: its HTTP POST and the methods it calls.
  const requests = [];
  page.on('request', (r) => {
    if (r.method() !== 'POST') return;
    const body = JSON.parse(r.postData() || 'null');
    requests.push((Array.isArray(body) ? body : [body]).map((c) => c.method));
  });

  // ---- the latest blocks, and a live update ----
  await page.goto(url + '/');
  await page.waitForSelector('#latest-blocks tbody tr');
  await page.waitForFunction(() => document.getElementById('view').getAttribute('aria-busy') === 'false');
  // What opening the home page cost, whatever the 12 blocks hold: the polling fallback's
  // chain_getBlock every 2 s is not part of it.
  const opening = requests.map((r) => r.filter((m) => m !== 'chain_getBlock' || r.length > 1)).filter((r) => r.length);
  const calls = opening.flat();
  console.log(`home page: ${opening.length} HTTP requests, ${calls.length} calls: ${opening.map((r) => r.join('+')).join(', ')}`);
  check(opening.length <= 3 && calls.length <= 7, 'the home page opens with at most 3 requests and 7 calls', JSON.stringify(opening));
  equal(calls.filter((m) => m === 'chain_getTransaction').length, 0, 'no transaction read one by one');
  equal(calls.filter((m) => m === 'chain_getBlocks').length, 1, 'the latest blocks in one chain_getBlocks');
  let status = await rpc('node_status');
  equal(await page.textContent('#latest-blocks tbody tr:first-child td:first-child'), String(status.height),
    'latest blocks start at the head');
  const head = await rpc('chain_getBlock', {});
  const rows = await page.$$eval('#latest-blocks tbody tr', (trs) => trs.map((tr) => tr.dataset.height));
  equal(rows.length, Math.min(12, status.height + 1), 'twelve latest blocks listed');
  check(rows.every((h, i) => Number(h) === status.height - i), 'blocks listed newest first, none missing', rows.join(','));
  equal(await page.getAttribute('#latest-blocks tbody tr:first-child td:last-child a', 'href'), `#/block/${head.hash}`,
    'the head row links its hash');
  const genesis = await rpc('chain_getGenesis', { limit: 1 });
  equal(await page.textContent('.card:first-child .card-value'), genesis.chainName, 'the chain card names the chain');
  // The newest transactions of the chain, newest first, as the node has them.
  const recent = (await rpc('chain_getBlocks', { fromHeight: Math.max(0, status.height - 11), toHeight: status.height, full: true }))
    .blocks.reverse().flatMap((b) => b.transactions.reverse().map((t) => t.hash)).slice(0, 12);
  equal(JSON.stringify(await page.$$eval('#latest-txs tbody tr', (trs) => trs.map((tr) => tr.dataset.tx))), JSON.stringify(recent),
    'the latest transactions are the chain\'s newest');
  // Purchases, referrals and milestones met: the newest ten of the last 250 blocks.
  const saleEvents = await rpc('chain_getEvents', { fromHeight: Math.max(0, status.height - 249), toHeight: status.height,
    types: ['sale.purchase', 'sale.referral', 'vesting.milestone_met'], limit: 1000 });
  const shownEvents = await page.$$eval('#sale-events tbody tr', (trs) => trs.map((tr) => `${tr.dataset.height} ${tr.dataset.event}`));
  equal(JSON.stringify(shownEvents), JSON.stringify(saleEvents.events.slice(-10).reverse().map((e) => `${e.height} ${e.type}`)),
    'the newest sale events listed');
  check(shownEvents.some((e) => e.endsWith('vesting.milestone_met')), 'a milestone met is among them', shownEvents.join(', '));
  check((await page.textContent('#sale-events-note')).startsWith(`${saleEvents.total} in blocks`), 'their total is the node\'s');

  // Live: the page subscribes over its WebSocket, or polls where `subscribe` is not offered.
  const subscribe = await page.evaluate(() => new Promise((resolve) => {
    const ws = new WebSocket(`ws://${location.host}/`);
    ws.onopen = () => ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'subscribe', params: { topic: 'newHeads' } }));
    ws.onmessage = (e) => { resolve(JSON.parse(e.data)); ws.close(); };
    ws.onerror = () => resolve({ error: { code: 0, message: 'websocket failed' } });
  }));
  const offered = !subscribe.error;
  await page.waitForFunction(() => ['subscription', 'polling'].includes(document.getElementById('head').dataset.live));
  const live = await page.$eval('#head', (e) => [e.dataset.live, e.dataset.liveReason]);
  if (offered) equal(live[0], 'subscription', 'live updates by subscription');
  else {
    equal(subscribe.error.code, -32601, 'the node answers subscribe with method-not-found');
    equal(live.join(': '), 'polling: subscribe not offered by this node', 'live updates fall back to polling');
  }
  await page.evaluate(() => { window.__sameDocument = true; });
  const mined = await rpc('dev_mine');
  await page.waitForFunction((h) => document.querySelector('#latest-blocks tbody tr')?.dataset.height === String(h),
    mined.height, { timeout: 15_000 });
  check(await page.evaluate(() => window.__sameDocument === true), 'the new block appeared without a reload');
  equal(await page.textContent('#card-height .card-value'), String(mined.height), 'the height card follows the head');
  equal(await page.getAttribute('#head', 'data-height'), String(mined.height), 'the header shows the new head');
  await shot('home.png', false);

  // ---- the package catalogue, with a name full of markup ----
  await open('#/packages');
  const catalogue = await rpc('sale_listPackages', {});
  const packageRows = await page.$$eval('#packages tbody tr', (trs) => trs.map((tr) => ({
    id: tr.dataset.package,
    name: tr.querySelector('.package-name').textContent,
    price: tr.querySelector('td:nth-child(3) .amount').dataset.raw,
    priceText: tr.querySelector('td:nth-child(3)').textContent,
    status: tr.querySelector('.badge').textContent,
    sold: tr.querySelector('.sold').textContent,
    cap: tr.querySelector('.supply-cap').textContent,
    remaining: tr.querySelector('.remaining').textContent,
    accountCap: tr.querySelector('.account-cap').textContent,
  })));
  equal(packageRows.length, catalogue.packages.length, 'every package listed');
  for (const p of catalogue.packages) {
    const row = packageRows.find((r) => r.id === String(p.id));
    if (!row) { check(false, `package ${p.id} listed`); continue; }
    equal(row.name, p.name, `package ${p.id} name`);
    equal(row.price, p.price.amount, `package ${p.id} price`);
    equal(row.priceText, `${units(p.price.amount, decimals[p.price.asset])} ${p.price.asset}`, `package ${p.id} price text`);
    equal(row.status, p.status, `package ${p.id} status`);
    equal(row.sold, String(p.sold), `package ${p.id} sold`);
    equal(row.cap, p.supply_cap ? String(p.supply_cap) : 'no cap', `package ${p.id} supply cap`);
    equal(row.remaining, p.remaining === null ? '—' : String(p.remaining), `package ${p.id} remaining`);
    equal(row.accountCap, p.account_cap ? String(p.account_cap) : 'no cap', `package ${p.id} account cap`);
  }
  const loyaltyText = await page.textContent('#packages tr[data-package="4"] .schedule');
  check(loyaltyText.includes('after buying 2 more units') && loyaltyText.includes('after spending 1,000 USDV more'),
    'Loyalty\'s purchase milestones in words', loyaltyText);
  check((await page.textContent('#packages tr[data-package="5"] .schedule')).includes('after referring 3 new buyers'),
    'Ambassador\'s referral milestone in words');
  check((await page.textContent('#packages tr[data-package="6"] .schedule')).includes('once courses_completed grows by 10'),
    'Academy\'s usage milestone in words');
  const tiersOf = (await rpc('sale_getTier', { address: buyerA })).tiers;
  equal(await page.$$eval('#tiers tbody tr', (t) => t.length), tiersOf.length, 'the tiers listed');
  const marked = catalogue.packages.find((p) => p.name === markupName);
  check(marked !== undefined, 'the node holds the package named with markup');
  check(packageRows.some((r) => r.name === markupName), 'the markup name shows as text');
  equal(await page.$$eval('#packages img, #packages script, #packages b', (e) => e.length), 0,
    'no element was made from the name');
  equal(await page.evaluate(() => window.__xss), undefined, 'no script of the name ran');
  await shot('packages.png');

  // ---- the account of buyer B: balances, stake, tier, positions with their charts ----
  await open(`#/account/${buyerB}`);
  const account = await rpc('account_get', { address: buyerB });
  const staking = await rpc('staking_get', { address: buyerB });
  const tier = await rpc('sale_getTier', { address: buyerB });
  const list = await rpc('vesting_list', { address: buyerB, limit: 100 });
  const positions = list.positions.map((p) => ({ ...p, time: p.time ?? list.time }));
  for (const [symbol, raw] of Object.entries(account.balances)) {
    const cell = `#balances tr[data-asset="${symbol}"]`;
    equal(await page.getAttribute(`${cell} [data-field=balance] .amount`, 'data-raw'), raw, `${symbol} balance`);
    equal(await page.textContent(`${cell} [data-field=balance]`), `${units(raw, decimals[symbol])} ${symbol}`,
      `${symbol} balance text`);
    equal(await page.getAttribute(`${cell} [data-field=locked] .amount`, 'data-raw'), account.locked[symbol], `${symbol} locked`);
    equal(await page.getAttribute(`${cell} [data-field=claimable] .amount`, 'data-raw'), account.claimable[symbol],
      `${symbol} claimable`);
  }
  equal(await page.getAttribute('#staking [data-field=staked] .amount', 'data-raw'), staking.staked, 'staked');
  equal(await page.getAttribute('#staking [data-field=unbonding] .amount', 'data-raw'), account.unbonding, 'unbonding');
  check(account.unbonding !== '0', 'buyer B has tokens unbonding');
  equal(await page.$$eval('#unbonding tbody tr', (t) => t.length), staking.unbonding.length, 'unbonding entries');
  equal(await page.getAttribute('#staking [data-field=pendingRewards] .amount', 'data-raw'), staking.pendingRewards,
    'pending rewards');
  equal(await page.textContent('#tier [data-field=tier]'), tier.tier, 'tier');
  equal(await page.getAttribute('#tier [data-field=spend] .amount', 'data-raw'), tier.spend, 'tier spend');
  if (tier.next) {
    equal(await page.getAttribute('#tier progress', 'value'), String(Number.parseFloat(tier.next.progress)),
      'progress to the next tier');
  }
  check(positions.length >= 4, 'buyer B has positions', String(positions.length));
  const nonStake = [];  // milestones of buyer B other than stake ones
  for (const p of positions) {
    const card = `article.position[data-position="${p.id}"]`;
    for (const field of ['total', 'vested', 'released', 'claimable', 'locked']) {
      equal(await page.getAttribute(`${card} [data-field=${field}] .amount`, 'data-raw'), p[field], `position ${p.id} ${field}`);
    }
    equal(await page.$$eval(`${card} .unlocks li`, (l) => l.length), p.nextUnlocks.length, `position ${p.id} next unlocks`);
    equal(await page.$$eval(`${card} .milestones li`, (l) => l.length), p.milestones.length, `position ${p.id} milestones`);
    // The chart: a canvas with Chart.js's curve, whose point at the position's time is
    // the vested amount the node answered, and which ends at what will vest in all.
    await page.waitForFunction((id) => {
      const canvas = document.querySelector(`canvas[data-position="${id}"]`);
      return canvas && window.Chart && Chart.getChart(canvas);
    }, p.id);
    const curve = await page.evaluate((id) => {
      const chart = Chart.getChart(document.querySelector(`canvas[data-position="${id}"]`));
      const box = chart.canvas.getBoundingClientRect();
      return { points: chart.data.datasets[0].data.map((d) => ({ x: d.x, raw: d.raw })), width: box.width, height: box.height };
    }, p.id);
    check(curve.points.length >= 3, `position ${p.id} chart has data points`, String(curve.points.length));
    check(curve.width > 100 && curve.height > 100, `position ${p.id} chart is drawn`, `${curve.width}x${curve.height}`);
    const atTime = curve.points.find((d) => d.x === p.time);
    equal(atTime?.raw, p.vested, `position ${p.id} curve at block time ${p.time} equals vested`);
    const increasing = curve.points.every((d, i) => i === 0 || (BigInt(d.raw) >= BigInt(curve.points[i - 1].raw) && d.x >= curve.points[i - 1].x));
    check(increasing, `position ${p.id} curve never decreases`);
    const unmet = p.milestones.filter((m) => m.metAt === null).reduce((s, m) => s + BigInt(m.amount), 0n);
    equal(curve.points[curve.points.length - 1].raw, (BigInt(p.total) - unmet).toString(),
      `position ${p.id} curve ends at the total less unmet milestones`);
    for (const u of p.nextUnlocks) {
      const step = curve.points.find((d) => d.x === u.time);
      check(step !== undefined, `position ${p.id} curve has the unlock at ${u.time}`);
    }
    // Each milestone with its progress as vesting_get answers it; a met one is a step
    // of at least its amount at its metAt.
    const own = await rpc('vesting_get', { id: p.id });
    for (const m of own.milestones) {
      const item = `${card} .milestones li[data-part="${m.part}"]`;
      equal(await page.getAttribute(item, 'data-type'), m.type, `position ${p.id} milestone ${m.part} kind`);
      equal(await page.getAttribute(item, 'data-met-at'), m.metAt === null ? '' : String(m.metAt),
        `position ${p.id} milestone ${m.part} metAt`);
      if (m.type !== 'stake') {
        nonStake.push({ ...m, position: p.id });
        equal(await page.textContent(`${item} .progress-text`), m.progressText, `position ${p.id} milestone ${m.part} progress text`);
        const done = m.metAt !== null ? 10000n : (BigInt(m.progress) * 10000n) / BigInt(m.target);
        equal(await page.getAttribute(`${item} progress`, 'value'), String(Number(done) / 100),
          `position ${p.id} milestone ${m.part} progress bar at ${m.progress} of ${m.target}`);
      }
      if (m.metAt !== null) {
        const before = curve.points.find((d) => d.x === m.metAt - 1);
        const at = curve.points.find((d) => d.x === m.metAt);
        check(before && at && BigInt(at.raw) - BigInt(before.raw) >= BigInt(m.amount),
          `position ${p.id} curve steps by ${m.amount} at milestone ${m.part}'s metAt ${m.metAt}`, JSON.stringify([before, at]));
      }
    }
  }
  const metNonStake = nonStake.filter((m) => m.metAt !== null);
  check(metNonStake.some((m) => m.type === 'purchases' && m.progressText === '2 of 2 units bought'),
    'Loyalty\'s units milestone is met after the extra purchases', JSON.stringify(nonStake));
  check(nonStake.some((m) => m.metAt === null && m.progressText === '200 USDV of 1000 USDV spent'),
    'Loyalty\'s spend milestone shows its progress', JSON.stringify(nonStake));
  equal(await page.$$eval('#purchases tbody tr', (t) => t.length),
    (await rpc('sale_getPurchases', { address: buyerB, limit: 10 })).purchases.length, 'purchases listed');
  await shot('account.png');
  // One position card for the docs.
  const firstCard = await page.$('article.position');
  if (firstCard) await firstCard.screenshot({ path: path.join(outDir, 'position.png') });
  const loyalty = nonStake.find((m) => m.type === 'purchases');
  const loyaltyCard = loyalty && await page.$(`article.position[data-position="${loyalty.position}"]`);
  if (loyaltyCard) await loyaltyCard.screenshot({ path: path.join(outDir, 'position-purchases.png') });

  // ---- buyer A: claimed positions ----
  await open(`#/account/${buyerA}`);
  const positionsA = (await rpc('vesting_list', { address: buyerA, limit: 100 })).positions;
  check(positionsA.some((p) => p.released !== '0'), 'buyer A claimed');
  for (const p of positionsA) {
    equal(await page.getAttribute(`article.position[data-position="${p.id}"] [data-field=released] .amount`, 'data-raw'),
      p.released, `position ${p.id} claimed`);
  }
  equal(await page.$$eval('canvas[data-position]', (c) => c.length), positionsA.length, 'a chart per position');

  // ---- leaderboards ----
  await open('#/leaders');
  const saleBoard = await rpc('sale_leaderboard', { limit: 25 });
  const stakeBoard = await rpc('staking_leaderboard', { limit: 25 });
  equal(await page.$$eval('#sale-leaders tbody tr', (t) => t.length), saleBoard.leaders.length, 'buyers ranked');
  equal(await page.getAttribute('#sale-leaders tbody tr:first-child td:nth-child(2) a', 'title'), saleBoard.leaders[0].address,
    'top buyer');
  equal(await page.getAttribute('#sale-leaders tbody tr:first-child .amount', 'data-raw'), saleBoard.leaders[0].spend, 'top spend');
  equal(await page.$$eval('#stake-leaders tbody tr', (t) => t.length), stakeBoard.leaders.length, 'stakers ranked');
  equal(await page.getAttribute('#stake-leaders tbody tr:first-child .amount', 'data-raw'), stakeBoard.leaders[0].staked,
    'top stake');
  await shot('leaders.png');

  // ---- every position of the chain ----
  await open('#/positions');
  const all = await rpc('vesting_listAll', { limit: 50 });
  equal(JSON.stringify(await page.$$eval('#all-positions tbody tr', (t) => t.map((tr) => tr.dataset.position))),
    JSON.stringify(all.positions.map((p) => String(p.id))), 'every position listed by id');
  await shot('positions.png');
  for (const p of all.positions) {
    const met = p.milestones.filter((m) => m.metAt !== null).length;
    equal(await page.textContent(`#all-positions tr[data-position="${p.id}"] .milestones-met`),
      p.milestones.length ? `${met} of ${p.milestones.length}` : '—', `position ${p.id} milestones met`);
  }

  // ---- search and links ----
  const search = async (text) => {
    await page.fill('#search-input', text);
    await page.click('#search button');
  };
  const purchaseTx = (await rpc('account_getTransactions', { address: buyerB, limit: 25 })).transactions
    .find((t) => t.kind === 'sale.purchase');
  await search(purchaseTx.hash);
  await page.waitForFunction((h) => document.getElementById('view').dataset.route === `#/tx/${h}`, purchaseTx.hash);
  await page.waitForFunction(() => document.getElementById('view').getAttribute('aria-busy') === 'false');
  check((await page.textContent('#view')).includes('sale.purchase'), 'search by transaction hash opens it');
  await search(String(purchaseTx.height));
  await page.waitForFunction((h) => document.getElementById('view').dataset.route === `#/block/${h}`, purchaseTx.height);
  const block = await rpc('chain_getBlock', { height: purchaseTx.height });
  await search(block.hash);
  await page.waitForFunction((h) => document.getElementById('view').dataset.route === `#/block/${h}`, block.hash);
  await page.waitForFunction(() => document.getElementById('view').getAttribute('aria-busy') === 'false');
  equal(await page.textContent('#view h1'), `Block ${block.height}`, 'search by block hash opens the block');
  await search(buyerB.toLowerCase());
  await page.waitForFunction((a) => document.getElementById('view').dataset.route === `#/account/${a}`, buyerB.toLowerCase());
  await search('0x' + 'ab'.repeat(32));
  await page.waitForSelector('.not-found');
  check((await page.textContent('.not-found')).includes('Nothing found'), 'an unknown hash is not found');

  // The block that created the markup package shows its event fields as text.
  const created = (await rpc('chain_getEvents', { address: '0xa0Ee7A142d267C1f36714E4a8F75612F20a79720', kind: 'sale.package_created' })).events[0];
  await open(`#/block/${created.height}`);
  check((await page.textContent('table.events')).includes(markupName), 'the event field with markup shows as text');
  equal(await page.$$eval('#view img, #view script, #view b', (e) => e.length), 0, 'no element made from event fields');
  equal(await page.evaluate(() => window.__xss), undefined, 'no script of the event ran');
  await shot('block.png');

  // ---- narrow screens ----
  await page.setViewportSize({ width: 390, height: 844 });
  await open(`#/account/${buyerB}`);
  await page.waitForFunction(() => [...document.querySelectorAll('canvas[data-position]')].every((c) => Chart.getChart(c)));
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 0, 'the account page fits a 390 px wide screen', `${overflow} px too wide`);
  await shot('account-narrow.png', false);

  check(problems.length === 0, 'no console errors (CSP violations included)', problems.join(' | '));
} catch (e) {
  check(false, 'the checks ran to the end', e.stack || String(e));
  // What the page showed then, to see why.
  const page = browser.contexts()[0]?.pages()[0];
  if (page) {
    console.log('page at ' + page.url() + ':\n' + (await page.textContent('#view').catch(() => '?')));
    console.log('console: ' + problems.join('\n'));
    await page.screenshot({ path: path.join(outDir, 'failure.png'), fullPage: true }).catch(() => {});
  }
} finally {
  clearTimeout(deadline);
  await browser.close();
}
console.log(failures === 0 ? 'all checks passed' : `${failures} checks failed`);
process.exit(failures === 0 ? 0 : 1);
