/**
 * The entry point of a node child process: starts one node with the JSON
 * options in argv[2] (node-server's `startNode`, logs on stderr), prints one
 * line `{"url","httpUrl"}` once it serves, stops gracefully on SIGTERM, and
 * exits as soon as its stdin closes: the runner holds the other end, so a
 * runner that dies (even by SIGKILL) takes its nodes with it.
 */
import { startNode, stopOnSignals } from '@ringkv/node-server';

const options = JSON.parse(process.argv[2] ?? '{}') as Parameters<typeof startNode>[0];
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
const node = await startNode({ logLevel: 'warn', ...options, logDestination: process.stderr });
process.stdout.write(`${JSON.stringify({ url: node.url, httpUrl: node.httpUrl })}\n`);
stopOnSignals(node);
