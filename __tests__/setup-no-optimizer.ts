/**
 * The unit suite's workers run without V8's optimizing compiler (TurboFan).
 * A test file's code runs briefly, once per file, and compiling it for speed
 * cost more than it won back: without it the suite took about 2 CPU-s (15 %)
 * less on two cores (`node --no-opt` measured the same). Set here, in each
 * worker, because jest's config cannot pass V8 flags to them; code already
 * optimized stays so, and nothing but speed depends on it.
 */
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--no-opt');
