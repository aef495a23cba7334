// After the load: what the store holds and the servers answer, checked against what the load driver saw and sent.

import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { CLI_JS, runNode } from './processes.mjs';
import {
  checkAnswers,
  checkRebuilt,
  checkResponses,
  checkStates,
  readStoredStreams,
} from './verify.mjs';
import {
  checkHoldInvariants,
  checkInbound,
  inboundEffects,
  inboundSettled,
} from './verifyHolds.mjs';

const readJsonLines = (file) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));

/** GET `path` from one of `targets` as JSON, tried again a few times; a status that says why when none answers. */
const getter =
  (targets) =>
  async (path, index = 0) => {
    for (let attempt = 0; ; attempt += 1) {
      try {
        const response = await fetch(`${targets[index % targets.length]}${path}`, {
          signal: AbortSignal.timeout(20_000),
        });
        return {
          status: response.status,
          etag: response.headers.get('etag'),
          json: await response.json(),
        };
      } catch (error) {
        if (attempt >= 3) return { status: `no answer (${error?.cause?.code ?? error})` };
        await sleep(200);
      }
    }
  };

/** The stored streams once the consumers settled every payment and risk message (or after 90 s). */
const settledStreams = async ({ pool, sent, deadLetters, kafka, say }) => {
  const waitStart = Date.now();
  const deadline = waitStart + 90_000;
  let stored = await readStoredStreams(pool);
  while (
    !inboundSettled(inboundEffects(sent, stored.streams, deadLetters.messages)) &&
    Date.now() < deadline &&
    !kafka.died()
  ) {
    await sleep(1_000);
    stored = await readStoredStreams(pool);
  }
  await sleep(1_000); // late duplicates
  stored = await readStoredStreams(pool);
  say(
    `stored: ${stored.events} events in ${stored.streams.size} orders; ${sent.length} payment/risk messages sent, ${kafka.died() ? 'gave up (the Kafka mock cluster had died)' : 'settled'} ${((Date.now() - waitStart) / 1000).toFixed(1)}s after the load`,
  );
  return stored.streams;
};

/** --scale: where the servers served their reads (oms_reads_total), summed over the replicas. */
const checkReplicaReads = async (targets) => {
  const served = {};
  for (const target of targets) {
    const text = await fetch(`${target}/metrics`)
      .then((response) => response.text())
      .catch(() => '');
    for (const match of text.matchAll(/^oms_reads_total\{([^}]*)\} (\d+)/gm)) {
      const label = match[1].replace(/"/g, '');
      served[label] = (served[label] ?? 0) + Number(match[2]);
    }
  }
  const onReplica = Object.entries(served)
    .filter(([label]) => label.includes('served_by=replica'))
    .reduce((sum, [, count]) => sum + count, 0);
  return {
    name: 'reads on the streaming replica',
    ok: onReplica > 0,
    lines: [`reads by where and why (since each server's start): ${JSON.stringify(served)}`],
    violations: onReplica > 0 ? [] : ['no read was served by the replica'],
  };
};

/** The read model rebuilt from the events (`oms rebuild`) serves the same views. */
const checkRebuild = async ({ views, baseEnv, databaseUrl, get }) => {
  const rebuild = await runNode(CLI_JS, ['rebuild'], { ...baseEnv, DATABASE_URL: databaseUrl });
  if (rebuild.code !== 0)
    return {
      name: 'rebuilt read model',
      ok: false,
      lines: [],
      violations: [`rebuild exited ${rebuild.code}: ${rebuild.stderr.slice(-500)}`],
    };
  return checkRebuilt(views, rebuild.stdout.trim().split('\n').at(-1), { get });
};

/**
 * The checks of the answers, the stored orders, the consumers' effects, the servers' views and the rebuilt read
 * model. Returns the stored streams (for the relay's check) with the results and warnings.
 */
export const checkStored = async ({
  recordFile,
  inboundFile,
  faults,
  database,
  deadLetters,
  kafka,
  targets,
  scale,
  baseEnv,
  domain,
  say,
}) => {
  const results = [];
  const warnings = [];
  const records = readJsonLines(recordFile);
  const responses = checkResponses(records, {
    dbCutWindows: faults.filter((f) => f.name.startsWith('database')),
  });
  results.push(responses);
  if (responses.stuckKeys > 0)
    warnings.push(
      `${responses.stuckKeys} Idempotency-Key(s) stayed "in flight" after their request had failed during the database cut: retries got 409 until the claim's lease ran out`,
    );

  // the consumers settle the payment and risk messages: each has its effect or its dead letter
  const sent = readJsonLines(inboundFile);
  const streams = await settledStreams({ pool: database.pool, sent, deadLetters, kafka, say });
  results.push(checkHoldInvariants(streams, domain));
  results.push(checkInbound(inboundEffects(sent, streams, deadLetters.messages)));
  results.push(checkAnswers(records, streams, domain));

  const get = getter(targets);
  if (scale) results.push(await checkReplicaReads(targets));
  const states = await checkStates(streams, { ...domain, get });
  results.push(states.result);
  results.push(
    await checkRebuild({ views: states.views, baseEnv, databaseUrl: database.url, get }),
  );
  return { streams, results, warnings };
};
