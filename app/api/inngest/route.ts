import { serve } from "inngest/next";
import type { NextRequest } from "next/server";
import { workflowEngineMode } from "@/env";
import { jsonResponse } from "@/lib/api/responses";
import { inngest } from "@/inngest/client";
import { functions } from "@/inngest/functions";

// Inngest's callback endpoint: the Inngest server (dev, self-hosted or Cloud) calls it to run
// steps. Without an Inngest server the embedded runner executes the functions and this answers 404.
const handlers = serve({ client: inngest, functions });

type Ctx = { params: Promise<Record<string, string>> };
function guarded(h: (req: NextRequest, ctx: Ctx) => Promise<Response>) {
  return async (req: NextRequest, ctx: Ctx) => {
    if (workflowEngineMode() === "embedded") {
      return jsonResponse({ detail: "No Inngest server is configured: sync runs use the embedded runner." }, 404);
    }
    return h(req, ctx);
  };
}

export const GET = guarded(handlers.GET as never);
export const POST = guarded(handlers.POST as never);
export const PUT = guarded(handlers.PUT as never);
