/** Starting nodes for tests: a fresh temp data dir, silent logs, loopback, port 0. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNode, type NodeOptions, type RingkvNode } from '../../src/index.js';

const dirs: string[] = [];

export function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'ringkv-node-'));
  dirs.push(d);
  return d;
}

export function removeTempDirs(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

export function startTestNode(options: Partial<NodeOptions> = {}): Promise<RingkvNode> {
  return startNode({
    id: 'n1',
    dataDir: options.dataDir ?? tempDir(),
    logLevel: 'silent',
    ...options,
  });
}

/** Nodes a test file starts and stops after each test: `afterEach(nodes.stopAll)`. */
export function nodeTracker(): { start(options?: Partial<NodeOptions>): Promise<RingkvNode>; stopAll(): Promise<void> } {
  const started: RingkvNode[] = [];
  return {
    async start(options = {}) {
      const node = await startTestNode(options);
      started.push(node);
      return node;
    },
    async stopAll() {
      await Promise.all(started.splice(0).map((n) => n.stop()));
    },
  };
}
