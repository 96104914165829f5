// The explorer and buyer dashboard (docs/explorer.md). It reads only the node's public
// JSON-RPC, like any other client. Every value from the chain reaches the page as text
// (Node.append / textContent): nothing here assigns HTML.
import { RpcError, batch, batchResults, call, watchHeads } from './rpc.js';
import { formatBps, formatDate, formatDuration, formatTime, formatUnits, short, unitsForChart } from './format.js';
import { unknownParts, unlockCurve } from './vesting.js';

// ---- the DOM ----

// An element with attributes (class, href, data-*, ...) and children; strings and
// numbers become text nodes.
function h(tag, attributes, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'class') element.className = value;
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

const isAddress = (text) => /^0x[0-9a-fA-F]{40}$/.test(text);
const isHash = (text) => /^0x[0-9a-fA-F]{64}$/.test(text);

function accountLink(address) {
  return isAddress(address) ? h('a', { href: `#/account/${address}`, class: 'mono', title: address }, short(address))
    : h('span', { class: 'mono' }, address ?? '—');
}
const txLink = (hash) => h('a', { href: `#/tx/${hash}`, class: 'mono', title: hash }, short(hash));
const blockLink = (height) => h('a', { href: `#/block/${height}` }, String(height));

// A table with a header row; rows are arrays of cells. Scrolls sideways when narrow.
function table(headers, rows, attributes = {}) {
  return h('div', { class: 'table-wrap' },
    h('table', attributes,
      h('thead', {}, h('tr', {}, headers.map((x) => h('th', {}, x)))),
      h('tbody', {}, rows.map((row) => (row instanceof Node ? row : h('tr', {}, row.map((cell) => h('td', {}, cell))))))));
}

// Name–value pairs.
function fields(pairs, attributes = {}) {
  return h('dl', { class: 'fields', ...attributes }, pairs.filter(Boolean).map(([name, value, attrs]) => [
    h('dt', {}, name), h('dd', attrs || {}, value ?? '—')]));
}

const section = (title, ...children) => h('section', {}, h('h2', {}, title), children);
const empty = (text) => h('p', { class: 'muted' }, text);

// A <progress> bar with its percentage as text; `percent` is a string such as "16.66".
function progress(percent, label) {
  const value = Math.max(0, Math.min(100, Number.parseFloat(percent) || 0));
  return h('span', { class: 'progress' },
    h('progress', { max: 100, value, 'aria-label': label }), h('span', {}, `${percent} %`));
}

// ---- chain-wide facts ----

const assets = new Map();  // symbol -> decimals
let nativeSymbol = 'VEST';
let genesis = null;  // chain_getGenesis without its balances

// The assets, the genesis facts and the head, in one request; the head or null.
async function loadChain() {
  const [assetList, first, head] = await batchResults([['chain_getAssets'], ['chain_getGenesis', { limit: 1 }], ['chain_getBlock', {}]]);
  nativeSymbol = assetList.native;
  for (const a of assetList.assets) assets.set(a.symbol, a.decimals);
  genesis = first;
  return head;
}

// "1,234.5 VEST": base units in the asset's decimals.
function amount(value, symbol) {
  if (value === null || value === undefined) return '—';
  return `${formatUnits(value, assets.get(symbol) ?? 0)} ${symbol}`;
}
const amountCell = (value, symbol) => h('span', { class: 'amount', 'data-raw': value }, amount(value, symbol));

// ---- reads ----

const kTxPage = 100;  // transactions per chain_getBlocks / chain_getBlock {full} answer

// Blocks `from` to `to` (at most 1000) with their transactions: a chain_getBlocks call.
const blocksCall = (from, to) => ['chain_getBlocks', { fromHeight: from, toHeight: to, full: true, limit: kTxPage }];

// The blocks of blocksCall's answer `page` up to `to`, newest first. Where they hold more
// than one answer does (kTxPage transactions or 4 MiB), the blocks from the cut on are
// read as headers (transaction hashes), in one batch.
async function blocksOf(page, to) {
  const byHeight = new Map(page.blocks.map((b) => [b.height, b]));
  if (page.nextCursor !== null) {
    const cut = Number(page.nextCursor.split(':')[0]);
    const heights = [];
    for (let x = cut; x <= to; ++x) heights.push(x);
    for (const b of await batchResults(heights.map((x) => ['chain_getBlock', { height: x }]))) byHeight.set(b.height, b);
  }
  return [...byHeight.values()].sort((a, b) => b.height - a.height);
}

