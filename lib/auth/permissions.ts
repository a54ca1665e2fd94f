import type { UserRole } from "@/db/schema";
import { AppError } from "@/lib/errors";
import type { Actor } from "@/lib/services/context";

// SPEC §8: viewer reads; editor writes the inventory, triggers syncs, merges branches;
// admin also manages settings, users and everyone's tokens.
export type Permission =
  | "inventory.read"
  | "tokens.read_own"
  | "users.read"
  | "inventory.write"
  | "sync.run"
  | "branch.merge"
  | "settings.write"
  | "users.manage"
  | "tokens.manage_all"
  | "tokens.manage_own";

const ROLE_PERMISSIONS: Record<UserRole, readonly Permission[]> = {
  viewer: ["inventory.read", "tokens.read_own", "tokens.manage_own"],
  editor: ["inventory.read", "tokens.read_own", "tokens.manage_own", "inventory.write", "sync.run", "branch.merge"],
  admin: [
    "inventory.read",
    "tokens.read_own",
    "users.read",
    "tokens.manage_own",
    "inventory.write",
    "sync.run",
    "branch.merge",
    "settings.write",
    "users.manage",
    "tokens.manage_all",
  ],
};

/** What a read-only API token may still do (NetBox: `write_enabled` gates create/update/delete). */
const READ_ONLY: readonly Permission[] = ["inventory.read", "tokens.read_own", "users.read"];

export function can(actor: Actor, permission: Permission): boolean {
  if (!ROLE_PERMISSIONS[actor.role].includes(permission)) return false;
  // A read-only token may only read, whatever its owner's role.
  if (actor.kind === "token" && !actor.writeEnabled && !READ_ONLY.includes(permission)) return false;
  return true;
}

export function authorize(actor: Actor, permission: Permission): void {
  if (can(actor, permission)) return;
  if (actor.kind === "token" && !actor.writeEnabled && ROLE_PERMISSIONS[actor.role].includes(permission)) {
    throw new AppError("forbidden", "This API token is read-only: it does not permit write operations.");
  }
  throw new AppError("forbidden", "You do not have permission to perform this action.");
}
