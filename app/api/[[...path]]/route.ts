import { dispatch } from "@/lib/api/routes";

// Every /api/ path without a route file of its own: the registry's types and the API roots
// (lib/api/routes.ts); anything else is a JSON 404.
export const GET = dispatch("GET");
export const POST = dispatch("POST");
export const PUT = dispatch("PUT");
export const PATCH = dispatch("PATCH");
export const DELETE = dispatch("DELETE");
export const dynamic = "force-dynamic";
