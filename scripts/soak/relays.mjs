// --scale: which relay process holds which shard's lease. The leases are session advisory locks on the primary
// (`pg_try_advisory_lock(hashtext('oms-lease'), hashtext(<shard name>))`); every relay names its sessions
// 'oms-relay', so a lock is traced to its process by the client port of its session and the process's own sockets.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** The checkpoint (and lease) names of `count` shards, as `shardName` of @oms/adapters-kafka spells them. */
export const shardNames = (count) =>
  Array.from({ length: count }, (_, index) => `oms-relay/shard-${index}-of-${count}`);

/** The local TCP ports of a process's open sockets (Linux /proc). */
const localPorts = (pid) => {
  const inodes = new Set();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (match) inodes.add(match[1]);
      } catch {}
    }
  } catch {
    return new Set();
  }
  const ports = new Set();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length > 9 && inodes.has(fields[9]))
        ports.add(Number.parseInt(fields[1].split(':')[1], 16));
    }
  }
  return ports;
};

/**
 * Shard name → the relay (by its name in `relays`: name → pid) whose session holds its lease; `null` when no session
 * holds it, '?' when one does that is none of theirs.
 */
export const leaseHolders = async (pool, names, relays) => {
  const result = await pool.query(
    `SELECT n.name, a.client_port
       FROM unnest($1::text[]) AS n(name)
       LEFT JOIN pg_locks l
         ON l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
        AND l.classid = (hashtext('oms-lease')::bigint & 4294967295)::oid
        AND l.objid = (hashtext(n.name)::bigint & 4294967295)::oid
       LEFT JOIN pg_stat_activity a ON a.pid = l.pid`,
    [names],
  );
  const ports = Object.entries(relays).map(([relay, pid]) => [relay, localPorts(pid)]);
  const holders = {};
  for (const row of result.rows)
    holders[row.name] =
      row.client_port === null
        ? null
        : (ports.find(([, own]) => own.has(row.client_port))?.[0] ?? '?');
  return holders;
};

/** `{ relay-0: [0, 2], relay-1: [1, 3] }`: the shard indexes each holder holds. */
export const shardsByHolder = (holders) => {
  const by = {};
  for (const [name, holder] of Object.entries(holders)) {
    const index = Number(/shard-(\d+)-of-/.exec(name)?.[1]);
    const key = holder ?? 'nobody';
    by[key] = [...(by[key] ?? []), index];
  }
  return by;
};

/**
 * The --scale relay fault: `kill -9` the relay process holding the most shards, wait until the other one holds every
 * shard's lease (a violation past `boundMs`), then start the killed one again (it stands by). Returns the detail line.
 */
export const killShardHolder = async ({
  holders,
  current,
  startRelay,
  violations,
  sleep,
  boundMs,
}) => {
  const before = await holders();
  const by = shardsByHolder(before);
  const relays = Object.keys(current).filter((name) => name.startsWith('relay'));
  const victim = relays.reduce((best, name) =>
    (by[name]?.length ?? 0) > (by[best]?.length ?? 0) ? name : best,
  );
  const survivor = relays.find((name) => name !== victim);
  const killed = current[victim];
  killed.child.kill('SIGKILL');
  await killed.exited;
  const killedAt = Date.now();
  let after = await holders();
  while (
    Object.values(after).some((holder) => holder !== survivor) &&
    Date.now() - killedAt < boundMs
  ) {
    await sleep(250);
    after = await holders();
  }
  const tookMs = Date.now() - killedAt;
  const taken = Object.values(after).every((holder) => holder === survivor);
  if (!taken)
    violations.push(
      `${survivor} did not take over every shard within ${boundMs / 1000}s of ${victim}'s kill -9: ${JSON.stringify(shardsByHolder(after))}`,
    );
  await startRelay(victim);
  return `leases before ${JSON.stringify(by)}; ${victim} pid ${killed.pid} killed; ${taken ? `${survivor} held all ${Object.keys(after).length} shards after ${(tookMs / 1000).toFixed(1)}s` : `after ${(tookMs / 1000).toFixed(1)}s: ${JSON.stringify(shardsByHolder(after))}`}; ${victim} restarted as pid ${current[victim].pid}`;
};
