/**
 * deploy/: the Dockerfile, compose.yaml and the Kubernetes manifests are not
 * run here (no container runtime or cluster on the machines this project is
 * built on; deploy/README.md says so). This test parses them and checks
 * everything they hand the node against the node itself: every RINGKV_*
 * variable is an option of `ringkv start`, the environment each container
 * gets resolves to a valid `ringkv start` configuration, every flag and
 * command parses, every port is the node's, every probe and scrape path is
 * served by a running node, and the preStop hook leaves the cluster only on
 * a scale-down (run against a fake Kubernetes API).
 */
import { execFile, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNode, type RingkvNode } from '@ringkv/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCommand } from '../src/args.js';
import { resolveStartConfig } from '../src/config.js';
import { defaultPort } from '../src/limits.js';
import { startOptionSpecs } from '../src/start-options.js';
import { deployDir, dockerInstructions, envPairs, expandCompose, expandKubernetes, yamlDocuments, type DockerInstruction } from './support/deploy-files.js';

const repo = join(deployDir, '..');
const tmp = mkdtempSync(join(tmpdir(), 'ringkv-deploy-'));
/** The environment variables of `ringkv start` (start-options.ts). */
const startEnv = new Set<string>(Object.values(startOptionSpecs).flatMap((s) => ('env' in s ? [s.env as string] : [])));
let node: RingkvNode;
/** The test node's client token ($RINGKV_AUTH_TOKEN of the deploy files). */
const nodeToken = 'deploy-token';

beforeAll(async () => {
  // As deployed: with a client token, so /metrics and /status need it and /health does not.
  node = await startNode({ id: 'deploy-1', dataDir: join(tmp, 'data'), logLevel: 'silent', authToken: nodeToken, clusterSecret: 'deploy-secret' });
});
afterAll(async () => {
  await node?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

/** The HTTP status a running node answers for `path` (GET), with `token` as a bearer when given. */
async function served(path: string, token?: string): Promise<number> {
  return (await fetch(`${node.httpUrl}${path}`, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } })).status;
}

/** `ringkv start` configuration from an environment only, as a container gets it; throws what the CLI would. */
function startConfigFrom(env: Record<string, string>) {
  return resolveStartConfig({}, { env, readFile: () => '{}', hostname: 'container' });
}

function checkRingkvEnv(where: string, env: Record<string, string>): void {
  for (const name of Object.keys(env).filter((n) => n.startsWith('RINGKV_'))) expect(startEnv.has(name), `${where}: ${name} is not a ringkv start variable`).toBe(true);
}

