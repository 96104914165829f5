// Interop check: real JavaScript clients (ethers v6, viem v2, web3.js v4) against a
// running vestd, through each library's raw JSON-RPC layer, as their users would call it.
// It also signs transfers here, with ethers' RLP, keccak256 and secp256k1 only, following
// docs/protocol.md section 3, independently of the C++ code.
//
// Usage: VEST_NPM_DIR=<folder with node_modules/{ethers,viem,web3}> \
//          node clients_check.mjs <node url>
// The node must run genesis/devnet.json (development accounts 0 and 1 funded); the tests
// start `vestd --dev --instant`. Nonces and balances are read first, so it need not be fresh.
// Prints one line per check; exits 0 when all pass, 1 when one fails, 2 on a usage error.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const url = process.argv[2];
const npmDir = process.env.VEST_NPM_DIR;
if (!url || !npmDir) {
  console.error('usage: VEST_NPM_DIR=<dir> node clients_check.mjs <node url>');
  process.exit(2);
}

// ES modules ignore NODE_PATH: resolve the libraries from the given npm folder.
const require = createRequire(path.join(path.resolve(npmDir), 'package.json'));
const ethers = require('ethers');
const viem = require('viem');
const { Web3 } = require('web3');
// Not every package exports its package.json: read it from the folder.
const versionOf = (name) =>
  JSON.parse(readFileSync(path.join(path.resolve(npmDir), 'node_modules', name, 'package.json'), 'utf8')).version;

// Never hang a test run: each library has its own (long) timeouts.
setTimeout(() => {
  console.error('FAIL: the checks did not finish within 60 s');
  process.exit(1);
}, 60_000).unref();

// ---------------------------------------------------------------------------
// Development accounts 0 and 1 of the "test test ... junk" mnemonic (genesis/devnet.json).
const KEY0 = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
const ADDR0 = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';
const ADDR1 = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const CHAIN_ID = 7357n;
const MIN_FEE = 1000000000000000n; // genesis/devnet.json params.min_fee
const KIND_BANK_TRANSFER = 1n;
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

// The three accepted text forms of an address, and a mistyped one.
const lower = (a) => ethers.getAddress(a).toLowerCase();
const upper = (a) => '0x' + ethers.getAddress(a).slice(2).toUpperCase();
const checksummed = (a) => viem.getAddress(a);
// Flips the case of the first letter of a checksummed address: still mixed case, so the
// checksum applies, and it no longer matches.
function wrongChecksum(a) {
  const s = ethers.getAddress(a);
  const i = [...s].findIndex((c, k) => k >= 2 && /[a-fA-F]/.test(c));
  const c = s[i];
  return s.slice(0, i) + (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase()) + s.slice(i + 1);
}

// ---------------------------------------------------------------------------
// docs/protocol.md section 3, with ethers primitives only.
// Integers: minimal big-endian, zero is the empty string (toBeArray(0) is empty; toBeHex is not).
const rlpInt = (n) => ethers.toBeArray(BigInt(n));
const bytesToHex = (b) => ethers.hexlify(b);

// bank.transfer payload = RLP[to (20 bytes), asset symbol, amount]
function transferPayload(to, asset, amount) {
  const toBytes = ethers.getBytes(ethers.getAddress(to));
  if (toBytes.length !== 20) throw new Error('address must be 20 bytes');
  return ethers.encodeRlp([toBytes, ethers.toUtf8Bytes(asset), rlpInt(amount)]);
}

// signing digest = keccak256(RLP["vestchain/tx/v1", chain_id, nonce, fee, kind, payload])
function signingDigest({ chainId, nonce, fee, kind, payload }) {
  return ethers.keccak256(
    ethers.encodeRlp([
      ethers.toUtf8Bytes('vestchain/tx/v1'),
      rlpInt(chainId),
      rlpInt(nonce),
      rlpInt(fee),
      rlpInt(kind),
      ethers.getBytes(payload),
    ]),
  );
}

