// npm run bench [-- --smoke] [-- drain|download|throttle] [-- --candidates]: performance figures, measured side by side in one run.
import { downloadBench } from "./download.ts";
import { drainBench } from "./drain.ts";
import { throttleBench } from "./throttle.ts";

const args = process.argv.slice(2);
const smoke = args.includes("--smoke");
const candidates = args.includes("--candidates");
const benches = { drain: drainBench, download: (quick: boolean) => downloadBench(quick, candidates), throttle: throttleBench };
const chosen = args.filter((a) => a in benches) as (keyof typeof benches)[];
let met = true;
for (const name of chosen.length > 0 ? chosen : (Object.keys(benches) as (keyof typeof benches)[])) {
  met = (await benches[name](smoke)) && met;
}
// Smoke runs check that the benchmarks work; only full runs judge the targets.
process.exitCode = met || smoke ? 0 : 1;
