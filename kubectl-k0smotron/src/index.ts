// kubectl-k0smotron as a library: the command line entry and the pure pieces other tools may
// reuse (flag → spec mapping, kubeconfig merging, table/tree/status rendering).
export { main, extractVerbosity } from './main';
export { CliError, isCliError } from './errors';
export { clusterFromFlags, type CreateFlags } from './spec/create';
export { mergeKubeconfig, defaultContextName, type MergeInput, type MergeResult } from './kubeconfig/merge';
export { renderTable, renderKeyValues } from './output/table';
export { renderTree, type TreeNode } from './output/tree';
export { renderStatus, type StatusReport } from './output/status';
export { humanDuration } from './output/age';
export { planCompletion } from './completion';