// signed tx = RLP[chain_id, nonce, fee, kind, payload, sig], sig = r || s || v (v = 0 or 1).
function encodeSigned(tx, sig) {
  if (ethers.getBytes(sig).length !== 65) throw new Error('signature must be 65 bytes');
  return ethers.encodeRlp([
    rlpInt(tx.chainId),
    rlpInt(tx.nonce),
    rlpInt(tx.fee),
    rlpInt(tx.kind),
    ethers.getBytes(tx.payload),
    ethers.getBytes(sig),
  ]);
}

function signTransfer(key, { nonce, to, asset, amount, fee = MIN_FEE }) {
  const tx = { chainId: CHAIN_ID, nonce, fee, kind: KIND_BANK_TRANSFER, payload: transferPayload(to, asset, amount) };
  const s = new ethers.SigningKey(key).sign(signingDigest(tx)); // low-S, yParity 0 or 1
  if (BigInt(s.s) > SECP256K1_N / 2n) throw new Error('ethers gave a high-S signature');
  const sig = ethers.concat([s.r, s.s, new Uint8Array([s.yParity])]);
  const raw = encodeSigned(tx, sig);
  return { tx, sig: s, raw, hash: ethers.keccak256(raw) };
}

// The high-S twin (r, n - s, v ^ 1) of a signed transaction: the same signer recovers,
// and the node must refuse it (docs/protocol.md: "high_s").
function highSTwin({ tx, sig }) {
  const s2 = ethers.toBeHex(SECP256K1_N - BigInt(sig.s), 32);
  return encodeSigned(tx, ethers.concat([sig.r, s2, new Uint8Array([sig.yParity ^ 1])]));
}

// ---------------------------------------------------------------------------
// Check runner.
let failures = 0;
const known = [];
async function check(name, fn) {
  try {
    const detail = await fn();
    console.log(`ok    ${name}${detail ? ` (${detail})` : ''}`);
  } catch (e) {
    failures++;
    console.log(`FAIL  ${name}: ${e && e.stack ? e.stack : e}`);
  }
}
// A check that fails for a reason in the node that is understood and reported: printed,
// never silently passing, and not counted as a failure.
function knownFailure(name, why) {
  known.push(name);
  console.log(`KNOWN-FAILURE  ${name}: ${why}`);
}
function expect(cond, what) {
  if (!cond) throw new Error(what);
}
const show = (v) => (typeof v === 'bigint' ? `${v}n` : JSON.stringify(v));
function expectEq(got, want, what) {
  if (got !== want) throw new Error(`${what}: got ${show(got)}, want ${show(want)}`);
}
// Calls fn, which must throw; returns the error.
async function rejects(fn, what) {
  try {
    const r = await fn();
    throw Object.assign(new Error(`${what}: expected an error, got ${JSON.stringify(r)}`), { notThrown: true });
  } catch (e) {
    if (e && e.notThrown) throw e;
    return e;
  }
}
const REPLAY_CODES = [1006, 1013]; // nonce_too_low, already_known

// ---------------------------------------------------------------------------
// The clients.
const network = new ethers.Network('vestchain-devnet', CHAIN_ID);
const provider = new ethers.JsonRpcProvider(url, undefined, { staticNetwork: network, batchMaxCount: 10 });
const ethersPayloads = [];
await provider.on('debug', (e) => {
  if (e.action === 'sendRpcPayload') ethersPayloads.push(e.payload);
});

const viemBodies = [];
const viemClient = viem.createPublicClient({
  transport: viem.http(url, {
    batch: true,
    retryCount: 0,
    onFetchRequest: (_request, init) => {
      viemBodies.push(JSON.parse(init.body));
    },
  }),
});

const web3 = new Web3(url);
const web3Payloads = [];
web3.requestManager.setMiddleware({
  processRequest: async (payload) => {
    web3Payloads.push(payload);
    return payload;
  },
  processResponse: async (response) => response,
});

