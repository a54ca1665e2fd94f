// A stand-in for the app process in the crash test: it runs the embedded runner on DATABASE_URL
// until it is killed. (The runner is exactly what instrumentation.ts starts in `npm start`.)
import { getEmbeddedRunner } from "@/inngest/embedded-runner";

getEmbeddedRunner().start();
console.log("runner started");
setInterval(() => {}, 1000);
