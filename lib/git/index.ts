export { diff3, defaultIdentity, fieldChanges, type Identity, type ObjectDiff } from "./diff";
export { commitMerge, prepareMerge, type ConflictPolicy, type PlanEntry, type PreparedMerge } from "./merge";
export { pathSegment, serializeObject, type JsonObject } from "./objects";
export { DEFAULT_AUTHOR, openGitStore, type Author, type GitStore, type SnapshotPreview, type SnapshotResult } from "./store";