console.log(
  `node ${process.version}; ethers ${versionOf('ethers')}, viem ${versionOf('viem')}, ` +
    `web3 ${versionOf('web3')} (web3-core ${versionOf('web3-core')}); node at ${url}`,
);

// Shared state between checks.
let status;
let before;
let transfer1;
let transfer2;

// ---------------------------------------------------------------------------
// ethers v6
await check('ethers: concurrent sends go out as one batch and are answered by id', async () => {
  ethersPayloads.length = 0;
  const [st, genesis, acct0, acct1, assets] = await Promise.all([
    provider.send('node_status', []),
    provider.send('chain_getBlock', { height: 0 }),
    provider.send('account_get', [{ address: lower(ADDR0) }]), // Ethereum-style [ {…} ] params
    provider.send('account_get', { address: lower(ADDR1) }),
    provider.send('chain_getAssets', []),
  ]);
  const batches = ethersPayloads.filter(Array.isArray);
  expect(batches.length === 1 && batches[0].length === 5, `expected one batch of 5, sent ${JSON.stringify(ethersPayloads)}`);
  expect(batches[0].every((p) => typeof p.id === 'number'), 'ethers uses numeric ids');
  expectEq(BigInt(st.chainId), CHAIN_ID, 'node_status chainId');
  expectEq(BigInt(st.minFee), MIN_FEE, 'node_status minFee');
  expectEq(st.nativeSymbol, 'VEST', 'nativeSymbol');
  expectEq(genesis.height, 0, 'genesis height');
  expectEq(genesis.hash, st.genesisHash, 'genesis hash');
  expectEq(acct0.address, ADDR0, 'account_get answers the checksummed address');
  expectEq(acct1.address, ADDR1, 'account_get answers the checksummed address');
  expect(assets.assets.some((a) => a.symbol === 'USDV'), 'chain_getAssets lists USDV');
  status = st;
  before = { a0: acct0, a1: acct1 };
  return `batch of ${batches[0].length}, height ${st.height}`;
});

await check('ethers: a wrong-checksum address is -32602 through the batch', async () => {
  const [ok, err] = await Promise.all([
    provider.send('account_get', { address: lower(ADDR0) }),
    rejects(() => provider.send('account_get', { address: wrongChecksum(ADDR0) }), 'wrong checksum'),
  ]);
  expectEq(ok.address, ADDR0, 'the good call of the batch');
  expectEq(err.code, 'UNKNOWN_ERROR', 'ethers error code');
  expectEq(err.error?.code, -32602, 'JSON-RPC code');
  expect(/checksum/i.test(err.error?.message), `message names the checksum: ${err.error?.message}`);
  return err.error.message;
});

await check('ethers: an unknown method is -32601', async () => {
  const err = await rejects(() => provider.send('eth_blockNumber', []), 'eth_blockNumber');
  expectEq(err.error?.code, -32601, 'JSON-RPC code');
});

