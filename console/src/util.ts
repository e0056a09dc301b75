/** Small helpers shared by the pages: state colours, durations, navigation. */

export const STATE_COLORS: Record<string, string> = {
  waiting: '#9e9e9e', ready: '#42a5f5', running: '#1e88e5', pending: '#9e9e9e',
  succeeded: '#2e7d32', failed: '#c62828', skipped: '#ab47bc', aborted: '#ef6c00', expired: '#6d4c41',
};

export function colorOf(state: string): string {
  return STATE_COLORS[state] ?? '#607d8b';
}

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || ms < 0) return '';
  if (ms < 1000) return `${ms} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function time(ms: number | null | undefined): string {
  return ms ? new Date(ms).toLocaleString() : '';
}

export function navigate(path: string): void {
  history.pushState(null, '', path);
  window.dispatchEvent(new PopStateEvent('popstate'));
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