describe('deploy/docker/Dockerfile', () => {
  const steps = dockerInstructions(readFileSync(join(deployDir, 'docker', 'Dockerfile'), 'utf8'));
  const runtime = steps.slice(steps.map((s) => s.keyword).lastIndexOf('FROM'));
  const all = (keyword: string): DockerInstruction[] => runtime.filter((s) => s.keyword === keyword);
  const env = Object.fromEntries(all('ENV').flatMap((s) => envPairs(s.args)));

  it('is multi-stage on node:20-slim and deploys the ringkv app', () => {
    const froms = steps.filter((s) => s.keyword === 'FROM').map((s) => s.args.split(/\s+/)[0]);
    expect(froms.length).toBeGreaterThanOrEqual(2);
    expect(new Set(froms)).toEqual(new Set(['node:20-slim']));
    const pkg = JSON.parse(readFileSync(join(repo, 'apps', 'ringkv', 'package.json'), 'utf8')) as { name: string; bin: Record<string, string> };
    expect(steps.some((s) => s.keyword === 'RUN' && s.args.includes(`--filter ${pkg.name} deploy --prod /out`))).toBe(true);
    expect(steps.some((s) => s.keyword === 'COPY' && s.args === '--from=build /out /app')).toBe(true);
    // The entrypoint is the app's bin, and the default command is `start`.
    expect(JSON.parse(all('ENTRYPOINT')[0]?.args ?? '[]')).toEqual(['node', `/app/${pkg.bin.ringkv?.replace(/^\.\//, '')}`]);
    expect(parseCommand(JSON.parse(all('CMD')[0]?.args ?? '[]') as string[]).kind).toBe('start');
  });

  it('runs as a non-root user it creates, with the data directory as a volume', () => {
    const user = all('USER')[0]?.args;
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    expect(all('RUN').some((s) => s.args.includes(`useradd`) && s.args.includes(` ${user as string}`))).toBe(true);
    expect(JSON.parse(all('VOLUME')[0]?.args ?? '[]')).toEqual([env['RINGKV_DATA']]);
  });

  it('sets only ringkv start variables, which resolve to a valid configuration on the exposed port', () => {
    checkRingkvEnv('Dockerfile', env);
    const config = startConfigFrom({ ...env, RINGKV_AUTH_TOKEN: 't', RINGKV_CLUSTER_SECRET: 's' });
    expect(config.port).toBe(defaultPort);
    expect(all('EXPOSE').map((s) => Number(s.args))).toEqual([config.port]);
    expect(config.dataDir).toBe('/data');
  });

  it('checks /health, which a node serves, and stops with SIGTERM', async () => {
    const check = all('HEALTHCHECK')[0]?.args ?? '';
    expect(check).toContain("'/health'");
    expect(check).toContain('process.env.RINGKV_PORT');
    expect(await served('/health')).toBe(200);
    expect(all('STOPSIGNAL')[0]?.args).toBe('SIGTERM');
  });
});

describe('deploy/compose.yaml', () => {
  const compose = yamlDocuments(join(deployDir, 'compose.yaml'))[0] as { services: Record<string, any> };
  const nodes = Object.entries(compose.services).filter(([, s]) => String(s.image ?? '').startsWith('ringkv:'));
  const secrets = { RINGKV_AUTH_TOKEN: 'token', RINGKV_CLUSTER_SECRET: 'secret' };

  it('runs three ringkv nodes, Prometheus and Grafana, built from the Dockerfile', () => {
    expect(nodes.map(([name]) => name)).toEqual(['node1', 'node2', 'node3']);
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['prometheus', 'grafana']));
    const built = nodes.filter(([, s]) => s.build !== undefined);
    expect(built).toHaveLength(1);
    expect(existsSync(join(deployDir, built[0]?.[1].build.context, built[0]?.[1].build.dockerfile))).toBe(true);
  });

  it('gives each node only ringkv start variables, resolving to its own id, its advertised name and the other nodes as seeds', () => {
    for (const [name, service] of nodes) {
      const env = Object.fromEntries(Object.entries(service.environment as Record<string, string>).map(([k, v]) => [k, expandCompose(String(v), secrets)]));
      checkRingkvEnv(`compose ${name}`, env);
      // The image's ENV comes first, the service's environment over it.
      const config = startConfigFrom({ RINGKV_HOST: '0.0.0.0', RINGKV_PORT: '7000', RINGKV_DATA: '/data', ...env });
      expect(config.id).toBe(name);
      expect(config.cluster.advertiseUrl).toBe(`ws://${name}:${config.port}`);
      expect([...config.cluster.seeds].sort()).toEqual(nodes.filter(([other]) => other !== name).map(([other]) => `ws://${other}:${config.port}`).sort());
      expect(service.ports.map((p: string) => Number(p.split(':').at(-1)))).toEqual([config.port]);
      expect(service.volumes.map((v: string) => v.split(':')[1])).toEqual([config.dataDir]);
      expect(service.restart).toBe('on-failure');
    }
  });

  it('points Prometheus at every node\'s /metrics with the client token as its bearer, and Grafana at the dashboard and its data source', async () => {
    const prometheus = compose.services.prometheus as { volumes: string[]; configs: { source: string; target: string }[] };
    const configFile = join(deployDir, (prometheus.volumes[0] as string).split(':')[0] as string);
    type Scrape = { metrics_path: string; authorization: { type: string; credentials_file: string }; static_configs: { targets: string[] }[] };
    const scrape = (yamlDocuments(configFile)[0] as { scrape_configs: Scrape[] }).scrape_configs[0];
    expect(scrape?.static_configs[0]?.targets.sort()).toEqual(nodes.map(([name]) => `${name}:${defaultPort}`));
    // The bearer file is a compose config holding the nodes' RINGKV_AUTH_TOKEN: /metrics answers it, and refuses a scrape without it.
    expect(scrape?.authorization.type).toBe('Bearer');
    const mounted = prometheus.configs.find((c) => c.target === scrape?.authorization.credentials_file);
    expect(mounted, 'the credentials file is mounted into Prometheus').toBeDefined();
    const content = expandCompose(String((compose as unknown as { configs: Record<string, { content: string }> }).configs[mounted?.source as string]?.content), { RINGKV_AUTH_TOKEN: nodeToken });
    expect(content).toBe(expandCompose(String(nodes[0]?.[1].environment.RINGKV_AUTH_TOKEN), { RINGKV_AUTH_TOKEN: nodeToken }));
    expect(await served(scrape?.metrics_path as string, content)).toBe(200);
    expect(await served(scrape?.metrics_path as string)).toBe(401);
    for (const volume of (compose.services.grafana as { volumes: string[] }).volumes) expect(existsSync(join(deployDir, volume.split(':')[0] as string)), volume).toBe(true);
    const datasource = yamlDocuments(join(deployDir, 'grafana', 'provisioning', 'datasources', 'prometheus.yaml'))[0] as { datasources: { uid: string; url: string }[] };
    expect(datasource.datasources[0]?.url).toBe('http://prometheus:9090');
  });
});