// The newest `limit` transactions of `blocks` (newest first). Full blocks hold them;
// a block read as a header gives hashes, read with chain_getTransaction in one batch.
async function latestTransactions(blocks, limit) {
  const wanted = [];
  for (const b of blocks) {
    for (const tx of [...b.transactions].reverse()) if (wanted.length < limit) wanted.push(tx);
  }
  const hashes = wanted.filter((tx) => typeof tx === 'string');
  const read = new Map((await batchResults(hashes.map((hash) => ['chain_getTransaction', { hash }])))
    .filter(Boolean).map((tx) => [tx.hash, tx]));
  return wanted.map((tx) => (typeof tx === 'string' ? read.get(tx) : tx)).filter(Boolean);
}

// The sale events the home page lists: purchases, referrals and milestones met.
const kSaleEvents = ['sale.purchase', 'sale.referral', 'vesting.milestone_met'];
const kEventBlocks = 250;  // blocks chain_getEvents reads in one call

// The sale events of the last kEventBlocks blocks up to `height` (oldest first, with
// their `total`): a ranged chain_getEvents call.
const saleEventsCall = (height) => ['chain_getEvents',
  { fromHeight: Math.max(0, height - kEventBlocks + 1), toHeight: height, types: kSaleEvents, limit: 1000 }];

// The sale events of full blocks' transactions (oldest first).
function saleEventsOf(blocks) {
  const out = [];
  for (const b of [...blocks].reverse()) {
    for (const tx of b.transactions) {
      if (typeof tx === 'string') continue;
      for (const e of tx.events || []) {
        if (kSaleEvents.includes(e.type)) out.push({ ...e, height: b.height, txHash: tx.hash });
      }
    }
  }
  return out;
}

// Every position of an account (vesting_list, page by page), at most 1,000.
async function accountPositions(address) {
  const positions = [];
  let cursor = null;
  do {
    const page = await call('vesting_list', { address, limit: 100, ...(cursor ? { cursor } : {}) });
    // Each as of the list's block (vesting_get has `time` itself).
    positions.push(...page.positions.map((p) => ({ ...p, time: p.time ?? page.time, height: p.height ?? page.height })));
    cursor = page.nextCursor;
  } while (cursor && positions.length < 1000);
  return positions;
}

// The head, validators and pending transactions (node_status) and the stake.
async function chainSummary() {
  const [status, totals] = await batch([['node_status'], ['staking_totals']]);
  if (status.error) throw status.error;
  return { status: status.result, totals: totals.result ?? null };
}

// ---- pieces ----

function blockRow(b) {
  return h('tr', { 'data-height': b.height },
    h('td', {}, blockLink(b.height)), h('td', { class: 'nowrap' }, formatTime(b.time)),
    h('td', {}, String(b.txCount ?? b.transactions.length)),
    h('td', {}, accountLink(b.proposer)), h('td', {}, h('a', { href: `#/block/${b.hash}`, class: 'mono' }, short(b.hash))));
}

function txRow(tx) {
  return h('tr', { 'data-tx': tx.hash },
    h('td', {}, txLink(tx.hash)), h('td', {}, tx.height === null ? 'pending' : blockLink(tx.height)),
    h('td', {}, tx.kind), h('td', {}, accountLink(tx.from)), h('td', { class: `status-${tx.status}` }, tx.status));
}

// The asset an amount field of an event is in (docs/rpc.md, "Events"), or null.
function eventAsset(e, key) {
  const f = e.fields;
  if (e.type.startsWith('staking.') && ['amount', 'staked', 'fromVesting', 'fromLiquid'].includes(key)) return nativeSymbol;
  if (e.type === 'sale.purchase') {
    if (key === 'cost') return f.priceAsset;
    if (['base', 'bonus', 'tierBonus'].includes(key)) return nativeSymbol;
  }
  if (e.type === 'sale.referral' && key === 'reward') return nativeSymbol;
  if (f.asset && ['amount', 'proposerShare', 'poolShare', 'total', 'released', 'returned', 'vested'].includes(key)) return f.asset;
  return null;
}

function eventValue(e, key, value) {
  if (isAddress(value)) return accountLink(value);
  const asset = /^\d+$/.test(value) ? eventAsset(e, key) : null;
  return asset && assets.has(asset) ? amountCell(value, asset) : h('span', { class: 'v' }, value);
}

// Event fields as text; addresses become links, amounts show in their asset's units.
function eventList(events) {
  if (events.length === 0) return empty('No events.');
  return table(['Event', 'Fields', 'Tx'], events.map((e) => [
    h('span', { class: 'mono' }, e.type),
    h('span', { class: 'event-fields' }, Object.entries(e.fields).map(([k, v]) =>
      h('span', { class: 'kv' }, h('span', { class: 'k' }, k), ' ', eventValue(e, k, v)))),
    e.txHash ? h('span', { class: 'nowrap' }, txLink(e.txHash)) : 'block',
  ]), { class: 'events' });
}

