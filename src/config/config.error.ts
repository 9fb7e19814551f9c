/** A configuration value that cannot be accepted; the message names the variable and what it accepts. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    readonly accepts: string,
    readonly got: string,
  ) {
    super(`Invalid ${variable}=${JSON.stringify(got)}: expected ${accepts}`);
    this.name = 'ConfigError';
  }
}
