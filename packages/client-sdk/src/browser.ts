// @ringkv/client-sdk for browsers (the `browser` export condition): the same
// API as index.ts, with a `connect` that uses only the global WebSocket. The
// explicit export below takes precedence over the star export's `connect`;
// the Node `connect` it hides is left out of bundles (sideEffects: false).
export * from './index.js';
export { connect } from './connect-browser.js';