// A schedule in words; `paymentAsset` names the asset of spend targets.
function scheduleText(schedule, paymentAsset) {
  return schedule.parts.map((p) => {
    const share = formatBps(p.bps);
    if (p.type === 'linear') {
      const cliff = p.cliff !== undefined && p.cliff !== p.start ? `, cliff ${formatDuration(p.cliff)}` : '';
      return `${share} linear ${formatDuration(p.start ?? 0)} → ${formatDuration(p.end)}${cliff}`;
    }
    if (p.type === 'tranche') return `${share} at ${formatDuration(p.time)}`;
    if (p.type === 'periodic') return `${share} in ${p.count} × ${formatDuration(p.period)}`;
    if (p.type === 'stake') return `${share} after staking ${amount(p.min_stake, nativeSymbol)} for ${formatDuration(p.duration)}`;
    if (p.type === 'purchases' && p.units !== undefined) return `${share} after buying ${p.units} more units`;
    if (p.type === 'purchases' && p.spend !== undefined) {
      return `${share} after spending ${paymentAsset ? amount(p.spend, paymentAsset) : `${p.spend} base units`} more`;
    }
    if (p.type === 'referrals') return `${share} after referring ${p.buyers} new buyers`;
    if (p.type === 'usage') return `${share} once ${p.metric} grows by ${p.target}`;
    return `${share} ${p.type} (a part this page does not know)`;
  }).join('; ');
}

// ---- views ----

const home = { blocks: null, txs: null, events: null, lastHeight: -1 };
const kHomeRows = 12;
const kHomeEvents = 10;

async function viewHome() {
  const { status, totals } = await chainSummary();
  const [page, sale] = await batchResults([blocksCall(Math.max(0, status.height - kHomeRows + 1), status.height),
    saleEventsCall(status.height)]);
  const blocks = await blocksOf(page, status.height);
  const txs = await latestTransactions(blocks, kHomeRows);
  home.blocks = h('tbody', {}, blocks.map(blockRow));
  home.txs = h('tbody', {}, txs.map(txRow));
  home.events = h('tbody', {}, sale.events.slice(-kHomeEvents).reverse().map(saleEventRow));
  home.lastHeight = blocks.length ? blocks[0].height : -1;
  const headed = (id, headers, body) => h('div', { class: 'table-wrap' }, h('table', { id },
    h('thead', {}, h('tr', {}, headers.map((x) => h('th', {}, x)))), body));
  const saleNote = `${sale.total ?? sale.events.length} in blocks ${sale.fromHeight}–${sale.toHeight}`
    + (sale.nextCursor === null ? '' : ', the first of them shown');
  return h('div', {},
    h('div', { class: 'cards' },
      card('Chain', genesis.chainName, `id ${genesis.chainId}, since ${formatDate(genesis.genesisTime)}`),
      card('Height', String(status.height), formatTime(status.headTime), { id: 'card-height' }),
      card('Validators', String(status.validators.length), `${status.mempool.transactions} pending txs`),
      totals ? card('Staked', amount(totals.totalStaked, nativeSymbol),
        totals.aprEstimate ? `APR estimate ${totals.aprEstimate} %` : '') : null),
    h('div', { class: 'columns' },
      section('Latest blocks', headed('latest-blocks', ['Height', 'Time', 'Txs', 'Proposer', 'Hash'], home.blocks)),
      section('Latest transactions', headed('latest-txs', ['Hash', 'Block', 'Kind', 'From', 'Status'], home.txs))),
    section('Purchases, referrals and milestones',
      h('p', { class: 'muted', id: 'sale-events-note' }, saleNote),
      headed('sale-events', ['Block', 'Event', 'Account', 'What', 'Tx'], home.events)));
}

function card(title, value, note, attributes = {}) {
  return h('div', { class: 'card', ...attributes }, h('div', { class: 'card-title' }, title),
    h('div', { class: 'card-value' }, value), h('div', { class: 'card-note' }, note));
}

// One purchase, referral or milestone met, in a line.
function saleEventRow(e) {
  const f = e.fields;
  let who = f.buyer, what;
  if (e.type === 'sale.purchase') {
    what = [`${f.quantity} × package ${f.package} for `, amountCell(f.cost, f.priceAsset)];
  } else if (e.type === 'sale.referral') {
    who = f.referrer;
    what = ['referred ', accountLink(f.buyer), ', reward ', amountCell(f.reward, nativeSymbol)];
  } else {
    who = f.beneficiary;
    what = [`${f.type} milestone of position #${f.id} met: `, amountCell(f.amount, f.asset)];
  }
  return h('tr', { 'data-event': e.type, 'data-height': e.height },
    h('td', {}, blockLink(e.height)), h('td', { class: 'mono' }, e.type), h('td', {}, accountLink(who)),
    h('td', {}, what), h('td', {}, e.txHash ? txLink(e.txHash) : 'block'));
}

