export interface Config {
  /** The k0smotron Backstage plugins. */
  k0smotron?: {
    /**
     * Kubernetes clusters that host k0smotron control planes. Default: one cluster named
     * `local`, reached with the current context of the default kubeconfig ($KUBECONFIG or
     * ~/.kube/config).
     */
    managementClusters?: Array<{
      /** Name used in URLs and in the `k0smotron.io/cluster` annotation; no `/`. */
      name: string;
      /** A kubeconfig file; with `context`, a context in it (default: its current context). */
      kubeconfigPath?: string;
      context?: string;
      /** Or: the API server URL (https:// only) with a service-account token and the CA (base64 PEM). */
      url?: string;
      /** @visibility secret */
      serviceAccountToken?: string;
      caData?: string;
      /** Skip TLS verification of `url` (development only). */
      skipTLSVerify?: boolean;
      /** Or: use the pod's service account (Backstage runs in this cluster). */
      inCluster?: boolean;
      /**
       * Namespaces served from this cluster; default all except `k0smotron.policy.deniedNamespaces`
       * (kube-system, kube-public, kube-node-lease unless changed). A denied namespace here is an error.
       */
      namespaces?: string[];
      /**
       * The catalog owner of every Cluster in a namespace, e.g. `{ team-a: group:default/team-a }`.
       * Wins over anything on the Cluster; the `IS_CLUSTER_OWNER` permission rule and the catalog
       * entity's `spec.owner` use it.
       */
      namespaceOwners?: { [namespace: string]: string };
    }>;
    /** Where a Cluster's owner comes from when its namespace has no configured owner. */
    ownership?: {
      /**
       * Trust the Cluster's `backstage.io/owner` annotation (or label). Default false: anyone who
       * may write Clusters in the namespace could set it. Turn on only where an admission policy
       * restricts who writes it; Backstage itself writes it only after checking that the user
       * belongs to the owner.
       */
      trustOwnerAnnotation?: boolean;
      /** Default `catalog.providers.k0smotron.defaultOwner`, then `unknown`. */
      defaultOwner?: string;
    };
    /**
     * The tenant policy Backstage checks before it writes: the same keys and defaults as the
     * operator's (`policy.yaml` of its ConfigMap), so keep both equal.
     */
    policy?: {
      allowedImageRepositories?: string[];
      hostPathPersistence?: { allowed?: boolean; pathPrefixes?: string[] };
      mountVolumeSources?: string[];
      allowServiceAccount?: boolean;
      allowCertificateRefs?: boolean;
      /** Longest join-token expiry, a Go duration; default 24h. */
      maxJoinTokenExpiry?: string;
      /** Default false. */
      allowNeverExpiringJoinTokens?: boolean;
      patchableKinds?: string[];
      /** Default kube-system, kube-public, kube-node-lease. */
      deniedNamespaces?: string[];
    };
    /** The kubeconfig route (`GET …/kubeconfig`): a kubeconfig of the requesting user's own. */
    kubeconfigAccess?: {
      /**
       * Off by default: the kubeconfig is in the child's `system:masters` group, i.e. full
       * control of the child cluster, for its lifetime.
       */
      enabled?: boolean;
      /**
       * How long each user's client certificate is valid, as a duration such as `8h` or
       * `1h30m` (default 8h, at most 168h). It cannot be revoked, only expire.
       */
      certificateLifetime?: string;
    };
    /**
     * How long the join-token route waits for the operator to issue a token before answering
     * 503 and removing its JoinTokenRequest, as a duration such as `30s` (default 30s).
     */
    joinTokenTimeout?: string;
    /** Run the k0smotron reconcilers inside Backstage instead of a separate operator. */
    reconciler?: {
      /** Default false. */
      enabled?: boolean;
      /** Management clusters to reconcile; default all configured. */
      managementClusters?: string[];
      /**
       * Leader-election Lease; replicas sharing it reconcile one at a time. Default: the
       * operator's own Lease, so a standalone operator and Backstage never both reconcile.
       */
      lease?: {
        name?: string;
        namespace?: string;
        /** This replica's holder identity; default host name + random suffix. */
        identity?: string;
      };
    };
  };
}
