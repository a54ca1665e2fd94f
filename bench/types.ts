/** One measured figure printed by `npm run bench` beside its target. */
export interface BenchResult {
  /** Which issue / area, e.g. "pdm-client". */
  group: string;
  name: string;
  value: number;
  unit: "ms" | "s" | "MB" | "req/s" | "count";
  /** The target, in the same unit. */
  target: number;
  /** "max": value must be <= target; "min": value must be >= target. */
  kind: "max" | "min";
  /** Free text: conditions of the measurement. */
  note?: string;
}

export interface BenchModule {
  group: string;
  run(): Promise<BenchResult[]>;
}
