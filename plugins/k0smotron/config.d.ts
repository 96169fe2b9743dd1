export interface Config {
  k0smotron?: {
    demo?: {
      /**
       * Demo only: a shell command that joins a simulated worker reading the token on stdin.
       * When set, the join dialog shows it beside the real commands; never set it elsewhere.
       * @visibility frontend
       */
      simulatedWorkerCommand?: string;
    };
  };
}
