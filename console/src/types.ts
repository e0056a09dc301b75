/** The shapes of the API results the console reads (src/api/contract/entities.ts on the server). */

export interface RunRow {
  id: number; flow: string; state: string; params: Record<string, unknown>;
  createdAt: number; startedAt: number | null; endedAt: number | null; priority: number;
}

export interface Attempt {
  taskId: number; attempt: number; state: string; startedAt: number; endedAt: number | null;
  exitCode: number | null; signal: string | null; error: string | null;
}

export interface Task {
  id: number; runId: number; job: string; state: string; attempts: number; reason: string | null;
  exitCode: number | null; startedAt: number | null; endedAt: number | null; skipRequested: boolean; abortRequested: boolean;
  attemptsList: Attempt[];
}

export interface Graph {
  flow: string;
  nodes: Array<{ job: string; enabled: boolean }>;
  edges: Array<{ from: string; to: string; states: string[]; any: boolean }>;
}

export interface Forecast {
  run: number; end: number; ended: boolean; state: string; late: string[];
  jobs: Array<{ job: string; state: string; start: number | null; end: number | null; known: boolean; deadline: number | null; late: boolean }>;
}

export interface EventRow {
  id: number; at: number; runId: number | null; job: string | null; kind: string; data: Record<string, unknown>;
}