await check('ethers: a transfer signed in JavaScript (docs/protocol.md) is committed', async () => {
  const acct = await provider.send('account_get', { address: lower(ADDR0) });
  const nonce = BigInt(acct.nonce) + BigInt(acct.pendingCount ?? 0);
  const amount = 1234500000000000000n; // 1.2345 VEST
  transfer1 = { ...signTransfer(KEY0, { nonce, to: ADDR1, asset: 'VEST', amount }), amount, asset: 'VEST' };
  // The sender the node will recover is ours.
  expectEq(ethers.recoverAddress(signingDigest(transfer1.tx), transfer1.sig), ADDR0, 'local recovery');
  const res = await provider.send('tx_submit', { raw: transfer1.raw, wait: true });
  expectEq(res.status, 'committed', `tx status (error ${JSON.stringify(res.error)})`);
  expectEq(res.hash, transfer1.hash, 'tx hash = keccak256(signed tx)');
  expectEq(res.raw, transfer1.raw, 'raw echoed');
  expectEq(res.from, ADDR0, 'recovered sender');
  expectEq(BigInt(res.nonce), nonce, 'nonce');
  expectEq(BigInt(res.fee), MIN_FEE, 'fee');
  expectEq(BigInt(res.chainId), CHAIN_ID, 'chainId');
  expectEq(res.kind, 'bank.transfer', 'kind');
  expectEq(res.message?.to, ADDR1, 'message.to');
  expectEq(res.message?.asset, 'VEST', 'message.asset');
  expectEq(BigInt(res.message?.amount), amount, 'message.amount');
  expect(res.error === null || res.error === undefined, `no error: ${JSON.stringify(res.error)}`);
  transfer1.height = res.height;
  return `hash ${res.hash.slice(0, 12)}…, height ${res.height}`;
});

await check('ethers: account_get shows the balances moved', async () => {
  const [a0, a1] = await Promise.all([
    provider.send('account_get', { address: lower(ADDR0) }),
    provider.send('account_get', { address: lower(ADDR1) }),
  ]);
  const { amount } = transfer1;
  expectEq(BigInt(a0.balances.VEST), BigInt(before.a0.balances.VEST) - amount - MIN_FEE, 'sender VEST');
  expectEq(BigInt(a1.balances.VEST), BigInt(before.a1.balances.VEST) + amount, 'recipient VEST');
  expectEq(BigInt(a0.nonce), BigInt(before.a0.nonce) + 1n, 'sender nonce');
  before = { a0, a1 };
});

await check('ethers: the replayed transaction is refused with 1006 or 1013', async () => {
  const err = await rejects(() => provider.send('tx_submit', { raw: transfer1.raw }), 'replay');
  expect(REPLAY_CODES.includes(err.error?.code), `JSON-RPC code ${err.error?.code} (${err.error?.message})`);
  expectEq(err.error?.data?.code, err.error.code - 1000, 'data.code');
  return `${err.error.code} ${err.error.data?.reason}`;
});

await check('ethers: the high-S twin of a fresh transaction is refused with 1005', async () => {
  const acct = await provider.send('account_get', { address: lower(ADDR0) });
  const nonce = BigInt(acct.nonce) + BigInt(acct.pendingCount);
  const t = signTransfer(KEY0, { nonce, to: ADDR1, asset: 'VEST', amount: 1n });
  const err = await rejects(() => provider.send('tx_submit', { raw: highSTwin(t) }), 'high-S twin');
  expectEq(err.error?.code, 1005, `JSON-RPC code (${err.error?.message})`);
  expectEq(err.error?.data?.reason, 'high_s', 'data.reason');
});

// ---------------------------------------------------------------------------
// viem v2
await check('viem: node_status without params, and a batch of concurrent requests', async () => {
  viemBodies.length = 0;
  const [st, acct0, block, tx] = await Promise.all([
    viemClient.request({ method: 'node_status' }),
    viemClient.request({ method: 'account_get', params: { address: checksummed(ADDR0) } }),
    viemClient.request({ method: 'chain_getBlock', params: { height: transfer1.height } }),
    viemClient.request({ method: 'chain_getTransaction', params: { hash: transfer1.hash } }),
  ]);
  const batches = viemBodies.filter(Array.isArray);
  expect(batches.length === 1 && batches[0].length === 4, `expected one batch of 4, sent ${JSON.stringify(viemBodies)}`);
  const statusCall = batches[0].find((c) => c.method === 'node_status');
  expect(!('params' in statusCall), `viem omits params: ${JSON.stringify(statusCall)}`);
  expectEq(BigInt(st.chainId), CHAIN_ID, 'chainId');
  expectEq(st.genesisHash, status.genesisHash, 'genesis hash');
  expectEq(acct0.address, ADDR0, 'address');
  expectEq(acct0.balances.VEST, before.a0.balances.VEST, 'balance as ethers saw it');
  expect(block.transactions.includes(transfer1.hash), 'the block lists the transfer');
  expectEq(tx.status, 'committed', 'chain_getTransaction status');
  expectEq(tx.from, ADDR0, 'chain_getTransaction from');
  return `batch of ${batches[0].length}`;
});

