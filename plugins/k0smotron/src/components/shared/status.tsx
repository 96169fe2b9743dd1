import { type JSX, type ReactNode } from 'react';
import { StatusAborted, StatusError, StatusOK, StatusPending, StatusRunning, StatusWarning } from '@backstage/core-components';
import type { Condition } from '@k0smotron/api';
import type { ClusterPhase } from '@k0smotron/plugin-k0smotron-common';

export type StatusLevel = 'ok' | 'pending' | 'running' | 'warning' | 'error' | 'aborted';

const indicators: Record<StatusLevel, (props: { children?: ReactNode }) => JSX.Element> = {
  ok: StatusOK,
  pending: StatusPending,
  running: StatusRunning,
  warning: StatusWarning,
  error: StatusError,
  aborted: StatusAborted,
};

/** A coloured status dot (hidden from screen readers) followed by its text. */
export function StatusText(props: { level: StatusLevel; children: ReactNode }) {
  const Indicator = indicators[props.level];
  return <Indicator>{props.children}</Indicator>;
}

export function phaseLevel(phase: ClusterPhase): StatusLevel {
  switch (phase) {
    case 'Available':
      return 'ok';
    case 'Progressing':
      return 'running';
    case 'Sleeping':
    case 'Paused':
      return 'warning';
    case 'Degraded':
      return 'error';
    case 'Deleting':
      return 'aborted';
    default:
      return 'pending';
  }
}

export function PhaseStatus(props: { phase: ClusterPhase }) {
  return <StatusText level={phaseLevel(props.phase)}>{props.phase}</StatusText>;
}

/**
 * How bad a False condition is depends on the phase: while a control plane comes up (or sleeps,
 * or is paused) a False condition is expected, not an error.
 */
export function conditionLevel(condition: Condition | undefined, phase: ClusterPhase): StatusLevel {
  if (!condition || condition.status === 'Unknown') return 'pending';
  if (condition.status === 'True') return 'ok';
  if (phase === 'Degraded') return 'error';
  if (phase === 'Sleeping' || phase === 'Paused') return 'warning';
  return 'pending';
}

/** "True", "False (NotFound)" or "Unknown", with its indicator. */
export function ConditionStatus(props: { condition: Condition | undefined; phase: ClusterPhase }) {
  const { condition, phase } = props;
  const text = !condition ? 'Unknown' : condition.status === 'True' || !condition.reason ? condition.status : `${condition.status} (${condition.reason})`;
  return <StatusText level={conditionLevel(condition, phase)}>{text}</StatusText>;
}
