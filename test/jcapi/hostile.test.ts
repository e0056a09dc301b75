/**
 * Hostile input on the netstring listener hurts nobody else: a length of 200,000 zeros (which once froze
 * the server for 80 s, each byte parsing the whole length again), zeros one byte at a time, a frame body
 * that never ends, a large frame before hello. The attacker gets an error and is closed; meanwhile
 * another client's calls are answered within a second.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RawClient, type Msg } from './raw-client.js';
import { startJcServer, type JcTestServer } from './support.js';

const FRAME_TIMEOUT_MS = 1000;

async function hello(t: JcTestServer, who: string): Promise<RawClient> {
  const c = await RawClient.connect(t.jcPort);
  await c.notification('greetings');
  assert.deepEqual(await c.call('hello', { who, method: 'password', token: t.tokens.operator }), [true, `welcome to the clientapi ${who}!`]);
  return c;
}

/** The error the attacker gets before it is closed (the connection must close within `timeoutMs`). */
async function refusal(attacker: RawClient, timeoutMs = 5000): Promise<{ code: number; message: string }> {
  const r = await attacker.next((m) => 'error' in m, 'the refusal', timeoutMs);
  const closed = await Promise.race([attacker.closed.then(() => true), new Promise((res) => setTimeout(() => res(false), timeoutMs).unref())]);
  assert.ok(closed, 'the attacker is disconnected');
  const error = r.error as { code: number; message: string };
  assert.deepEqual(Object.keys(error).sort(), ['code', 'message']);
  return error;
}

describe('hostile input on the netstring listener', () => {
  let t: JcTestServer;
  let bystander: RawClient;
  before(async () => {
    t = await startJcServer({ frameTimeoutMs: FRAME_TIMEOUT_MS });
    bystander = await hello(t, 'bystander');
  });
  after(async () => {
    await bystander.close();
    await t.close();
  });

  /** The bystander's calls are answered within a second while `attack` runs. */
  async function stillServed(attack: Promise<unknown>): Promise<void> {
    let done = false;
    void attack.finally(() => (done = true));
    let calls = 0;
    do {
      assert.equal(await bystander.call('ping', {}, 1000), 'pong');
      calls++;
      await new Promise((r) => setTimeout(r, 50));
    } while (!done);
    await attack;
    assert.ok(calls >= 1);
  }

  test('a length of 200,000 zeros is refused at once, and the server goes on answering', async () => {
    const attacker = await RawClient.connect(t.jcPort);
    attacker.sendRaw('0'.repeat(200_000));
    const answered = bystander.call('ping', {}, 1000);
    const error = await refusal(attacker);
    assert.equal(error.code, -32600);
    assert.equal(error.message, 'ORDO_INVALID_REQUEST: not a netstring: a netstring length with a leading zero');
    assert.equal(await answered, 'pong');
  });

  test('zeros one byte at a time: refused at the second', async () => {
    const attacker = await hello(t, 'zeros');
    const trickle = setInterval(() => attacker.sendRaw('0'), 20);
    try {
      await stillServed(refusal(attacker));
    } finally {
      clearInterval(trickle);
    }
  });

  test('a frame body that never ends: the connection is closed after the frame timeout', async () => {
    const attacker = await hello(t, 'trickler');
    attacker.sendRaw('999999:{"jsonrpc":"2.0",');
    const trickle = setInterval(() => attacker.sendRaw(' '), 20);
    try {
      let error: { code: number; message: string } | undefined;
      await stillServed(refusal(attacker, 5 * FRAME_TIMEOUT_MS).then((e) => (error = e)));
      assert.equal(error?.message, 'ORDO_INVALID_REQUEST: not a netstring: a frame took more than 1 s to arrive');
    } finally {
      clearInterval(trickle);
    }
  });

  test('before hello, a frame of more than 64 KiB is refused; the limit says 999,999 after it', async () => {
    const stranger = await RawClient.connect(t.jcPort);
    stranger.sendRaw('65537:');
    const error = await refusal(stranger);
    assert.deepEqual(error, { code: -32001, message: 'ORDO_TOO_LARGE: a frame of more than 65,536 bytes before hello (the limit)' });

    const known = await hello(t, 'known');
    const big = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping', params: {}, pad: 'x'.repeat(100_000) });
    known.sendRaw(`${Buffer.byteLength(big)}:${big},`);
    const r: Msg = await known.next((m) => m.id === 1, 'the answer to a 100 kB frame after hello');
    assert.equal(r.result, 'pong');
    await known.close();
  });
});