// A new head while the home view shows: its row (and any skipped ones) on top, with
// their transactions and sale events, from one chain_getBlocks call.
async function homeOnHead(block) {
  if (!home.blocks || !home.blocks.isConnected || block.height <= home.lastHeight) return;
  const from = Math.max(home.lastHeight + 1, block.height - kHomeRows + 1);
  const blocks = await blocksOf(await call(...blocksCall(from, block.height)), block.height);
  if (!home.blocks.isConnected || block.height <= home.lastHeight) return;
  home.lastHeight = block.height;
  const txs = await latestTransactions(blocks, kHomeRows);
  const prepend = (body, rows, max) => {
    for (const row of [...rows].reverse()) body.prepend(row);
    while (body.children.length > max) body.lastChild.remove();
  };
  prepend(home.blocks, blocks.map(blockRow), kHomeRows);
  prepend(home.txs, txs.map(txRow), kHomeRows);
  prepend(home.events, saleEventsOf(blocks).reverse().map(saleEventRow), kHomeEvents);
  const heightCard = document.querySelector('#card-height .card-value');
  if (heightCard) heightCard.textContent = String(block.height);
}

// A block with its transactions from index `start` on (kTxPage of them) and their
// events: one chain_getBlock {full: true} call.
async function viewBlock(id, start = 0) {
  const at = /^\d+$/.test(id) ? { height: Number(id) } : { hash: id };
  const b = await call('chain_getBlock', { ...at, full: true, limit: kTxPage, ...(start ? { cursor: `${id}:${start}` } : {}) });
  if (!b) return notFound(`No block ${id}.`);
  const txs = b.transactions;
  const events = [...b.events, ...txs.flatMap((tx) => (tx.events || []).map((e) => ({ ...e, txHash: tx.hash })))];
  const shown = txs.length < b.txCount ? `, ${b.txStart + 1}–${b.txStart + txs.length} shown` : '';
  return h('div', {},
    h('h1', {}, `Block ${b.height}`),
    h('nav', { class: 'pager' }, b.height > 0 ? h('a', { href: `#/block/${b.height - 1}` }, '← previous') : null,
      h('a', { href: `#/block/${b.height + 1}` }, 'next →')),
    fields([
      ['Hash', b.hash, { class: 'mono' }], ['Parent', h('a', { href: `#/block/${b.parentHash}`, class: 'mono' }, b.parentHash)],
      ['Time', formatTime(b.time)], ['Proposer', accountLink(b.proposer)], ['Transactions', `${b.txCount}${shown}`],
      ['State root', b.stateRoot, { class: 'mono' }], ['Chain id', String(b.chainId)],
    ]),
    section('Transactions', txs.length ? table(['Hash', 'Block', 'Kind', 'From', 'Status'], txs.map(txRow)) : empty('None.'),
      h('nav', { class: 'pager' },
        b.txStart > 0 ? h('a', { href: `#/block/${b.height}/${Math.max(0, b.txStart - kTxPage)}` }, '← earlier transactions') : null,
        b.nextCursor ? h('a', { href: `#/block/${b.height}/${b.txStart + txs.length}` }, 'later transactions →') : null)),
    section('Events', eventList(events)));
}

async function viewTx(hash) {
  const tx = await call('chain_getTransaction', { hash });
  if (!tx) return notFound(`No transaction ${hash}.`);
  return h('div', {},
    h('h1', {}, `Transaction`),
    fields([
      ['Hash', tx.hash, { class: 'mono' }], ['Status', tx.status, { class: `status-${tx.status}` }],
      ['Block', tx.height === null ? 'pending' : blockLink(tx.height)], ['Index', tx.index ?? '—'],
      ['From', accountLink(tx.from)], ['Nonce', String(tx.nonce)], ['Fee', amount(tx.fee, nativeSymbol)],
      ['Kind', tx.kind],
      tx.error ? ['Error', `${tx.error.reason} (${tx.error.code}): ${tx.error.message}`] : null,
    ]),
    section('Message', fields(Object.entries(tx.message).map(([k, v]) => [k,
      isAddress(v) ? accountLink(v) : k === 'amount' && tx.message.asset && assets.has(tx.message.asset)
        ? amountCell(v, tx.message.asset) : v]))),
    section('Events', eventList(tx.events || [])));
}

// Any address: sale_getTier of it names the payment asset and the tiers.
const kZeroAddress = '0x' + '0'.repeat(40);

