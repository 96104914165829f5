// The node's public JSON-RPC (docs/rpc.md), called from the page's own origin:
// POST / for calls, a WebSocket on / for new heads.

let nextId = 1;
const kMaxBatch = 100;  // rpc.max_batch's default

export class RpcError extends Error {
  constructor(error) {
    super(error.message);
    this.code = error.code;
    this.data = error.data;
  }
}

async function post(body) {
  const response = await fetch('/', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new RpcError({ code: response.status, message: `HTTP ${response.status}` });
  return response.json();
}

// One call: its result, or an RpcError.
export async function call(method, params) {
  const answer = await post({ jsonrpc: '2.0', id: nextId++, method, params });
  if (answer.error) throw new RpcError(answer.error);
  return answer.result;
}

// Several calls, [[method, params], ...], sent as JSON-RPC batches: for each, in
// order, {result} or {error: RpcError}.
export async function batch(calls) {
  const out = [];
  for (let i = 0; i < calls.length; i += kMaxBatch) {
    const chunk = calls.slice(i, i + kMaxBatch).map(([method, params]) => ({
      jsonrpc: '2.0', id: nextId++, method, params,
    }));
    if (chunk.length === 0) continue;
    const answers = await post(chunk);
    const byId = new Map((Array.isArray(answers) ? answers : [answers]).map((a) => [a.id, a]));
    for (const request of chunk) {
      const a = byId.get(request.id);
      if (!a) out.push({ error: new RpcError({ code: -32603, message: 'no answer' }) });
      else if (a.error) out.push({ error: new RpcError(a.error) });
      else out.push({ result: a.result });
    }
  }
  return out;
}

// The results of batch(calls); the first error is thrown.
export async function batchResults(calls) {
  return (await batch(calls)).map((a) => {
    if (a.error) throw a.error;
    return a.result;
  });
}

const kPollMs = 2000;
const kMethodNotFound = -32601;

// Calls onHead(block) with the chain_getBlock answer of each new head. Subscribes to
// "newHeads" over a WebSocket; when the node does not offer `subscribe` (-32601) or
// the socket fails or closes, polls chain_getBlock every 2 s instead. onMode(mode,
// reason) says which: "subscription" or "polling".
export function watchHeads(onHead, onMode) {
  let polling = false;
  let subscription = null;
  let lastHeight = -1;

  const deliver = (block) => {
    if (!block || block.height <= lastHeight) return;
    lastHeight = block.height;
    onHead(block);
  };

  const poll = async () => {
    try {
      deliver(await call('chain_getBlock', {}));
    } catch (e) {
      // The node is away: try again at the next tick.
    }
    setTimeout(poll, kPollMs);
  };

  const startPolling = (reason) => {
    if (polling) return;
    polling = true;
    onMode('polling', reason);
    poll();
  };

  let socket;
  try {
    socket = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/');
  } catch (e) {
    startPolling('WebSocket unavailable');
    return;
  }
  const subscribeId = nextId++;
  socket.onopen = () => {
    socket.send(JSON.stringify({ jsonrpc: '2.0', id: subscribeId, method: 'subscribe', params: { topic: 'newHeads' } }));
  };
  socket.onmessage = (event) => {
    let message;
    try {
      message = JSON.parse(event.data);
    } catch (e) {
      return;
    }
    if (message.id === subscribeId) {
      if (message.error) {
        socket.close();
        startPolling(message.error.code === kMethodNotFound ? 'subscribe not offered by this node'
          : 'subscribe refused: ' + message.error.message);
      } else {
        subscription = message.result;
        onMode('subscription', 'newHeads ' + subscription);
      }
    } else if (message.method === 'subscription' && message.params && message.params.subscription === subscription) {
      deliver(message.params.result);
    }
  };
  socket.onclose = () => startPolling(subscription === null ? 'WebSocket failed' : 'WebSocket closed');
}
