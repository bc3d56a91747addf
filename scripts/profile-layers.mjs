#!/usr/bin/env node
// Attributes the busy samples of a node's `node --cpu-prof` profile to the layers of
// node-server README "Where the time goes" (issue 12): each sample goes to the innermost
// ringkv package frame on its stack (msgpackr under the stored-set codec counts as the codec,
// under protocol as the wire), socket frames below it count as socket, and samples with
// module loading on the stack (start-up) are left out.
// Usage: node scripts/profile-layers.mjs PROFILE.cpuprofile
import fs from 'node:fs';
const p = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map(); for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const counts = new Map(); for (const s of p.samples) counts.set(s, (counts.get(s) ?? 0) + 1);
const url = (n) => n.callFrame.url;
const owner = (n) => {
  const u = url(n);
  let m = u.match(/packages\/([a-z-]+)\/dist\/(.*)$/); if (m) return { pkg: m[1], file: m[2] };
  if (/apps\/ringkv\/dist/.test(u)) return { pkg: 'app', file: '' };
  return undefined;
};
const cat = new Map(); let busy = 0;
const add = (k, c) => cat.set(k, (cat.get(k) ?? 0) + c);
for (const [id, c] of counts) {
  const chain = []; let n = byId.get(id); while (n) { chain.push(n); n = byId.get(parent.get(n.id)); }
  const leaf = chain[0].callFrame.functionName;
  if (leaf === '(idle)') continue;
  // Start-up (module loading, compiling) is left out: runs of different lengths would weigh it differently.
  if (chain.some((f) => /node:internal\/modules|wrapSafe|compileSourceTextModule/.test(url(f) + ' ' + f.callFrame.functionName))) continue;
  busy += c;
  if (leaf === '(garbage collector)') { add('garbage collection', c); continue; }
  const i = chain.findIndex((f) => owner(f) !== undefined);
  if (i < 0) {
    const socket = chain.some((f) => /node:net|stream_base|internal\/streams|node:stream|\/ws\/lib/.test(url(f)) || /writev|writeBuffer|onStreamRead/.test(f.callFrame.functionName));
    add(socket ? 'socket write / read' : 'other (runtime, timers)', c); continue;
  }
  const o = owner(chain[i]);
  // Frames between the leaf and the owner that are sockets (ws, net) count as socket even under node-server's server code.
  const below = chain.slice(0, i);
  if (below.some((f) => /node:net|stream_base|\/ws\/lib/.test(url(f)) || /writev|writeBuffer/.test(f.callFrame.functionName))) { add('socket write / read', c); continue; }
  if (o.pkg === 'lsm-engine') {
    let outer; for (const f of chain) { const x = owner(f); if (x?.pkg === 'lsm-engine') outer = f; }
    add(/^(getSync|get|lookup|getByString)$/.test(outer.callFrame.functionName) ? 'engine point read' : 'engine write: WAL record, CRC, memtable insert', c); continue;
  }
  if (o.pkg === 'protocol') { add('wire decode / encode', c); continue; }
  if (o.pkg === 'vclock') { add(/codec/.test(o.file) ? 'stored-set codec' : 'versioning (DVV set update and sync)', c); continue; }
  if (o.pkg === 'merkle' || (o.pkg === 'node-server' && /^anti-entropy\//.test(o.file))) { add('anti-entropy write hook', c); continue; }
  if (o.pkg === 'node-server' && /store\/set-codec/.test(o.file)) { add('stored-set codec', c); continue; }
  add('request path: server, coordinator, store queue, metrics', c);
}
const order = ['request path: server, coordinator, store queue, metrics', 'engine write: WAL record, CRC, memtable insert', 'garbage collection', 'anti-entropy write hook', 'stored-set codec', 'engine point read', 'wire decode / encode', 'socket write / read', 'versioning (DVV set update and sync)', 'other (runtime, timers)'];
console.log(`busy samples ${busy}`);
for (const k of order) console.log(((100 * (cat.get(k) ?? 0)) / busy).toFixed(1).padStart(5) + ' %  ' + k);