await check('viem: a single request (no batch) without params', async () => {
  viemBodies.length = 0;
  const st = await viemClient.request({ method: 'node_status' });
  expectEq(BigInt(st.chainId), CHAIN_ID, 'chainId');
  expectEq(viemBodies.length, 1, 'one HTTP request');
  // A batch of one is still an array for viem; either way the node must answer it.
  return Array.isArray(viemBodies[0]) ? 'sent as a batch of one' : 'sent as a single call';
});

await check('viem: a transfer of USDV signed in JavaScript is committed', async () => {
  const acct = await viemClient.request({ method: 'account_get', params: { address: checksummed(ADDR0) } });
  const nonce = BigInt(acct.nonce) + BigInt(acct.pendingCount);
  const amount = 2500000n; // 2.5 USDV (6 decimals)
  transfer2 = { ...signTransfer(KEY0, { nonce, to: ADDR1, asset: 'USDV', amount }), amount };
  const res = await viemClient.request({ method: 'tx_submit', params: { raw: transfer2.raw, wait: true } });
  expectEq(res.status, 'committed', `tx status (error ${JSON.stringify(res.error)})`);
  expectEq(res.hash, transfer2.hash, 'tx hash');
  const [a0, a1] = await Promise.all([
    viemClient.request({ method: 'account_get', params: { address: checksummed(ADDR0) } }),
    viemClient.request({ method: 'account_get', params: { address: checksummed(ADDR1) } }),
  ]);
  expectEq(BigInt(a0.balances.USDV), BigInt(before.a0.balances.USDV) - amount, 'sender USDV');
  expectEq(BigInt(a1.balances.USDV), BigInt(before.a1.balances.USDV) + amount, 'recipient USDV');
  expectEq(BigInt(a0.balances.VEST), BigInt(before.a0.balances.VEST) - MIN_FEE, 'sender paid the fee in VEST');
  before = { a0, a1 };
});

await check('viem: a wrong-checksum address is -32602', async () => {
  const err = await rejects(
    () => viemClient.request({ method: 'account_get', params: { address: wrongChecksum(ADDR1) } }),
    'wrong checksum',
  );
  expectEq(err.code, -32602, `error code (${err.name}: ${err.shortMessage})`);
  expect(err instanceof viem.InvalidParamsRpcError, `error class ${err.name}`);
  return err.name;
});

await check('viem: the replayed transaction is refused with 1006 or 1013', async () => {
  const err = await rejects(
    () => viemClient.request({ method: 'tx_submit', params: { raw: transfer2.raw } }),
    'replay',
  );
  expect(REPLAY_CODES.includes(err.code), `error code ${err.code} (${err.name}: ${err.details})`);
  expectEq(err.data?.code, err.code - 1000, 'data.code');
  return `${err.code} ${err.data?.reason} (${err.name})`;
});

// ---------------------------------------------------------------------------
// web3.js v4
await check('web3: requestManager.send with string ids', async () => {
  web3Payloads.length = 0;
  const st = await web3.requestManager.send({ method: 'node_status' });
  const acct = await web3.requestManager.send({ method: 'account_get', params: { address: upper(ADDR0) } });
  expectEq(BigInt(st.chainId), CHAIN_ID, 'chainId');
  expectEq(acct.address, ADDR0, 'all-uppercase address accepted, checksummed in the answer');
  expectEq(acct.balances.VEST, before.a0.balances.VEST, 'balance');
  const ids = web3Payloads.map((p) => p.id);
  expect(ids.length === 2 && ids.every((id) => typeof id === 'string'), `web3 ids: ${JSON.stringify(ids)}`);
  return `ids ${ids.map((id) => JSON.stringify(id)).join(', ')}`;
});