async function viewPackages() {
  const [answer, tiers] = await batch([['sale_listPackages', {}], ['sale_getTier', { address: kZeroAddress }]]);
  if (answer.error) throw answer.error;
  if (!answer.result) return empty('This chain has no sale.');
  const pay = tiers.result?.paymentAsset;
  const rows = answer.result.packages.map((p) => h('tr', { 'data-package': p.id },
    h('td', {}, String(p.id)),
    h('td', { class: 'package-name' }, p.name),
    h('td', {}, amountCell(p.price.amount, p.price.asset)),
    h('td', {}, amountCell(p.base, nativeSymbol)),
    h('td', {}, p.bonus.bps !== undefined ? formatBps(p.bonus.bps) : amountCell(p.bonus.amount, nativeSymbol)),
    h('td', { class: 'schedule' }, scheduleText(p.schedule, pay)),
    h('td', {}, h('span', { class: `badge status-${p.status}` }, p.status)),
    h('td', { class: 'sold' }, String(p.sold)),
    h('td', { class: 'supply-cap' }, p.supply_cap ? String(p.supply_cap) : 'no cap'),
    h('td', { class: 'remaining' }, p.remaining === null ? '—' : String(p.remaining)),
    h('td', { class: 'account-cap' }, p.account_cap ? String(p.account_cap) : 'no cap'),
    h('td', {}, p.start || p.end ? `${p.start ? formatDate(p.start) : '…'} – ${p.end ? formatDate(p.end) : '…'}` : 'always')));
  return h('div', {},
    h('h1', {}, 'Packages'),
    h('p', { class: 'muted' }, `As of block ${answer.result.height}, ${formatTime(answer.result.time)}.`),
    table(['#', 'Name', 'Price', 'Tokens', 'Bonus', 'Bonus vesting', 'Status', 'Sold', 'Supply cap', 'Remaining',
      'Per account', 'Window'], rows, { id: 'packages' }),
    tiers.result ? section('Tiers', h('p', { class: 'muted' },
      `A buyer's tier is set by its ${pay} spend in the last ${formatDuration(tiers.result.windowSeconds)}; its bonus adds to every package bought.`),
    table(['Tier', 'From a spend of', 'Bonus'], tiers.result.tiers.map((t) => [t.name, amountCell(t.minSpend, pay), formatBps(t.bonusBps)]),
      { id: 'tiers' })) : null);
}

// Every position of the chain, by id, kPositionsPage from id `from` on: vesting_listAll.
const kPositionsPage = 50;

async function viewPositions(from) {
  const page = await call('vesting_listAll', { cursor: String(from), limit: kPositionsPage });
  const rows = page.positions.map((p) => {
    const met = p.milestones.filter((m) => m.metAt !== null).length;
    return h('tr', { 'data-position': p.id },
      h('td', {}, String(p.id)), h('td', {}, accountLink(p.beneficiary)), h('td', {}, p.origin),
      h('td', {}, amountCell(p.total, p.asset)), h('td', {}, progress(p.percentVested, `vested of position ${p.id}`)),
      h('td', {}, amountCell(p.released, p.asset)),
      h('td', { class: 'milestones-met' }, p.milestones.length ? `${met} of ${p.milestones.length}` : '—'),
      h('td', { class: 'nowrap' }, formatDate(p.anchor)));
  });
  return h('div', {},
    h('h1', {}, 'Vesting positions'),
    h('p', { class: 'muted' }, `Every position of the chain by id, as of block ${page.height}, ${formatTime(page.time)}.`),
    h('nav', { class: 'pager' }, from > 1 ? h('a', { href: `#/positions/${Math.max(1, from - kPositionsPage)}` }, '← earlier') : null,
      page.nextCursor ? h('a', { href: `#/positions/${page.nextCursor}` }, 'later →') : null),
    rows.length ? table(['#', 'Beneficiary', 'Origin', 'Total', 'Vested', 'Claimed', 'Milestones met', 'Since'], rows,
      { id: 'all-positions' }) : empty('None.'));
}

