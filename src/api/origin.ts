/**
 * Which web origins may call the API from a browser. A browser sends `Origin` with every cross-site request
 * it makes (a WebSocket upgrade, a form post, a fetch), so a request whose Origin is neither the server's
 * own (the scheme, host and port the request was addressed to) nor one given with `--allow-origin` comes
 * from a page elsewhere and is refused. Clients that are not browsers send no Origin and are not affected.
 */
import { OrdoError } from '../errors.js';

/** `scheme://host[:port]` as browsers write it (lower case, default port left out); null when not an origin. */
export function normalizeOrigin(text: string): string | null {
  if (!/^[a-z][a-z0-9+.-]*:\/\/[^/?#]+$/i.test(text.trim())) return null;
  try {
    const url = new URL(text.trim());
    if (url.username || url.password || (url.protocol !== 'http:' && url.protocol !== 'https:')) return null;
    return url.origin;
  } catch {
    return null;
  }
}

/** An `--allow-origin` value, normalized; ORDO_BAD_ARGUMENT when it is not `http(s)://host[:port]`. */
export function parseAllowedOrigin(text: string): string {
  const origin = normalizeOrigin(text);
  if (!origin) throw new OrdoError('ORDO_BAD_ARGUMENT', `--allow-origin expects SCHEME://HOST[:PORT] (e.g. https://console.example.com), got "${text}"`);
  return origin;
}

export class OriginPolicy {
  private readonly allowed: ReadonlySet<string>;

  constructor(allow: readonly string[], private readonly scheme: 'http' | 'https') {
    this.allowed = new Set(allow.map(parseAllowedOrigin));
  }

  /** Why a request with these headers is refused, or null when it may go on. */
  refusal(origin: string | undefined, host: string | undefined): string | null {
    if (origin === undefined) return null;
    const normalized = normalizeOrigin(origin);
    if (normalized !== null && this.allowed.has(normalized)) return null;
    const own = host === undefined ? null : normalizeOrigin(`${this.scheme}://${host}`);
    if (normalized !== null && normalized === own) return null;
    return `requests from the web origin ${origin} are not allowed (ordo server --allow-origin ORIGIN allows one)`;
  }
}
