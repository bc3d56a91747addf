// A loopback port nothing listens on now, for the scripts that start nodes and servers
// (demo.mjs, bench-vs-redis.mjs): the OS picks it; another process could take it before
// the caller binds it, which these local tools accept.
import { createServer } from 'node:net';

/** Resolves with a free port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}
