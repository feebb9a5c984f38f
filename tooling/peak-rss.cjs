// Preloaded by the benchmark (NODE_OPTIONS=--require): appends this
// process's peak RSS in KiB to $BENCH_RSS_FILE when it exits.
const { appendFileSync } = require('node:fs');

process.on('exit', () => {
  if (process.env.BENCH_RSS_FILE) appendFileSync(process.env.BENCH_RSS_FILE, `${process.resourceUsage().maxRSS}\n`);
});
