/** Every method's handler, keyed by the contract's names (a method without a handler does not compile). */
import type { MethodName } from '../contract/index.js';
import type { ApiServices, Handler } from '../context.js';
import type { SubscriptionHub } from '../live/hub.js';
import { jobcenterHandlers } from '../jcapi/handlers.js';
import { flowHandlers } from './flows.js';
import { operateHandlers } from './operate.js';
import { resourceHandlers } from './resources.js';
import { runHandlers } from './runs.js';
import { serverHandlers } from './server.js';
import { workflowHandlers } from './workflows.js';
import { scheduleHandlers } from './schedules.js';
import { authHandlers } from './auth.js';
import { timeHandlers } from './time.js';
import { hostHandlers } from './hosts.js';
import { secretHandlers } from './secrets.js';
import { historyHandlers } from './history.js';
import { batchHandlers } from './batches.js';
import { handlerHandlers } from './handlers.js';
import { serversHandlers } from './servers.js';

export function handlers(s: ApiServices, hub: SubscriptionHub): Record<MethodName, Handler> {
  return {
    ...serverHandlers(s, hub),
    ...flowHandlers(s),
    ...runHandlers(s),
    ...operateHandlers(s),
    ...resourceHandlers(s),
    ...jobcenterHandlers(s),
    ...workflowHandlers(s),
    ...scheduleHandlers(s),
    ...authHandlers(s),
    ...timeHandlers(s),
    ...hostHandlers(s),
    ...secretHandlers(s),
    ...historyHandlers(s),
    ...batchHandlers(s),
    ...handlerHandlers(s),
    ...serversHandlers(s),
  };
}
