/**
 * The OpenAPI 3.1 document, generated from the contract: every REST route with its parameters, body and
 * result schemas, and the JSON-RPC endpoint with one request shape per method.
 */
import { CONTRACT, NOTIFICATIONS, type MethodSpec } from './contract/index.js';
import type { JsonSchema } from './contract/schema.js';

const ERROR: JsonSchema = {
  type: 'object', required: ['error'],
  properties: {
    error: {
      type: 'object', required: ['code', 'message', 'rpcCode'],
      properties: { code: { type: 'string', description: 'ORDO_* code' }, message: { type: 'string' }, rpcCode: { type: 'integer' }, details: { type: 'object' } },
    },
  },
};

const RPC_RESPONSE: JsonSchema = {
  type: 'object', required: ['jsonrpc', 'id'],
  properties: {
    jsonrpc: { const: '2.0' }, id: { type: ['string', 'number', 'null'] }, result: {},
    error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'integer' }, message: { type: 'string' }, data: {} } },
  },
};

function pathParams(path: string): string[] {
  return [...path.matchAll(/:(\w+)/g)].map((m) => m[1]!);
}

function operation(name: string, spec: MethodSpec): Record<string, unknown> {
  const rest = spec.rest!;
  const props = (spec.params.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((spec.params.required ?? []) as string[]);
  const inPath = pathParams(rest.path);
  const parameters = inPath.map((p) => ({ name: p, in: 'path', required: true, schema: props[p] ?? { type: 'string' } }));
  const others = Object.keys(props).filter((p) => !inPath.includes(p));
  const op: Record<string, unknown> = {
    operationId: name, summary: spec.summary, 'x-permission': spec.permission, 'x-jsonrpc-method': name,
    responses: {
      200: { description: 'the result', content: { 'application/json': { schema: spec.result } } },
      default: { description: 'an error (see docs/api.md)', content: { 'application/json': { schema: ERROR } } },
    },
  };
  if (spec.permission === 'public') op.security = [{}, { bearer: [] }];
  if (rest.verb === 'GET') {
    for (const p of others) parameters.push({ name: p, in: 'query', required: required.has(p), schema: props[p]! });
  } else if (others.length > 0) {
    const body = { ...spec.params, properties: Object.fromEntries(others.map((p) => [p, props[p]])), required: others.filter((p) => required.has(p)) };
    op.requestBody = { required: false, content: { 'application/json': { schema: body } } };
  }
  if (parameters.length) op.parameters = parameters;
  return op;
}

export function openApiDocument(version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [name, spec] of Object.entries(CONTRACT) as Array<[string, MethodSpec]>) {
    if (!spec.rest) continue;
    const path = spec.rest.path.replace(/:(\w+)/g, '{$1}');
    paths[path] = { ...paths[path], [spec.rest.verb.toLowerCase()]: operation(name, spec) };
  }
  const requests = Object.entries(CONTRACT).map(([name, spec]) => ({
    type: 'object', title: name, required: ['jsonrpc', 'method'],
    properties: { jsonrpc: { const: '2.0' }, method: { const: name }, params: (spec as MethodSpec).params, id: { type: ['string', 'number', 'null'] } },
  }));
  paths['/rpc'] = {
    post: {
      operationId: 'jsonrpc', summary: 'JSON-RPC 2.0: one request, a notification, or a batch (an array of them)',
      requestBody: { required: true, content: { 'application/json': { schema: { oneOf: [{ oneOf: requests }, { type: 'array', items: { oneOf: requests } }] } } } },
      responses: {
        200: { description: 'the response, or an array of responses for a batch', content: { 'application/json': { schema: { oneOf: [RPC_RESPONSE, { type: 'array', items: RPC_RESPONSE }] } } } },
        204: { description: 'only notifications were sent: no response' },
        401: { description: 'the token is not valid' },
        403: { description: 'the request came from a page of a web origin that is not allowed' },
        413: { description: 'the message is larger than the limit' },
        415: { description: 'the body is not application/json' },
        429: { description: 'too many failed authentications from this address (Retry-After says how long to wait)' },
      },
    },
  };
  const plain = (summary: string, type: string) => ({ get: { summary, security: [{}], responses: { 200: { description: summary, content: { [type]: { schema: { type: 'string' } } } } } } });
  paths['/'] = { get: { summary: 'an index of the API: its entry points', security: [{}], responses: { 200: { description: 'the index', content: { 'application/json': { schema: { type: 'object' } } } } } } };
  paths['/health'] = plain('the process is alive (the same as /healthz)', 'text/plain');
  paths['/healthz'] = plain('the process is alive', 'text/plain');
  paths['/readyz'] = plain('the store answers and the engine runs (503 otherwise)', 'text/plain');
  // A token that may read, unless the server runs with --metrics-public.
  paths['/metrics'] = { get: { ...plain('Prometheus metrics', 'text/plain').get, security: [{ bearer: [] }, {}] } };
  paths['/ws'] = { get: { summary: 'WebSocket upgrade: JSON-RPC 2.0 messages both ways, live-update notifications', responses: { 101: { description: 'switching protocols' } } } };
  return {
    openapi: '3.1.0',
    info: { title: 'Ordo API', version, description: 'Ordo job scheduler: JSON-RPC 2.0 and REST (docs/api.md).' },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    paths,
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'an API token from `ordo token create`' } } },
    'x-jsonrpc-notifications': NOTIFICATIONS,
  };
}
