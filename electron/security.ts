/**
 * The shell's security settings as plain data and decisions, so tests check
 * them without Electron: the app's origin, the Content-Security-Policy, the
 * window's web preferences, and what navigation, new windows and permission
 * requests are allowed (nothing outside the app).
 */

/** The app is served over `app://gameday/…` (a privileged standard scheme), never file://. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'gameday';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/**
 * The renderer's Content-Security-Policy, the same as the meta tag in
 * renderer/index.html (a test compares them): only the app's own scripts,
 * styles, images and fonts; no remote content, no eval, no plugins.
 */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; worker-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'";

/** Headers every app response carries (the protocol handler and webRequest both set them). */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Referrer-Policy': 'no-referrer',
};

/**
 * protocol.registerSchemesAsPrivileged: `standard` (relative URLs, an origin,
 * web storage), `secure` (a secure context), `supportFetchAPI`. No
 * `bypassCSP`, no `corsEnabled` (other origins cannot read app:// resources).
 */
export const PRIVILEGED_SCHEMES = [{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }];

/** The page the window loads; `scenario` (a bundled path or an absolute file) is opened at once. */
export function appPageUrl(scenario?: string | null): string {
  const base = `${APP_ORIGIN}/index.html`;
  return scenario ? `${base}?${new URLSearchParams({ scenario }).toString()}` : base;
}

/** Whether `url` is one of the app's own pages or resources. */
export function isAppUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST && u.username === '' && u.password === '' && u.port === '';
  } catch {
    return false;
  }
}

/** The part of Electron's WebFrameMain an IPC check looks at. */
export interface SenderFrame {
  readonly url: string;
  readonly parent?: unknown;
}

/**
 * Whether an IPC message comes from the app: the sending frame is a top-level
 * frame showing an app:// page (not a subframe, not a page navigated elsewhere).
 */
export function isTrustedFrame(frame: SenderFrame | null | undefined): boolean {
  if (!frame) return false;
  if (frame.parent !== null && frame.parent !== undefined) return false;
  return isAppUrl(frame.url);
}

/** webPreferences of the app window: Electron's security recommendations in full. */
export function secureWebPreferences(preload: string, development: boolean) {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
    spellcheck: false,
    devTools: development,
  } as const;
}

/** will-navigate / will-redirect: only the app's own pages (a reload); everything else is refused. */
export function navigationAllowed(url: string): boolean {
  return isAppUrl(url);
}

/**
 * window.open and target=_blank: never a new window. An https link (the only
 * kind worth leaving the app for) goes to the system browser instead.
 */
export function windowOpenDecision(url: string): { action: 'deny'; openExternally: string | null } {
  try {
    const u = new URL(url);
    return { action: 'deny', openExternally: u.protocol === 'https:' ? u.toString() : null };
  } catch {
    return { action: 'deny', openExternally: null };
  }
}

/** Permission requests and checks (camera, notifications, clipboard reads, …): all denied; the app needs none. */
export function permissionGranted(_permission: string): boolean {
  return false;
}

/**
 * Response headers with the app's security headers set (replacing any
 * Content-Security-Policy a response brought, whatever its case) — for
 * session.webRequest.onHeadersReceived.
 */
export function withSecurityHeaders(headers: Record<string, string | string[]> | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const ours = new Set(Object.keys(SECURITY_HEADERS).map((k) => k.toLowerCase()));
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (!ours.has(k.toLowerCase())) out[k] = Array.isArray(v) ? v : [v];
  }
  for (const [k, v] of Object.entries(SECURITY_HEADERS)) out[k] = [v];
  return out;
}
