// @ringkv/client-sdk: Typed ringkv client for Node and browsers: siblings, contexts, resolvers, timeouts, reconnects
export {};
