/** One row of the bench's table (bench/run.ts prints them; scenario modules return them); `value` null when not run. */
export interface Figure {
  readonly scenario: string;
  readonly name: string;
  readonly value: number | null;
  readonly unit: string;
  readonly target?: string;
  readonly met?: boolean;
}
