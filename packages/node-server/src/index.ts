// @ringkv/node-server: A ringkv node: storage, versioning, the client WebSocket API, HTTP health/status/metrics
export {};