describe('deploy/k8s', () => {
  const docs = ['rbac.yaml', 'service.yaml', 'statefulset.yaml', 'pdb.yaml'].flatMap((f) => yamlDocuments(join(deployDir, 'k8s', f)));
  const byKind = (kind: string) => docs.filter((d) => d.kind === kind);
  const sts = byKind('StatefulSet')[0] as Record<string, any>;
  const pod = sts.spec.template.spec;
  const container = pod.containers[0];
  const labels = sts.spec.template.metadata.labels as Record<string, string>;
  const matches = (selector: Record<string, string>): boolean => Object.entries(selector).every(([k, v]) => labels[k] === v);

  /** The container's environment as pod `ordinal` gets it ($(VAR) expanded; secrets stand in). */
  function podEnv(ordinal: number): Record<string, string> {
    const values: Record<string, string> = {};
    for (const e of container.env as { name: string; value?: string; valueFrom?: any }[]) {
      if (e.value !== undefined) values[e.name] = expandKubernetes(e.value, values);
      else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.name') values[e.name] = `${sts.metadata.name}-${ordinal}`;
      else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.namespace') values[e.name] = 'prod';
      else if (e.valueFrom?.secretKeyRef !== undefined) values[e.name] = `secret-${e.valueFrom.secretKeyRef.key}`;
    }
    return values;
  }

  it('kustomization lists every manifest and builds the preStop ConfigMap from the script', () => {
    const k = yamlDocuments(join(deployDir, 'k8s', 'kustomization.yaml'))[0] as { resources: string[]; configMapGenerator: { name: string; files: string[] }[] };
    for (const file of k.resources) expect(existsSync(join(deployDir, 'k8s', file)), file).toBe(true);
    const generated = k.configMapGenerator[0];
    const volume = (pod.volumes as { name: string; configMap?: { name: string } }[]).find((v) => v.configMap?.name === generated?.name);
    const mount = (container.volumeMounts as { name: string; mountPath: string }[]).find((m) => m.name === volume?.name);
    expect(container.lifecycle.preStop.exec.command).toEqual(['node', `${mount?.mountPath}/${generated?.files[0]}`]);
    expect(existsSync(join(deployDir, 'k8s', generated?.files[0] as string))).toBe(true);
  });

  it('names each pod by --id from its pod name, advertises its headless DNS name and seeds from the headless Service', () => {
    const headless = byKind('Service').find((s) => s.metadata.name === sts.spec.serviceName) as Record<string, any>;
    expect(headless.spec.clusterIP).toBe('None');
    expect(headless.spec.publishNotReadyAddresses).toBe(true);
    expect(matches(headless.spec.selector)).toBe(true);
    for (const ordinal of [0, 1, 4]) {
      const env = podEnv(ordinal);
      checkRingkvEnv('StatefulSet', env);
      const config = startConfigFrom(env);
      const podName = `${sts.metadata.name}-${ordinal}`;
      expect(config.id).toBe(podName);
      expect(config.cluster.advertiseUrl).toBe(`ws://${podName}.${headless.metadata.name}.prod.svc.cluster.local:${config.port}`);
      expect(config.cluster.seeds).toEqual([0, 1, 2].map((i) => `ws://${sts.metadata.name}-${i}.${headless.metadata.name}.prod.svc.cluster.local:${config.port}`));
      expect(config.host).toBe('0.0.0.0');
      expect(config.authToken).toBe('secret-auth-token');
      expect(config.cluster.clusterSecret).toBe('secret-cluster-secret');
    }
  });

  it('passes --join only to pods beyond the initial replicas, and the start command parses', () => {
    const script = (container.args as string[]).join('\n');
    expect(container.command).toEqual(['sh', '-c']);
    const flags = [...script.matchAll(/--([a-z][a-z-]*)/g)].map((m) => m[1] as string);
    for (const flag of flags) expect(Object.keys(startOptionSpecs), `--${flag}`).toContain(flag);
    for (const [ordinal, joins] of [[0, false], [2, false], [3, true]] as const) {
      const env = podEnv(ordinal);
      // Run the container's shell script with `node` replaced by echo: the command it would exec.
      const shown = spawnSync('sh', ['-c', script.replace(/exec node /, 'echo '), 'sh'], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8' });
      const argv = shown.stdout.trim().split(/\s+/).slice(1);
      expect(argv[0]).toBe('start');
      expect(argv.includes('--join')).toBe(joins);
      expect(parseCommand(argv).kind).toBe('start');
      expect(String(ordinal >= Number(env['INITIAL_REPLICAS']))).toBe(String(joins));
    }
  });

  it('probes /health for readiness on the node port, and the port is the one ringkv start binds', async () => {
    const config = startConfigFrom(podEnv(0));
    const port = (container.ports as { name: string; containerPort: number }[])[0];
    expect(port?.containerPort).toBe(config.port);
    expect(container.readinessProbe.httpGet).toEqual({ path: '/health', port: port?.name });
    expect(await served(container.readinessProbe.httpGet.path)).toBe(200);
    for (const probe of [container.livenessProbe, container.startupProbe]) expect(probe.tcpSocket.port).toBe(port?.name);
    expect(sts.spec.template.metadata.annotations['prometheus.io/port']).toBe(String(config.port));
    // The scrape path needs the token the pods get (or RINGKV_METRICS_PUBLIC, which the manifests do not set); the probe path none.
    expect(await served(sts.spec.template.metadata.annotations['prometheus.io/path'], nodeToken)).toBe(200);
    expect(await served(sts.spec.template.metadata.annotations['prometheus.io/path'])).toBe(401);
  });

  it('changes one pod at a time: OrderedReady, a PodDisruptionBudget of one, scaled-down volumes deleted', () => {
    expect(sts.spec.podManagementPolicy).toBe('OrderedReady');
    expect(sts.spec.persistentVolumeClaimRetentionPolicy.whenScaled).toBe('Delete');
    const pdb = byKind('PodDisruptionBudget')[0] as Record<string, any>;
    expect(pdb.spec.maxUnavailable).toBe(1);
    expect(matches(pdb.spec.selector.matchLabels)).toBe(true);
    expect(matches(sts.spec.selector.matchLabels)).toBe(true);
    expect(pod.securityContext.runAsNonRoot).toBe(true);
  });

  it('lets the pod read its own StatefulSet, and nothing else', () => {
    expect(pod.serviceAccountName).toBe(byKind('ServiceAccount')[0]?.metadata.name);
    const role = byKind('Role')[0] as Record<string, any>;
    expect(role.rules).toEqual([{ apiGroups: ['apps'], resources: ['statefulsets'], resourceNames: [sts.metadata.name], verbs: ['get'] }]);
    const binding = byKind('RoleBinding')[0] as Record<string, any>;
    expect(binding.roleRef.name).toBe(role.metadata.name);
    expect(binding.subjects[0].name).toBe(pod.serviceAccountName);
  });
});

describe('deploy/k8s/prestop-leave.mjs', () => {
  let api: Server;
  let apiUrl = '';
  let replicas: number | undefined = 3;
  const requests: { path: string; auth: string }[] = [];
  const tokenFile = join(tmp, 'token');
  const argvFile = join(tmp, 'leave-argv');
  const fakeCli = join(tmp, 'fake-cli.mjs');

  beforeAll(async () => {
    writeFileSync(tokenFile, 'sa-token\n');
    // Stands in for /app/dist/cli.js: records the command it was given.
    writeFileSync(fakeCli, `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(argvFile)}, JSON.stringify(process.argv.slice(2)));\n`);
    chmodSync(fakeCli, 0o755);
    api = createServer((req, res) => {
      requests.push({ path: req.url ?? '', auth: req.headers.authorization ?? '' });
      if (replicas === undefined) return void res.writeHead(500).end();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ spec: { replicas } }));
    });
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => api.close(() => resolve())));

  /** Runs the hook as pod `ringkv-<ordinal>` (not synchronously: the fake API answers from this process); the leave command it ran, or undefined. */
  async function preStop(ordinal: number): Promise<string[] | undefined> {
    rmSync(argvFile, { force: true });
    const env = { PATH: process.env.PATH ?? '', POD_NAME: `ringkv-${ordinal}`, POD_NAMESPACE: 'prod', STATEFULSET_NAME: 'ringkv', K8S_API_URL: apiUrl, K8S_TOKEN_FILE: tokenFile, RINGKV_CLI: fakeCli, RINGKV_PORT: '7000', RINGKV_AUTH_TOKEN: 'tok' };
    const code = await new Promise<number | null>((resolve) => {
      execFile(process.execPath, [join(deployDir, 'k8s', 'prestop-leave.mjs')], { env, timeout: 30_000 }, (error) => resolve(error === null ? 0 : typeof error.code === 'number' ? error.code : null));
    });
    expect(code).toBe(0);
    return existsSync(argvFile) ? (JSON.parse(readFileSync(argvFile, 'utf8')) as string[]) : undefined;
  }

  it('leaves when its ordinal is at or above spec.replicas (a scale-down), with a command ringkv parses', async () => {
    replicas = 3;
    const argv = await preStop(3);
    expect(argv).toEqual(['leave', '--url', '127.0.0.1:7000']);
    expect(parseCommand(argv as string[]).kind).toBe('leave');
    expect(requests.at(-1)).toEqual({ path: '/apis/apps/v1/namespaces/prod/statefulsets/ringkv', auth: 'Bearer sa-token' });
  });

  it('does not leave on a restart (ordinal below spec.replicas) or when the API cannot be read', async () => {
    replicas = 3;
    expect(await preStop(2)).toBeUndefined();
    expect(await preStop(0)).toBeUndefined();
    replicas = undefined;
    expect(await preStop(5)).toBeUndefined();
  });
});
