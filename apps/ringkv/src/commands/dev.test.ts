import { describe, expect, it } from 'vitest';
import { parseCommand, type DevCommand } from '../args.js';
import { growCommand } from './dev.js';

describe('growCommand', () => {
  it('names the next id, port and data directory, joining through the first node', () => {
    const dev = parseCommand(['dev']) as DevCommand;
    expect(growCommand(dev, 3)).toBe('ringkv start --join --id node4 --port 7003 --data .ringkv/node4 --seeds 127.0.0.1:7000');
  });

  it('repeats the quorums when the cluster does not use the defaults a seeded node takes', () => {
    const dev = parseCommand(['dev', '--nodes', '2', '--n', '2', '--base-port', '9000', '--dir', '/tmp/c']) as DevCommand;
    expect(growCommand(dev, 2)).toBe('ringkv start --join --id node3 --port 9002 --data /tmp/c/node3 --seeds 127.0.0.1:9000 --n 2 --r 2 --w 2');
  });
});