async function viewLeaders() {
  const [sale, staking] = await batch([['sale_leaderboard', { limit: 25 }], ['staking_leaderboard', { limit: 25 }]]);
  const saleBoard = sale.result;
  const stakeBoard = staking.result;
  return h('div', {},
    h('h1', {}, 'Leaderboards'),
    h('div', { class: 'columns' },
      section('Buyers by spend',
        saleBoard ? h('p', { class: 'muted' }, `${saleBoard.paymentAsset} spent in the last ${formatDuration(saleBoard.windowSeconds)}.`) : null,
        saleBoard && saleBoard.leaders.length
          ? table(['#', 'Account', 'Spend', 'Tier'], saleBoard.leaders.map((l) =>
            [String(l.rank), accountLink(l.address), amountCell(l.spend, saleBoard.paymentAsset), l.tier]), { id: 'sale-leaders' })
          : empty(sale.error ? sale.error.message : 'No buyers yet.')),
      section('Stakers',
        stakeBoard && stakeBoard.leaders.length
          ? table(['#', 'Account', 'Staked'], stakeBoard.leaders.map((l, i) =>
            [String(i + 1), accountLink(l.address), amountCell(l.staked, nativeSymbol)]), { id: 'stake-leaders' })
          : empty(staking.error ? staking.error.message : 'No stake yet.'))));
}

// ---- the account page ----

const charts = [];

function destroyCharts() {
  while (charts.length) charts.pop().destroy();
}

// The unlock curve of a position, drawn with Chart.js (x: block time, y: vested).
function positionChart(position) {
  const decimals = assets.get(position.asset) ?? 0;
  const canvas = h('canvas', { 'data-position': position.id, 'aria-label': `Unlock curve of position ${position.id}`, role: 'img' });
  const holder = h('div', { class: 'chart' }, canvas);
  const points = unlockCurve(position, position.time).map((p) => ({
    x: Number(p.t), y: unitsForChart(p.v, decimals), raw: p.v.toString(),
  }));
  const now = [{ x: Number(position.time), y: unitsForChart(position.vested, decimals), raw: position.vested }];
  if (typeof Chart === 'undefined') return h('p', { class: 'muted' }, 'Chart.js did not load.');
  requestAnimationFrame(() => {
    if (!canvas.isConnected) return;
    charts.push(new Chart(canvas, {
      type: 'line',
      data: {
        datasets: [
          { label: 'vested', data: points, borderColor: '#2f6fdf', backgroundColor: 'rgba(47,111,223,0.12)', fill: true,
            pointRadius: 0, borderWidth: 2, tension: 0 },
          { label: 'now', data: now, type: 'scatter', borderColor: '#d9480f', backgroundColor: '#d9480f', pointRadius: 5 },
        ],
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        parsing: false,
        scales: {
          x: { type: 'linear', min: points[0].x, max: points[points.length - 1].x,
            ticks: { maxTicksLimit: 6, callback: (v) => formatDate(v) } },
          y: { beginAtZero: true, title: { display: true, text: position.asset } },
        },
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              title: (items) => formatTime(items[0].raw.x),
              label: (item) => `${item.dataset.label}: ${amount(item.raw.raw, position.asset)}`,
            },
          },
        },
      },
    }));
  });
  return holder;
}

// `progress` of `target` (decimal strings) in percent with two decimals, rounded down.
function percentOf(done, target) {
  const t = BigInt(target);
  if (t === 0n) return '100.00';
  const bp = (BigInt(done) * 10000n) / t;
  const capped = bp > 10000n ? 10000n : bp;
  return `${capped / 100n}.${(capped % 100n).toString().padStart(2, '0')}`;
}

// One milestone of a position with its progress: stake parts by the time staked,
// purchases, referrals and usage parts (and newer kinds) by their count.
function milestoneItem(m, p) {
  const attrs = { 'data-part': m.part, 'data-type': m.type, 'data-met-at': m.metAt ?? '' };
  const met = m.metAt !== null ? h('span', { class: 'met' }, ` met ${formatTime(m.metAt)}`) : null;
  if (m.type === 'stake') {
    const percent = m.metAt !== null ? '100.00'
      : (Math.floor((m.stakedSeconds / m.duration) * 10000) / 100).toFixed(2);
    return h('li', attrs, `${amount(m.amount, p.asset)} after staking ${amount(m.minStake, nativeSymbol)} for ${formatDuration(m.duration)}: `,
      progress(percent, `milestone ${m.part}`), met ?? ` ${formatDuration(m.remainingSeconds)} to go`);
  }
  const percent = m.metAt !== null ? '100.00' : m.target !== undefined ? percentOf(m.progress, m.target) : '0.00';
  return h('li', attrs, `${amount(m.amount, p.asset)} on ${m.type}: `,
    h('span', { class: 'progress-text' }, m.progressText ?? `${m.progress ?? '?'} of ${m.target ?? '?'}`), ' ',
    progress(percent, `milestone ${m.part}`), met);
}

