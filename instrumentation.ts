// Runs once when the Next.js server starts, before it serves requests.
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  // First: every request from now on carries the client address sign-in throttling uses.
  const { installClientAddressHook } = await import("./lib/server/client-address");
  installClientAddressHook();
  const { startServerOrExit } = await import("./lib/server/startup");
  await startServerOrExit();
  // The sync's PDM request pump is a worker thread: started now, its modules load and compile at
  // boot instead of inside the first sync's fetch (half a second of a 10,000-remote first sync).
  const { startRequestPump } = await import("./lib/pdm/pump");
  const { log } = await import("./lib/log");
  startRequestPump().then(
    () => log.debug("PDM request pump started."),
    (err: unknown) => log.warn(`PDM request pump did not start yet (the first sync starts it): ${err instanceof Error ? err.message : String(err)}`),
  );
  // Without an Inngest server, sync runs execute in-process (resuming any run a crash interrupted).
  const { workflowEngineMode } = await import("./env");
  if (workflowEngineMode() === "embedded") {
    const { getEmbeddedRunner } = await import("./inngest/embedded-runner");
    getEmbeddedRunner().start();
  }
}
