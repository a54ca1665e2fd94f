import { appDatabase } from "@/lib/services/app-db";
import { bumpProgress } from "@/lib/services/sync-runs";
import { fetchEndpoint } from "@/lib/sync/fetch";
import { branchEndpoint, commitRunToMain, failRun, finishRun, mergeRunBranch, prepareGit, reconcileEndpoint, startRun } from "@/lib/sync/workflow";
import { inngest } from "../client";
import { syncRequested } from "../events";

// The sync workflow (SPEC §4, §4.1, §5): one step per side effect, so a retry resumes where it failed.
//   start (a run waits for its turn while another is under way) → prepare-git (beside the
//   fetches without branching) → per endpoint, all endpoints in
//   parallel (one shared request limit):
//     fetch-endpoint-<id> → reconcile-endpoint-<id> (the database), or
//     fetch-endpoint-<id> → branch-endpoint-<id> (the run's Git branch, with branching)
//   → commit-main (without branching) or merge-branch (with it) → finish
// Steps return ids and counts; fetched remotes are staged in the database between steps, which
// keeps every step's output tiny (Inngest: 4 MB per step, 32 MB per run) even at 10,000 remotes.

/** The subset of Inngest's step tools the workflow uses; the embedded runner provides the same. */
export interface StepTools {
  run<T>(id: string, fn: () => Promise<T>): Promise<T>;
  /** A durable wait (on Inngest the run sleeps on the server, holding no concurrency slot). */
  sleep(id: string, ms: number): Promise<void>;
}

export interface SyncHandlerArgs {
  event: { data: { runId: number } };
  step: StepTools;
  /** The engine's id for this execution (Inngest run id, or the embedded runner's). */
  runId: string;
}

/**
 * Step bodies under way in this process, by run and step id. An engine may start a step again
 * while its first attempt is still running (Inngest redelivering a step whose request timed out;
 * @inngest/test re-running parallel steps, inngest/inngest-js#1122): the second start joins the
 * first instead of fetching or reconciling the same endpoint twice at once. A start after the
 * first one ended (or in another process) meets the steps' own idempotence: a staged fetch is
 * reused, a reconcile returns the outcome it recorded (lib/sync/fetch.ts, workflow.ts).
 */
const inFlight = new Map<string, Promise<unknown>>();

function singleFlight<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const running = inFlight.get(key);
  if (running) return running as Promise<T>;
  const p = fn().finally(() => inFlight.delete(key));
  inFlight.set(key, p);
  return p;
}

/**
 * A step's error in the words the run records (its error text, the engine's retries): a database
 * error arrives wrapped by Drizzle as "Failed query: <the SQL> params: <every value, such as a
 * whole fetched remote list>"; what failed is its cause. (Structural, not instanceof: a
 * production build may hold several copies of drizzle-orm.)
 */
export function inPlainWords(err: unknown): unknown {
  const cause = (err as { cause?: unknown } | null)?.cause;
  if (err instanceof Error && err.message.startsWith("Failed query: ") && cause instanceof Error) return new Error(`database: ${cause.message}`);
  return err;
}