await check('web3: BatchRequest', async () => {
  const batch = new web3.BatchRequest();
  const p1 = batch.add({ jsonrpc: '2.0', id: 'b-1', method: 'chain_getBlock', params: { height: transfer1.height } });
  const p2 = batch.add({ jsonrpc: '2.0', id: 'b-2', method: 'chain_getTransaction', params: { hash: transfer2.hash } });
  const responses = await batch.execute();
  expectEq(responses.length, 2, 'two responses');
  const [block, tx] = await Promise.all([p1, p2]);
  expect(block.transactions.includes(transfer1.hash), 'block lists the first transfer');
  expectEq(tx.status, 'committed', 'second transfer status');
  expectEq(tx.message?.asset, 'USDV', 'second transfer asset');
});

await check('web3: a wrong-checksum address is -32602', async () => {
  const err = await rejects(
    () => web3.requestManager.send({ method: 'account_get', params: { address: wrongChecksum(ADDR0) } }),
    'wrong checksum',
  );
  expectEq(err.cause?.code, -32602, `JSON-RPC code (${err.name}: ${err.message})`);
  return err.name;
});

await check('web3: the replayed transaction is refused with 1006 or 1013', async () => {
  const err = await rejects(
    () => web3.requestManager.send({ method: 'tx_submit', params: { raw: transfer1.raw } }),
    'replay',
  );
  expect(REPLAY_CODES.includes(err.cause?.code), `JSON-RPC code ${err.cause?.code} (${err.name}: ${err.message})`);
  expectEq(err.data?.code, err.cause.code - 1000, 'data.code');
  return `${err.cause.code} ${err.data?.reason}`;
});

// ---------------------------------------------------------------------------
// Plain fetch: string ids, explicitly.
async function post(body) {
  const r = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, type: r.headers.get('content-type'), json: text ? JSON.parse(text) : undefined };
}

await check('fetch: a string id is echoed as the same string', async () => {
  const r = await post({ jsonrpc: '2.0', id: 'abc', method: 'node_status' });
  expectEq(r.status, 200, 'HTTP status');
  expect(r.type?.startsWith('application/json'), `content-type ${r.type}`);
  expectEq(r.json.id, 'abc', 'id');
  expectEq(BigInt(r.json.result.chainId), CHAIN_ID, 'chainId');
});

await check('fetch: a batch with string, number and null ids and a notification', async () => {
  const r = await post([
    { jsonrpc: '2.0', id: 'abc', method: 'account_get', params: { address: lower(ADDR1) } },
    { jsonrpc: '2.0', id: 7, method: 'node_status' },
    { jsonrpc: '2.0', method: 'node_status' }, // notification: no answer
    { jsonrpc: '2.0', id: null, method: 'account_get', params: { address: wrongChecksum(ADDR1) } },
  ]);
  expectEq(r.status, 200, 'HTTP status');
  expect(Array.isArray(r.json) && r.json.length === 3, `three answers: ${JSON.stringify(r.json)}`);
  const byId = new Map(r.json.map((x) => [x.id, x]));
  expectEq(byId.get('abc')?.result?.address, ADDR1, 'string id');
  expectEq(BigInt(byId.get(7)?.result?.chainId ?? -1), CHAIN_ID, 'number id');
  expectEq(byId.get(null)?.error?.code, -32602, 'null id error');
});

provider.destroy();
const summary = `${failures} failed` + (known.length ? `, ${known.length} known failures (${known.join('; ')})` : '');
console.log(failures ? `FAILED: ${summary}` : `all checks passed${known.length ? ` (${summary})` : ''}`);
process.exit(failures ? 1 : 0);
