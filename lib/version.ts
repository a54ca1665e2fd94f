import pkg from "@/package.json";

export const APP_NAME = "netbox-pdm";
export const APP_VERSION: string = pkg.version;
