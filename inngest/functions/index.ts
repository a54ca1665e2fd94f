import { scheduleSync } from "./schedule-sync";
import { syncPdm } from "./sync-pdm";

export const functions = [syncPdm, scheduleSync];
