/** The controller's configuration and logger, as the broker passes them in. */

export interface ControllerConfig {
  /** unclean.leader.election.enable of the topic (its override, else the broker default). */
  uncleanLeaderElectionEnable(topic: string): boolean;
  /** auto.leader.rebalance.enable */
  autoLeaderRebalanceEnable: boolean;
  /** leader.imbalance.check.interval.seconds, in ms. */
  leaderImbalanceCheckIntervalMs: number;
  /** leader.imbalance.per.broker.percentage (0-100). */
  leaderImbalancePerBrokerPercentage: number;
  /** delete.topic.enable */
  deleteTopicEnable: boolean;
}

export interface ControllerLogger {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
}
