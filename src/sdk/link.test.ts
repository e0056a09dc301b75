import assert from 'node:assert/strict';
import { test } from 'node:test';
import { wsUrl } from './rpc-socket.js';
import { backoff } from './link.js';

test('reconnect backoff doubles from the minimum to the cap, with jitter', () => {
  const mid = () => 0.5;
  assert.deepEqual([0, 1, 2, 3, 10, 50].map((a) => backoff(a, 100, 5000, mid)), [100, 200, 400, 800, 5000, 5000]);
  assert.equal(backoff(0, 100, 5000, () => 0), 80);
  assert.equal(backoff(0, 100, 5000, () => 1), 120);
});

test('the WebSocket URL of a server URL', () => {
  assert.equal(wsUrl('http://127.0.0.1:6580'), 'ws://127.0.0.1:6580/ws');
  assert.equal(wsUrl('https://ordo.example/'), 'wss://ordo.example/ws');
  assert.equal(wsUrl('ws://h:1/ws'), 'ws://h:1/ws');
  assert.equal(wsUrl('h:1'), 'ws://h:1/ws');
});
