import { CronExpressionParser } from "cron-parser";
import { eq } from "drizzle-orm";
import { z } from "zod";
import { BRANCH_ON_CONFLICT, pdmSettings, type PdmSettings } from "@/db/schema";
import { authorize } from "@/lib/auth/permissions";
import { getSecretBox } from "@/lib/crypto/secrets";
import { iso } from "../crud";
import { isPlainObject, parseInput } from "../crud";
import { recordChanges } from "../changelog/record";
import { withTransaction, type ServiceContext } from "../context";
import { isValidRefComponent, zHttpUrl } from "@/lib/validation/fields";

// Plugin settings (SPEC §2.3): a singleton row (id 1), created on first read.

export interface SettingsRecord {
  id: 1;
  display: string;
  proxbox_api_url: string;
  has_proxbox_api_key: boolean;
  branching_enabled: boolean;
  branch_name_prefix: string;
  branch_on_conflict: (typeof BRANCH_ON_CONFLICT)[number];
  pdm_fetch_concurrency: number;
  pdm_enabled: boolean;
  sync_schedule: string;
  created: Date;
  last_updated: Date;
}

export function isValidCron(expr: string): boolean {
  const fields = expr.trim().split(/\s+/);
  if (fields.length < 5 || fields.length > 6) return false;
  try {
    CronExpressionParser.parse(expr.trim(), { tz: "UTC" });
    return true;
  } catch {
    return false;
  }
}

const shape = {
  proxbox_api_url: zHttpUrl,
  proxbox_api_key: z.string("Enter text.").max(512, "Ensure this field has no more than 512 characters."),
  branching_enabled: z.boolean("Expected a boolean."),
  branch_name_prefix: z
    .string("Enter a branch name prefix.")
    .trim()
    .min(1, "This field may not be blank.")
    .refine(isValidRefComponent, "Enter a valid Git ref component: no spaces, slashes, ~^:?*[\\, '..', or leading '.'/'-'."),
  branch_on_conflict: z.enum(BRANCH_ON_CONFLICT, "Select a valid choice: abort or overwrite."),
  pdm_fetch_concurrency: z
    .number("Enter a whole number between 1 and 64.")
    .int("Enter a whole number between 1 and 64.")
    .min(1, "Ensure this value is greater than or equal to 1.")
    .max(64, "Ensure this value is less than or equal to 64."),
  pdm_enabled: z.boolean("Expected a boolean."),
  sync_schedule: z
    .string("Enter a cron expression or leave it empty.")
    .trim()
    .max(200)
    .refine((v) => v === "" || isValidCron(v), "Enter a valid cron expression (5 fields, e.g. \"0 * * * *\"), or leave it empty to turn the schedule off."),
};

export const settingsReplaceSchema = z.strictObject({ ...shape, proxbox_api_key: shape.proxbox_api_key.optional() });
export const settingsPatchSchema = z.strictObject(shape).partial();

export const SETTINGS_DEFAULTS = {
  proxbox_api_url: "",
  branching_enabled: false,
  branch_name_prefix: "pdm-sync",
  branch_on_conflict: "abort",
  pdm_fetch_concurrency: 8,
  pdm_enabled: true,
  sync_schedule: "",
};

function toRecord(r: PdmSettings): SettingsRecord {
  return {
    id: 1,
    display: "Plugin settings",
    proxbox_api_url: r.proxboxApiUrl,
    has_proxbox_api_key: r.proxboxApiKeyEncrypted !== "",
    branching_enabled: r.branchingEnabled,
    branch_name_prefix: r.branchNamePrefix,
    branch_on_conflict: r.branchOnConflict,
    pdm_fetch_concurrency: r.pdmFetchConcurrency,
    pdm_enabled: r.pdmEnabled,
    sync_schedule: r.syncSchedule,
    created: r.created,
    last_updated: r.lastUpdated,
  };
}

export function settingsSnapshot(r: SettingsRecord): Record<string, unknown> {
  const { display: _display, has_proxbox_api_key: _has, created, last_updated, ...rest } = r;
  return { ...rest, created: iso(created), last_updated: iso(last_updated) };
}

async function loadOrCreate(ctx: ServiceContext): Promise<PdmSettings> {
  const [row] = await ctx.db.select().from(pdmSettings).where(eq(pdmSettings.id, 1));
  if (row) return row;
  // Concurrent first reads may both insert: the singleton check makes the loser a no-op.
  await ctx.db.insert(pdmSettings).values({ id: 1 }).onConflictDoNothing();
  const [created] = await ctx.db.select().from(pdmSettings).where(eq(pdmSettings.id, 1));
  return created!;
}

export async function getSettings(ctx: ServiceContext): Promise<SettingsRecord> {
  authorize(ctx.actor, "inventory.read");
  return toRecord(await loadOrCreate(ctx));
}

/** Settings for internal use (sync), no permission check. */
export async function readSettingsForSystem(ctx: ServiceContext): Promise<SettingsRecord> {
  return toRecord(await loadOrCreate(ctx));
}

export async function updateSettings(ctx: ServiceContext, input: unknown, opts: { partial?: boolean } = {}): Promise<SettingsRecord> {
  authorize(ctx.actor, "settings.write");
  const parsed = opts.partial
    ? parseInput(settingsPatchSchema, input)
    : parseInput(settingsReplaceSchema, isPlainObject(input) ? { ...SETTINGS_DEFAULTS, ...input } : input);
  return withTransaction(ctx, async (tx) => {
    const before = toRecord(await loadOrCreate(tx));
    const { proxbox_api_url, branching_enabled, branch_name_prefix, branch_on_conflict, pdm_fetch_concurrency, pdm_enabled, sync_schedule, proxbox_api_key } = parsed;
    const values = {
      proxboxApiUrl: proxbox_api_url,
      branchingEnabled: branching_enabled,
      branchNamePrefix: branch_name_prefix,
      branchOnConflict: branch_on_conflict,
      pdmFetchConcurrency: pdm_fetch_concurrency,
      pdmEnabled: pdm_enabled,
      syncSchedule: sync_schedule,
      proxboxApiKeyEncrypted: proxbox_api_key === undefined ? undefined : proxbox_api_key === "" ? "" : getSecretBox().encrypt(proxbox_api_key),
    };
    // An empty PATCH changes nothing (drizzle refuses an update without values).
    const given = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined));
    const [row] = Object.keys(given).length
      ? await tx.db.update(pdmSettings).set(given).where(eq(pdmSettings.id, 1)).returning()
      : await tx.db.select().from(pdmSettings).where(eq(pdmSettings.id, 1));
    const after = toRecord(row!);
    await recordChanges(tx, [
      {
        action: "update",
        objectType: "netbox_pdm.pdmsettings",
        objectId: 1,
        repr: "Plugin settings",
        pre: settingsSnapshot(before),
        post: settingsSnapshot(after),
      },
    ]);
    return after;
  });
}