function positionCard(p) {
  const milestones = p.milestones || [];
  const unknown = unknownParts(p);
  const pay = milestones.find((m) => m.asset)?.asset;
  return h('article', { class: 'position', 'data-position': p.id },
    h('h3', {}, `#${p.id} ${p.origin}`, p.revokedAt !== null ? ' (revoked)' : '', p.accepted === false ? ' (offered)' : ''),
    progress(p.percentVested, `vested of position ${p.id}`),
    fields([
      ['Total', amountCell(p.total, p.asset), { 'data-field': 'total' }],
      ['Vested', amountCell(p.vested, p.asset), { 'data-field': 'vested' }],
      ['Claimed', amountCell(p.released, p.asset), { 'data-field': 'released' }],
      ['Claimable', amountCell(p.claimable, p.asset), { 'data-field': 'claimable' }],
      ['Locked', amountCell(p.locked, p.asset), { 'data-field': 'locked' }],
      ['Since', formatTime(p.anchor)],
      ['Schedule', scheduleText(p.schedule, pay)],
    ]),
    positionChart(p),
    unknown.length ? h('p', { class: 'muted unknown-parts' },
      `Not drawn: part ${unknown.map((i) => `${i} (${p.schedule.parts[i].type})`).join(', ')}, of a kind this page does not know.`) : null,
    p.nextUnlocks.length ? h('div', {}, h('h4', {}, 'Next unlocks'),
      h('ul', { class: 'unlocks' }, p.nextUnlocks.map((u) =>
        h('li', {}, formatTime(u.time), ': +', amountCell(u.amount, p.asset))))) : null,
    milestones.length ? h('div', {}, h('h4', {}, 'Milestones'),
      h('ul', { class: 'milestones' }, milestones.map((m) => milestoneItem(m, p)))) : null);
}

async function viewAccount(address) {
  const [account, staking, tier, purchases, txs] = await batch([
    ['account_get', { address }], ['staking_get', { address }], ['sale_getTier', { address }],
    ['sale_getPurchases', { address, limit: 10 }], ['account_getTransactions', { address, limit: 10 }]]);
  if (account.error) throw account.error;
  const a = account.result;
  const positions = await accountPositions(address);
  const symbols = Object.keys(a.balances);
  const balanceRows = symbols.map((s) => h('tr', { 'data-asset': s },
    h('td', {}, s), h('td', { 'data-field': 'balance' }, amountCell(a.balances[s], s)),
    h('td', { 'data-field': 'locked' }, amountCell(a.locked?.[s] ?? '0', s)),
    h('td', { 'data-field': 'claimable' }, amountCell(a.claimable?.[s] ?? '0', s)),
    h('td', { 'data-field': 'offered' }, amountCell(a.offered?.[s] ?? '0', s))));
  const st = staking.result;
  const t = tier.result;

  return h('div', {},
    h('h1', {}, 'Account'),
    h('p', { class: 'mono address' }, a.address),
    h('p', { class: 'muted' }, `As of block ${a.height}, ${formatTime(a.time)}; nonce ${a.nonce}.`),
    section('Balances', table(['Asset', 'Balance', 'Locked', 'Claimable', 'Offered'], balanceRows, { id: 'balances' })),
    section('Staking', st ? h('div', {},
      fields([
        ['Staked', amountCell(st.staked, nativeSymbol), { 'data-field': 'staked' }],
        ['from liquid', amountCell(st.fromLiquid, nativeSymbol)],
        ['from vesting', amountCell(st.fromVesting, nativeSymbol)],
        ['Unbonding', amountCell(a.unbonding, nativeSymbol), { 'data-field': 'unbonding' }],
        ['Pending rewards', amountCell(st.pendingRewards, nativeSymbol), { 'data-field': 'pendingRewards' }],
      ], { id: 'staking' }),
      st.unbonding.length ? table(['Unbonding', 'of it vesting', 'Matures'], st.unbonding.map((u) =>
        [amountCell(u.amount, nativeSymbol), amountCell(u.fromVesting, nativeSymbol), formatTime(u.maturity)]), { id: 'unbonding' }) : null)
      : empty(staking.error ? staking.error.message : 'No staking on this chain.')),
    section('Tier', t ? h('div', { id: 'tier' },
      fields([
        ['Tier', t.tier, { 'data-field': 'tier' }], ['Bonus', formatBps(t.bonusBps)],
        ['Spend', amountCell(t.spend, t.paymentAsset), { 'data-field': 'spend' }],
        ['Window', formatDuration(t.windowSeconds)],
        t.next ? ['Next', `${t.next.tier}: ${amount(t.next.remaining, t.paymentAsset)} to go`, { 'data-field': 'next' }]
          : ['Next', 'top tier reached'],
      ]),
      t.next ? progress(t.next.progress, `progress to ${t.next.tier}`) : null)
      : empty(tier.error ? tier.error.message : 'No sale on this chain.')),
    section(`Vesting positions (${positions.length})`, positions.length
      ? h('div', { class: 'positions' }, positions.map(positionCard)) : empty('None.')),
    section('Purchases', purchases.result && purchases.result.purchases.length
      ? table(['#', 'Package', 'Qty', 'Paid', 'Tokens', 'Bonus', 'Tier bonus', 'Position', 'Block'],
        purchases.result.purchases.map((p) => [String(p.id), String(p.packageId), String(p.quantity),
          amountCell(p.cost, p.priceAsset), amountCell(p.base, nativeSymbol), amountCell(p.bonus, nativeSymbol),
          amountCell(p.tierBonus, nativeSymbol), p.positionId ?? '—', blockLink(p.height)]), { id: 'purchases' })
      : empty('None.')),
    section('Recent transactions', txs.result && txs.result.transactions.length
      ? table(['Hash', 'Block', 'Kind', 'From', 'Status'], txs.result.transactions.map(txRow)) : empty('None.')));
}

