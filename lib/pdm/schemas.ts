import { z } from "zod";

// PDM responses, validated at the boundary (pdm-api.md §3). Objects are loose: unknown extra
// fields are tolerated, missing optional ones too; anything else is a malformed response.

export const versionSchema = z.looseObject({
  version: z.string(),
  release: z.string(),
  repoid: z.string().optional(),
});

export const remoteSchema = z.looseObject({
  type: z.enum(["pve", "pbs"]),
  id: z.string().min(1),
  nodes: z.array(z.string()),
  authid: z.string().optional().default(""),
  "web-url": z.string().optional(),
});

export const remoteVersionSchema = z.looseObject({
  version: z.string(),
  release: z.string().optional(),
  repoid: z.string().optional(),
});

export type PdmVersion = z.infer<typeof versionSchema>;
export type PdmRemoteRaw = z.infer<typeof remoteSchema>;

/** A zod failure as "where: what" for the malformed-response message. */
export function describeIssue(err: z.ZodError, prefix: PropertyKey[] = []): string {
  const issue = err.issues[0];
  if (!issue) return "unexpected shape";
  const at = [...prefix, ...issue.path];
  const where = at.length ? `data.${at.map(String).join(".")}` : "data";
  if (issue.code === "invalid_type") return `${where} is not ${article(issue.expected)}`;
  return `${where}: ${issue.message}`;
}

function article(t: string): string {
  return /^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`;
}
