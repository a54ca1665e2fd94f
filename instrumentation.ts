// Runs once when the Next.js server starts, before it serves requests.
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { startServerOrExit } = await import("./lib/server/startup");
  await startServerOrExit();
  // Without an Inngest server, sync runs execute in-process (resuming any run a crash interrupted).
  const { workflowEngineMode } = await import("./env");
  if (workflowEngineMode() === "embedded") {
    const { getEmbeddedRunner } = await import("./inngest/embedded-runner");
    getEmbeddedRunner().start();
  }
}
