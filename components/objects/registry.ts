import type { Kind } from "@/lib/ui/kinds";
import type { KindConfig } from "./config";
import { organizationConfig } from "./organization/config";
import { pdmEndpointConfig } from "./pdm-endpoint/config";
import { pdmRemoteConfig } from "./pdm-remote/config";
import { proxmoxLikeConfig } from "./proxmox/config";
import { userConfig } from "./user/config";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const CONFIGS: Record<Kind, KindConfig<any>> = {
  "pdm-endpoint": pdmEndpointConfig,
  "pdm-remote": pdmRemoteConfig,
  site: organizationConfig("site"),
  tenant: organizationConfig("tenant"),
  "proxmox-endpoint": proxmoxLikeConfig("proxmox-endpoint"),
  "pbs-server": proxmoxLikeConfig("pbs-server"),
  user: userConfig,
};
