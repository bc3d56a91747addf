import { clusterSecretHeader } from '@ringkv/node-server';
import { describe, expect, it } from 'vitest';
import { parseCommand, type DevCommand } from '../args.js';
import type { Io } from '../io.js';
import { agreedOn, devStatusHeaders, extraMembers, growCommand, runDev, type StatusMembers } from './dev.js';

describe('growCommand', () => {
  it('names the next id, port and data directory, joining through the first node', () => {
    const dev = parseCommand(['dev']) as DevCommand;
    expect(growCommand(dev, 3)).toBe('ringkv start --join --id node4 --port 7003 --data .ringkv/node4 --machine node4 --seeds 127.0.0.1:7000');
    const dcs = parseCommand(['dev', '--dcs', '2']) as DevCommand;
    expect(growCommand(dcs, 6)).toBe('ringkv start --join --id node7 --port 7006 --data .ringkv/node7 --machine node7 --dc dc1 --seeds 127.0.0.1:7000');
  });

  it('leaves the quorums out even when the cluster does not use the defaults: the new node adopts the cluster settings', () => {
    const dev = parseCommand(['dev', '--nodes', '2', '--n', '2', '--base-port', '9000', '--dir', '/tmp/c']) as DevCommand;
    expect(growCommand(dev, 2)).toBe('ringkv start --join --id node3 --port 9002 --data /tmp/c/node3 --machine node3 --seeds 127.0.0.1:9000');
  });
});

describe('agreement of a dev cluster', () => {
  const view = (version: number, members: [string, string][]): StatusMembers => ({ cluster: { ring: { version }, members: members.map(([id, status]) => ({ id, status })) } });

  it('needs every node of the run listed normal by every node, on one ring version', () => {
    const ids = ['node1', 'node2'];
    const both: [string, string][] = [['node1', 'normal'], ['node2', 'normal']];
    expect(agreedOn([view(7, both), view(7, both)], ids)).toBe(true);
    expect(agreedOn([view(7, both), view(8, both)], ids)).toBe(false);
    expect(agreedOn([view(7, both), view(7, [['node1', 'normal'], ['node2', 'suspect']])], ids)).toBe(false);
    expect(agreedOn([view(7, both), view(7, [['node1', 'normal']])], ids)).toBe(false);
    expect(agreedOn([view(7, both), undefined], ids)).toBe(false);
  });

  it('is not held up by members it did not start, and names those that have not left', () => {
    const ids = ['node1', 'node2'];
    const members: [string, string][] = [['node1', 'normal'], ['node2', 'normal'], ['node4', 'down'], ['node5', 'left']];
    expect(agreedOn([view(3, members), view(3, members)], ids)).toBe(true);
    expect(extraMembers(view(3, members), ids)).toEqual([{ id: 'node4', status: 'down' }]);
  });
});

describe('dev and the auth token', () => {
  it('refuses $RINGKV_AUTH_TOKEN without $RINGKV_CLUSTER_SECRET before starting any node', async () => {
    const io: Io = { stdout: () => {}, stderr: () => {}, env: { RINGKV_AUTH_TOKEN: 't' } };
    await expect(runDev(parseCommand(['dev']) as DevCommand, io)).rejects.toThrow(/RINGKV_AUTH_TOKEN needs \$RINGKV_CLUSTER_SECRET/);
  });
});

describe('dev reads its nodes\' /status with the credential the environment gives them', () => {
  it('sends $RINGKV_AUTH_TOKEN as a bearer, else the cluster secret (a tokens file), else nothing', () => {
    expect(devStatusHeaders({ RINGKV_AUTH_TOKEN: 't', RINGKV_CLUSTER_SECRET: 's' })).toEqual({ authorization: 'Bearer t' });
    expect(devStatusHeaders({ RINGKV_TOKENS_FILE: 'f', RINGKV_CLUSTER_SECRET: 's' })).toEqual({ [clusterSecretHeader]: 's' });
    expect(devStatusHeaders({ RINGKV_AUTH_TOKEN: '', RINGKV_CLUSTER_SECRET: '' })).toEqual({});
  });
});
