// PDM's API tokens and ACLs as far as an inventory client meets them (pdm-api.md §2.1, §2.3, §7.2).
//
// A token is active only while it (and its owning user) is enabled and unexpired; otherwise
// every request is a 401. Its privileges come from its own ACL entries (the owner is taken to
// hold every privilege, so the intersection PDM computes is the token's own set). Lookup follows
// proxmox-access-control: walk from `/` to the path; at each level a non-empty set of matching
// roles replaces what was inherited, entries above the last component count only when
// propagated, and NoAccess wins at its level. Tokens are never superuser.

export type SimRole = "Administrator" | "Auditor" | "NoAccess";

export interface SimAclEntry {
  /** "/", "/resource", "/resource/<remote>", "/resource/<remote>/node/<node>", "/system", … */
  path: string;
  role: SimRole;
  propagate: boolean;
}

export interface SimToken {
  /** `<user>@<realm>!<tokenname>` */
  tokenid: string;
  secret: string;
  enabled: boolean;
  /** Epoch seconds; 0 = never expires. */
  expire: number;
  acl: SimAclEntry[];
  /** The owning user's state: a token of a disabled user is a 401 too (default true). */
  userEnabled?: boolean;
}

export type SimPrivilege = "System.Audit" | "System.Modify" | "Resource.Audit" | "Resource.Modify" | "Access.Audit" | "Access.Modify";

export const ROLES: Record<SimRole, readonly SimPrivilege[]> = {
  Administrator: ["System.Audit", "System.Modify", "Resource.Audit", "Resource.Modify", "Access.Audit", "Access.Modify"],
  Auditor: ["System.Audit", "Resource.Audit", "Access.Audit"],
  NoAccess: [],
};

export function isRole(v: unknown): v is SimRole {
  return typeof v === "string" && Object.prototype.hasOwnProperty.call(ROLES, v);
}

function components(path: string): string[] {
  return path.split("/").filter(Boolean);
}

function normalize(path: string): string {
  return `/${components(path).join("/")}`;
}

/** Whether the token may authenticate at all (`is_active_auth_id`). */
export function tokenActive(t: SimToken, nowMs = Date.now()): boolean {
  return t.enabled && t.userEnabled !== false && !(t.expire > 0 && t.expire * 1000 <= nowMs);
}

/** The roles that apply on `path` (proxmox-access-control `AclTree::roles`). */
export function rolesOn(acl: SimAclEntry[], path: string): Set<SimRole> {
  const comps = components(path);
  const at = (p: string, leaf: boolean): Set<SimRole> => {
    const entries = acl.filter((e) => normalize(e.path) === p && (e.propagate || leaf));
    if (entries.some((e) => e.role === "NoAccess")) return new Set<SimRole>(["NoAccess"]);
    return new Set(entries.map((e) => e.role));
  };
  let roles = at("/", comps.length === 0);
  for (let i = 1; i <= comps.length; i++) {
    const here = at(`/${comps.slice(0, i).join("/")}`, i === comps.length);
    if (here.size) roles = here;
  }
  return roles;
}

// Every API request asks for the privileges on one path. A token's ACL is replaced, never edited
// in place (parseAcl builds a new list), so the answers can be kept per list.
const privilegeMemo = new WeakMap<SimAclEntry[], Map<string, ReadonlySet<SimPrivilege>>>();

export function privilegesOn(acl: SimAclEntry[], path: string): ReadonlySet<SimPrivilege> {
  let memo = privilegeMemo.get(acl);
  if (!memo) privilegeMemo.set(acl, (memo = new Map()));
  let out = memo.get(path);
  if (!out) {
    const set = new Set<SimPrivilege>();
    for (const role of rolesOn(acl, path)) for (const p of ROLES[role]) set.add(p);
    memo.set(path, (out = set));
  }
  return out;
}

/**
 * `any_privs_below`: the privilege on `path` itself, or in any entry on a path below it
 * (propagated or not), e.g. Auditor on `/resource/pve-a` counts for `/resource`.
 */
export function anyPrivilegeBelow(acl: SimAclEntry[], path: string, priv: SimPrivilege): boolean {
  if (privilegesOn(acl, path).has(priv)) return true;
  const prefix = normalize(path) === "/" ? "/" : `${normalize(path)}/`;
  return acl.some((e) => normalize(e.path).startsWith(prefix) && normalize(e.path) !== normalize(path) && ROLES[e.role].includes(priv));
}

/** A control-interface token description checked and filled with defaults; a string says what is wrong. */
export function parseToken(input: unknown): SimToken | string {
  if (!input || typeof input !== "object") return "expected a token object";
  const t = input as Record<string, unknown>;
  if (typeof t.tokenid !== "string" || !/^[^\s:/]+@[A-Za-z0-9_][A-Za-z0-9._-]*![A-Za-z0-9_][A-Za-z0-9._-]*$/.test(t.tokenid)) return "tokenid must be <user>@<realm>!<tokenname>";
  if (typeof t.secret !== "string" || !t.secret) return "secret must be a non-empty string";
  const acl = parseAcl(t.acl ?? []);
  if (typeof acl === "string") return acl;
  if (t.enabled !== undefined && typeof t.enabled !== "boolean") return "enabled must be a boolean";
  if (t.userEnabled !== undefined && typeof t.userEnabled !== "boolean") return "userEnabled must be a boolean";
  if (t.expire !== undefined && (typeof t.expire !== "number" || t.expire < 0)) return "expire must be epoch seconds (0 = never)";
  return { tokenid: t.tokenid, secret: t.secret, enabled: t.enabled ?? true, expire: (t.expire as number | undefined) ?? 0, acl, ...(t.userEnabled !== undefined ? { userEnabled: t.userEnabled } : {}) };
}

export function parseAcl(input: unknown): SimAclEntry[] | string {
  if (!Array.isArray(input)) return "acl must be a list of {path, role, propagate}";
  const out: SimAclEntry[] = [];
  for (const e of input as Record<string, unknown>[]) {
    if (!e || typeof e.path !== "string" || !e.path.startsWith("/")) return "an ACL path must start with /";
    if (!isRole(e.role)) return `unknown role ${JSON.stringify(e.role)} (Administrator, Auditor, NoAccess)`;
    out.push({ path: e.path, role: e.role, propagate: e.propagate === undefined ? true : Boolean(e.propagate) });
  }
  return out;
}
