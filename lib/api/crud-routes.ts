import { objectType } from "@/lib/object-types";
import type { AnyCrudService, BaseRecord } from "@/lib/services/crud";
import { listInputFromSearchParams } from "@/lib/services/list";
import { apiRoute, idParam, readJsonBody } from "./handler";
import { cachedListBody, listCacheKey } from "./list-cache";
import { jsonBytes, jsonBytesResponse, jsonResponse } from "./responses";
import { writableBody } from "./write-body";
import { isBrief, paginated, serializeBrief, serializeRecord } from "./serialize";

// The NetBox list/detail endpoints for any CRUD service (lib/api/routes.ts serves them at its type's apiPath).

 
export function crudRoutes(service: AnyCrudService) {
  const type = service.definition.objectType;
  const { read, write } = objectType(type).permissions;
  type R = BaseRecord;
  const readOnly = Object.keys(service.definition.readOnly ?? {});
  const one = (rec: R, baseUrl: string) => serializeRecord(type, rec, baseUrl);
  // Read-only fields are ignored and nested references taken by id, as NetBox does.
  const body = async (req: Request) => writableBody(type, await readJsonBody(req), readOnly);

  return {
    list: {
      /** GET …/ – the NetBox list envelope, filters, q, ordering, brief. */
      GET: apiRoute(read, async ({ req, ctx, baseUrl }) => {
        const body = await cachedListBody(ctx, listCacheKey(ctx, type, req.url, baseUrl), async () => {
          const params = req.nextUrl.searchParams;
          const page = await service.list(ctx, listInputFromSearchParams(params));
          const brief = isBrief(params);
          return jsonBytes(paginated(page, req.url, baseUrl, (r) => (brief ? serializeBrief(type, r, baseUrl) : one(r, baseUrl))));
        });
        return jsonBytesResponse(body);
      }),
      /** POST …/ – create; 201 with the object. */
      POST: apiRoute(write, async ({ req, ctx, baseUrl }) => jsonResponse(one(await service.create(ctx, await body(req)), baseUrl), 201)),
    },
    detail: {
      GET: apiRoute(read, async ({ ctx, params, baseUrl }) => jsonResponse(one(await service.getOrThrow(ctx, idParam(params)), baseUrl))),
      /** PUT …/{id}/ – full update, validated like create. */
      PUT: apiRoute(write, async ({ req, ctx, params, baseUrl }) => {
        const id = idParam(params);
        return jsonResponse(one(await service.update(ctx, id, await body(req), { partial: false }), baseUrl));
      }),
      /** PATCH …/{id}/ – partial update. */
      PATCH: apiRoute(write, async ({ req, ctx, params, baseUrl }) => {
        const id = idParam(params);
        return jsonResponse(one(await service.update(ctx, id, await body(req), { partial: true }), baseUrl));
      }),
      DELETE: apiRoute(write, async ({ ctx, params }) => {
        await service.delete(ctx, idParam(params));
        return jsonResponse(null, 204);
      }),
    },
  };
}
