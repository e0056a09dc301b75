/**
 * Ordo's TypeScript SDKs, over the server's WebSocket (JSON-RPC 2.0): a client (start workflows, wait for
 * their results, raise events) and a remote worker (implement actions in another process).
 */
export { OrdoClient, JobFailed, type JobEnd } from './client.js';
export { RemoteWorker, ActionFailure, type RemoteActionHandler, type RemoteTaskContext, type RemoteWorkerOptions } from './worker.js';
export { Link, backoff, type LinkOptions } from './link.js';
