export * from "./organization";
export * from "./proxmox";
export * from "./pdm";
export * from "./users";
export * from "./changelog";
export * from "./sync-runs";
export * from "./relations";
