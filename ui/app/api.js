// The dashboard's only way to the server: the public /v1 API with the tab's token as a Bearer header.
// The token lives in sessionStorage (this tab only, gone when it closes), never in a URL.
const TOKEN_KEY = 'dockhand.token';
const READ_ONLY_KEY = 'dockhand.readOnly';

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export const session = {
  token: () => sessionStorage.getItem(TOKEN_KEY),
  readOnly: () => sessionStorage.getItem(READ_ONLY_KEY) === 'true',
  save(token, readOnly) {
    sessionStorage.setItem(TOKEN_KEY, token);
    sessionStorage.setItem(READ_ONLY_KEY, String(readOnly));
  },
  clear() {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(READ_ONLY_KEY);
  },
};

/** Called when the server refuses the token (401): the app shows the sign-in form again. */
let onSignedOut = () => {};
export function whenSignedOut(callback) {
  onSignedOut = callback;
}

export async function request(path, { method = 'GET', body, signal } = {}) {
  const headers = { accept: 'application/json' };
  const token = session.token();
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal });
  if (response.status === 401 && token) {
    session.clear();
    onSignedOut();
  }
  return response;
}

export async function api(path, options = {}) {
  const response = await request(path, options);
  const text = await response.text();
  const data = text ? JSON.parse(text) : undefined;
  if (!response.ok) {
    const error = data && data.error ? data.error : { code: `HTTP_${response.status}`, message: response.statusText };
    throw new ApiError(response.status, error.code, error.message);
  }
  return data;
}

/** `?a=1&b=2` from an object, leaving out empty values. */
export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** Checks a token by asking the server what it opens; keeps it only if it opens a project. */
export async function signIn(token) {
  session.save(token, false);
  try {
    const who = await api('/v1/tokens/current');
    session.save(token, who.read_only);
  } catch (err) {
    session.clear();
    throw err;
  }
}

/** `#sign-in=CODE` from `dockhand open`: removed from the address bar first, then exchanged once. */
export async function redeemLinkInAddress() {
  const match = /^#sign-in=([A-Za-z0-9_-]+)$/.exec(location.hash);
  if (!match) return false;
  history.replaceState(null, '', `${location.pathname}#/`);
  const issued = await api('/v1/sign-in-links/redeem', { method: 'POST', body: { code: match[1] } });
  session.save(issued.token, issued.read_only);
  return true;
}
