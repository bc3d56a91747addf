// The ringkv pod's preStop hook: leave the cluster only when this pod is going away for good.
//
// Kubernetes stops a StatefulSet pod for a rolling update, a restart, an eviction or a node
// drain (the pod comes back under the same name, on the same volume: a plain stop is right,
// hints cover the minutes it is down) and for a scale-down (the pod does not come back: its
// ranges must move first, or they keep one copy fewer until a `ringkv remove` and a repair).
// How this script tells them apart: on a scale-down the StatefulSet controller lowers
// `spec.replicas` first and then deletes the pods whose ordinal is at or above it, highest
// first. So this pod leaves exactly when its ordinal (the number after the last "-" of its
// name) is >= the StatefulSet's current `spec.replicas`, read from the Kubernetes API with
// the pod's service account (rbac.yaml grants `get` on this one StatefulSet).
//
// When the API cannot be read, the pod does not leave: a restart is the common case, and a
// scaled-down pod that did not leave is a down member that `ringkv remove` takes out.
// `ringkv leave` returns once the node has left (its ranges are on their new owners); the
// node then exits 0. terminationGracePeriodSeconds bounds how long that may take.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const env = process.env;
const pod = env.POD_NAME ?? '';
const namespace = env.POD_NAMESPACE ?? 'default';
const statefulSet = env.STATEFULSET_NAME ?? pod.replace(/-\d+$/, '');
const api = env.K8S_API_URL ?? `https://${env.KUBERNETES_SERVICE_HOST}:${env.KUBERNETES_SERVICE_PORT}`;
const tokenFile = env.K8S_TOKEN_FILE ?? '/var/run/secrets/kubernetes.io/serviceaccount/token';
const cli = env.RINGKV_CLI ?? '/app/dist/cli.js';

function log(message) {
  process.stderr.write(`ringkv preStop (${pod}): ${message}\n`);
}

async function replicas() {
  const res = await fetch(`${api}/apis/apps/v1/namespaces/${namespace}/statefulsets/${statefulSet}`, {
    headers: { authorization: `Bearer ${readFileSync(tokenFile, 'utf8').trim()}` },
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) throw new Error(`GET statefulset ${statefulSet}: HTTP ${res.status}`);
  const body = await res.json();
  const n = body?.spec?.replicas;
  if (!Number.isInteger(n)) throw new Error(`statefulset ${statefulSet} has no spec.replicas`);
  return n;
}

const ordinal = Number(/-(\d+)$/.exec(pod)?.[1] ?? Number.NaN);
if (!Number.isInteger(ordinal)) {
  log(`pod name "${pod}" has no ordinal; not leaving`);
  process.exit(0);
}
let wanted;
try {
  wanted = await replicas();
} catch (error) {
  log(`cannot read the StatefulSet (${error.message}); stopping without a leave`);
  process.exit(0);
}
if (ordinal < wanted) {
  log(`ordinal ${ordinal} < replicas ${wanted}: a restart, not a scale-down; stopping without a leave`);
  process.exit(0);
}
log(`ordinal ${ordinal} >= replicas ${wanted}: scale-down; leaving the cluster (ranges stream to their new owners)`);
const leave = spawnSync(process.execPath, [cli, 'leave', '--url', `127.0.0.1:${env.RINGKV_PORT ?? '7000'}`], {
  stdio: 'inherit',
  env: { ...env, RINGKV_TOKEN: env.RINGKV_AUTH_TOKEN ?? '' },
});
log(`ringkv leave exited ${leave.status ?? leave.signal}`);
process.exit(0);