function notFound(text) {
  return h('div', { class: 'not-found' }, h('h1', {}, 'Not found'), h('p', {}, text));
}

// ---- routing: #/, #/block/N, #/block/0x…, #/tx/0x…, #/account/0x…, #/packages, #/leaders ----

const routes = [
  [/^#?\/?$/, () => viewHome()],
  [/^#\/block\/(\d+|0x[0-9a-fA-F]{64})$/, (m) => viewBlock(m[1])],
  [/^#\/block\/(\d+)\/(\d+)$/, (m) => viewBlock(m[1], Number(m[2]))],
  [/^#\/positions(?:\/(\d+))?$/, (m) => viewPositions(Number(m[1] ?? 1))],
  [/^#\/tx\/(0x[0-9a-fA-F]{64})$/, (m) => viewTx(m[1])],
  [/^#\/account\/(0x[0-9a-fA-F]{40})$/, (m) => viewAccount(m[1])],
  [/^#\/packages$/, () => viewPackages()],
  [/^#\/leaders$/, () => viewLeaders()],
];

let renderCount = 0;

async function render() {
  const view = document.getElementById('view');
  const mine = ++renderCount;
  destroyCharts();
  view.setAttribute('aria-busy', 'true');
  let content;
  try {
    const route = routes.map(([re, fn]) => [location.hash.match(re), fn]).find(([m]) => m);
    content = route ? await route[1](route[0]) : notFound(`No page ${location.hash}.`);
  } catch (e) {
    console.error(e);
    content = h('div', { class: 'error' }, h('h1', {}, 'Error'),
      h('p', {}, e instanceof RpcError ? `${e.message} (${e.code})` : String(e.message || e)));
  }
  if (mine !== renderCount) return;  // a later navigation won
  view.replaceChildren(content);
  view.setAttribute('aria-busy', 'false');
  view.dataset.route = location.hash || '#/';
  view.dataset.rendered = String(mine);
}

// Search: an address, a transaction or block hash, or a block height.
async function search(text) {
  const q = text.trim();
  if (isAddress(q)) return `#/account/${q}`;
  if (/^\d+$/.test(q)) return `#/block/${q}`;
  if (isHash(q)) {
    if (await call('chain_getTransaction', { hash: q })) return `#/tx/${q}`;
    if (await call('chain_getBlock', { hash: q })) return `#/block/${q}`;
    return null;
  }
  return null;
}

function showHead(block) {
  const head = document.getElementById('head');
  head.replaceChildren('height ', blockLink(block.height));
  head.dataset.height = String(block.height);
}

async function start() {
  const view = document.getElementById('view');
  try {
    showHead(await loadChain());
  } catch (e) {
    view.replaceChildren(h('div', { class: 'error' }, h('h1', {}, 'The node does not answer'), h('p', {}, String(e.message || e))));
    return;
  }
  window.addEventListener('hashchange', render);
  document.getElementById('search').addEventListener('submit', async (event) => {
    event.preventDefault();
    const input = document.getElementById('search-input');
    const target = await search(input.value).catch(() => null);
    if (target) {
      input.value = '';
      if (location.hash === target) render(); else location.hash = target;
    } else {
      view.replaceChildren(notFound(`Nothing found for “${input.value.trim()}”: enter an address (0x + 40 hex digits), a transaction or block hash (0x + 64) or a block height.`));
    }
  });
  let heads = Promise.resolve();  // new heads are added to the home view one after the other
  watchHeads((block) => {
    showHead(block);
    heads = heads.then(() => homeOnHead(block)).catch(() => {});
  }, (mode, reason) => {
    const head = document.getElementById('head');
    head.dataset.live = mode;
    head.dataset.liveReason = reason;
    head.title = `live updates: ${mode} (${reason})`;
  });
  await render();
}

start();
