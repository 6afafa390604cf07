// The key lives in this tab's sessionStorage only (api.md §11): never localStorage, a cookie or a URL,
// so it is gone when the tab closes and never leaves the browser except in a request header.
const storageKey = 'dakkio.apiKey';

export function readKey() {
  try {
    return sessionStorage.getItem(storageKey) ?? '';
  } catch {
    return '';
  }
}

export function saveKey(key) {
  try {
    sessionStorage.setItem(storageKey, key);
  } catch {
    // Storage refused (a locked-down browser): the key still works for this page view.
  }
}

export function forgetKey() {
  try {
    sessionStorage.removeItem(storageKey);
  } catch {
    // Nothing was stored.
  }
}
