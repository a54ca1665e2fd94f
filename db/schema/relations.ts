import { relations } from "drizzle-orm";
import { sites, tenants } from "./organization";
import {
  pdmEndpointPbsServers,
  pdmEndpointProxmoxEndpoints,
  pdmEndpoints,
  pdmRemotes,
} from "./pdm";
import { pbsServers, proxmoxEndpoints } from "./proxmox";
import { apiTokens, users } from "./users";

export const pdmEndpointsRelations = relations(pdmEndpoints, ({ one, many }) => ({
  site: one(sites, { fields: [pdmEndpoints.siteId], references: [sites.id] }),
  tenant: one(tenants, { fields: [pdmEndpoints.tenantId], references: [tenants.id] }),
  remotes: many(pdmRemotes),
  proxmoxEndpointLinks: many(pdmEndpointProxmoxEndpoints),
  pbsServerLinks: many(pdmEndpointPbsServers),
}));

export const pdmEndpointProxmoxEndpointsRelations = relations(pdmEndpointProxmoxEndpoints, ({ one }) => ({
  pdmEndpoint: one(pdmEndpoints, { fields: [pdmEndpointProxmoxEndpoints.pdmEndpointId], references: [pdmEndpoints.id] }),
  proxmoxEndpoint: one(proxmoxEndpoints, {
    fields: [pdmEndpointProxmoxEndpoints.proxmoxEndpointId],
    references: [proxmoxEndpoints.id],
  }),
}));

export const pdmEndpointPbsServersRelations = relations(pdmEndpointPbsServers, ({ one }) => ({
  pdmEndpoint: one(pdmEndpoints, { fields: [pdmEndpointPbsServers.pdmEndpointId], references: [pdmEndpoints.id] }),
  pbsServer: one(pbsServers, { fields: [pdmEndpointPbsServers.pbsServerId], references: [pbsServers.id] }),
}));

export const pdmRemotesRelations = relations(pdmRemotes, ({ one }) => ({
  pdmEndpoint: one(pdmEndpoints, { fields: [pdmRemotes.pdmEndpointId], references: [pdmEndpoints.id] }),
  linkedProxmoxEndpoint: one(proxmoxEndpoints, {
    fields: [pdmRemotes.linkedProxmoxEndpointId],
    references: [proxmoxEndpoints.id],
  }),
  linkedPbsServer: one(pbsServers, { fields: [pdmRemotes.linkedPbsServerId], references: [pbsServers.id] }),
}));

export const proxmoxEndpointsRelations = relations(proxmoxEndpoints, ({ one }) => ({
  site: one(sites, { fields: [proxmoxEndpoints.siteId], references: [sites.id] }),
  tenant: one(tenants, { fields: [proxmoxEndpoints.tenantId], references: [tenants.id] }),
}));

export const pbsServersRelations = relations(pbsServers, ({ one }) => ({
  site: one(sites, { fields: [pbsServers.siteId], references: [sites.id] }),
  tenant: one(tenants, { fields: [pbsServers.tenantId], references: [tenants.id] }),
}));

export const apiTokensRelations = relations(apiTokens, ({ one }) => ({
  user: one(users, { fields: [apiTokens.userId], references: [users.id] }),
}));
