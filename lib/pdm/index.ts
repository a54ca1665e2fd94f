export { createPdmClient, fingerprintOfDer, type PdmClient, type PdmClientOptions, type PdmRemoteInfo, type PdmVersionInfo, type ProbeResult, type RemoteVersionResult } from "./client";
export { PdmError, isPdmError, type PdmErrorKind } from "./errors";
export { createRequestLimiter, type RequestLimiter } from "./limiter";
export { parseNodeString, parseHostPort, splitPropertyString } from "./nodes";
