/** Milliseconds per step of one reconcile, logged at debug level: where a slow reconcile spends its time. */
export class StepTimer {
  readonly steps: Record<string, number> = {};
  private stepStart = Date.now();

  step(name: string): void {
    const now = Date.now();
    this.steps[name] = now - this.stepStart;
    this.stepStart = now;
  }
}
