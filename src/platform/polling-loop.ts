// The loop of an in-process background worker (index builds, workflow
// timers): run a step; when it says there may be more to do, run it again at
// once, otherwise sleep `pollMs` unless woken. stop() lets the step in hand
// finish and resolves; a sleeping loop never keeps the process alive.

export class PollingLoop {
  private running: Promise<void> | null = null;
  private stopped = false;
  private woken = false;
  private interrupt: (() => void) | null = null;

  /**
   * @param step one round of work; answers true when more may be waiting (poll again at once)
   * @param onError a step that threw (the loop goes on after its sleep); not called once stopping
   */
  constructor(
    private readonly pollMs: number,
    private readonly step: () => Promise<boolean>,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** True once stop() was called: long steps check it between items. */
  get stopping(): boolean {
    return this.stopped;
  }

  start(): void {
    if (this.running || this.stopped) return;
    this.running = this.loop();
  }

  /** Run the next step now instead of after the sleep. */
  wake(): void {
    this.woken = true;
    this.interrupt?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.interrupt?.();
    await this.running;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      this.woken = false;
      let again = false;
      try {
        again = await this.step();
      } catch (error) {
        if (!this.stopped) this.onError(error);
      }
      if (!again && !this.woken && !this.stopped) await this.sleep(this.pollMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      timer.unref();
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.interrupt = () => {
        this.interrupt = null;
        done();
      };
    });
  }
}
