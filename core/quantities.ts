/**
 * Kubernetes resource quantities as numbers, for comparisons such as
 * "requests must not exceed limits". Inputs are already shape-checked.
 */
const MEMORY_UNITS: Record<string, number> = {
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};

/** "250m" → 250, "1.5" → 1500. NaN when the quantity is malformed. */
export function cpuMillis(quantity: string): number {
  return quantity.endsWith('m') ? Number(quantity.slice(0, -1)) : Number(quantity) * 1000;
}

/** "512Mi" → 536870912. NaN when the quantity is malformed. */
export function memoryBytes(quantity: string): number {
  const match = /^(\d+(?:\.\d+)?)([A-Za-z]*)$/.exec(quantity);
  const unit = match ? MEMORY_UNITS[match[2]!] : undefined;
  return match && unit !== undefined ? Number(match[1]) * unit : NaN;
}
