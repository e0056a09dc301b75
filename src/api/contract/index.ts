/**
 * The API contract, in one place: every method's permission, params and result JSON Schemas, and its REST
 * route. The registry validates calls with it, /openapi.json and docs/api.md are generated from it, and the
 * method handlers are typed by its names (a method without a handler does not compile).
 */
import { flowMethods } from './flows.js';
import { JOBCENTER_NOTIFICATIONS, jobcenterMethods } from './jobcenter.js';
import { operateMethods } from './operate.js';
import { resourceMethods } from './resources.js';
import { runMethods } from './runs.js';
import { NOTIFICATIONS as LIVE_NOTIFICATIONS, serverMethods } from './server.js';
import type { MethodSpec, NotificationSpec } from './types.js';
import { workflowMethods } from './workflows.js';
import { scheduleMethods } from './schedules.js';
import { authMethods } from './auth.js';
import { timeMethods } from './time.js';
import { AGENT_NOTIFICATIONS, hostMethods } from './hosts.js';
import { secretMethods } from './secrets.js';
import { historyMethods } from './history.js';
import { batchMethods } from './batches.js';
import { handlerMethods } from './handlers.js';
import { serversMethods } from './servers.js';

export const CONTRACT = {
  ...serverMethods,
  ...flowMethods,
  ...runMethods,
  ...operateMethods,
  ...resourceMethods,
  ...jobcenterMethods,
  ...workflowMethods,
  ...scheduleMethods,
  ...authMethods,
  ...timeMethods,
  ...hostMethods,
  ...secretMethods,
  ...historyMethods,
  ...batchMethods,
  ...handlerMethods,
  ...serversMethods,
} satisfies Record<string, MethodSpec>;

export type MethodName = keyof typeof CONTRACT;

export const METHOD_NAMES = Object.keys(CONTRACT) as MethodName[];

export const NOTIFICATIONS = { ...LIVE_NOTIFICATIONS, ...JOBCENTER_NOTIFICATIONS, ...AGENT_NOTIFICATIONS } satisfies Record<string, NotificationSpec>;
export type { MethodSpec, NotificationSpec, RestRoute } from './types.js';
