/** What the contract says of one method: who may call it, its params and result schemas, its REST route. */
import type { Permission } from '../../auth/roles.js';
import type { JsonSchema } from './schema.js';

export interface RestRoute {
  verb: 'GET' | 'POST';
  /** Fastify path; `:name` segments are params of the same name; the rest come from the query (GET) or body (POST). */
  path: string;
}

export interface MethodSpec {
  /** One line for the documentation. */
  summary: string;
  permission: Permission;
  params: JsonSchema;
  result: JsonSchema;
  rest?: RestRoute;
  /** The method needs a connection that can receive notifications (WebSocket). */
  streaming?: boolean;
}

export interface NotificationSpec {
  summary: string;
  params: JsonSchema;
}
