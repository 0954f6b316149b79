export interface Violation {
  file: string;
  line: number;
  column: number;
  layer: string;
  spec: string;
  reason: string;
}
export const SIMULATION_PACKAGES: string[];
export function importsOf(file: string, text: string): Array<{ spec: string; line: number; column: number; typeOnly: boolean }>;
export function checkLayers(root: string): { files: number; violations: Violation[] };
export function formatViolation(v: Violation): string;
