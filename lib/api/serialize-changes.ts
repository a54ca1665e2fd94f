import type { ObjectChangeRecord } from "@/lib/services/changelog/queries";
import { isObjectType } from "@/lib/object-types";
import { objectUrl, serializeRecord } from "./serialize";

/** NetBox's ObjectChange serializer: `changed_object` is a brief nested object when the type is known. */
export function serializeObjectChange(c: ObjectChangeRecord, baseUrl: string): Record<string, unknown> {
  const out = serializeRecord("core.objectchange", c, baseUrl);
  out.changed_object = isObjectType(c.changed_object_type)
    ? { id: c.changed_object_id, url: objectUrl(baseUrl, c.changed_object_type, c.changed_object_id), display: c.object_repr }
    : null;
  out.sync_run = c.sync_run === null ? null : { id: c.sync_run, url: objectUrl(baseUrl, "netbox_pdm.syncrun", c.sync_run), display: `Sync run #${c.sync_run}` };
  return out;
}