export async function syncPdmHandler({ event, step: engine, runId: engineRunId }: SyncHandlerArgs) {
  const runId = event.data.runId;
  // Every step says it is under way (the run page's "current step"), whichever engine runs it.
  const step: StepTools = {
    run: (id, fn) =>
      engine.run(id, () =>
        singleFlight(`${runId}:${id}`, async () => {
          await bumpProgress(await appDatabase(), runId, {}, id);
          return fn();
        }).catch((err: unknown) => {
          throw inPlainWords(err);
        }),
      ),
    sleep: (id, ms) => engine.sleep(id, ms),
  };
  let start = await step.run("start", async () => startRun(await appDatabase(), runId, engineRunId));
  // While another run is under way this one stays queued, and asks again after 1, 2, 4, 8, then
  // every 15 seconds (markRunStarted; on Inngest, runs' steps would otherwise interleave).
  for (let turn = 1; start.waitingFor; turn++) {
    await step.sleep(`wait-for-run-${start.waitingFor}-${turn}`, Math.min(1000 * 2 ** (turn - 1), 15_000));
    start = await step.run(`start-${turn}`, async () => startRun(await appDatabase(), runId, engineRunId));
  }
  if (start.terminal) return { runId, status: "already-finished" };
  if (start.skipped) {
    const status = await step.run("finish", async () => finishRun(await appDatabase(), runId, { skipped: true }));
    return { runId, status };
  }
  // With branching the run's branch (its base) is made before the first PDM request (SPEC §5).
  // Without it, prepare-git only commits edits made since the last run: it runs beside the
  // fetches, which change nothing in the inventory, and every reconcile waits for it.
  const prepared = step.run("prepare-git", async () => prepareGit(await appDatabase(), runId, start));
  prepared.catch(() => {}); // handled where awaited; never an unhandled rejection meanwhile
  if (start.branching) await prepared;
  // Per endpoint: fetch, then reconcile (or commit to the branch) — the endpoints in parallel.
  // Their fetches share the run's request limit, earlier endpoints first, so each endpoint's
  // reconcile overlaps the later endpoints' fetches; reconciles themselves take turns (they lock
  // the run's row) and the Git writes take the Git lock.
  const fetched = await Promise.all(
    start.endpoints.map(async (ep, order) => {
      const f = await step.run(`fetch-endpoint-${ep.id}`, async () => fetchEndpoint(await appDatabase(), runId, ep.id, start.concurrency, order));
      const git = await prepared;
      if (git.branch) {
        const branch = git.branch;
        await step.run(`branch-endpoint-${ep.id}`, async () => branchEndpoint(await appDatabase(), runId, ep, branch));
      } else {
        await step.run(`reconcile-endpoint-${ep.id}`, async () => reconcileEndpoint(await appDatabase(), runId, ep));
      }
      return f;
    }),
  );
  const git = await prepared;
  let leftOpen = false;
  if (git.branch) {
    const branch = git.branch;
    const merged = await step.run("merge-branch", async () => mergeRunBranch(await appDatabase(), runId, branch, start.onConflict));
    leftOpen = merged.outcome === "left_open";
  } else {
    await step.run("commit-main", async () => commitRunToMain(await appDatabase(), runId));
  }
  const status = await step.run("finish", async () => finishRun(await appDatabase(), runId, { leftOpen }));
  return { runId, status, remotesFetched: fetched.reduce((n, f) => n + f.remotes, 0), endpoints: start.endpoints.length };
}

export const SYNC_FUNCTION_ID = "sync-pdm";
export const SYNC_RETRIES = 2;

export const syncPdm = inngest.createFunction(
  {
    id: SYNC_FUNCTION_ID,
    name: "Sync PDM inventory",
    triggers: [syncRequested],
    // No concurrency key: on Inngest it limits executing steps, not runs, so a limit of 1 ran the
    // parallel per-endpoint steps one at a time. Runs never overlap (SPEC §4) because each takes
    // its turn at start (markRunStarted).
    // Each endpoint's steps go on as soon as its own fetch is done: with the SDK's default
    // ("optimized") parallelism a Promise.all of steps resolves only once all of them have, so on a
    // server every reconcile waited for the slowest endpoint's fetch. (Deprecated in favour of
    // race groups, which are not this; one warning at start.)
    optimizeParallelism: false,
    retries: SYNC_RETRIES,
    onFailure: async ({ event, error }) => {
      const runId = (event.data.event.data as { runId?: number }).runId;
      if (runId) await failRun(await appDatabase(), runId, `The sync workflow failed: ${error.message}`);
    },
  },
  async ({ event, step, runId }) => syncPdmHandler({ event, step: step as unknown as StepTools, runId }),
);
