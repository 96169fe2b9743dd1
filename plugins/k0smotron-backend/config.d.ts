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
      /** Or: the API server URL with a service-account token and the CA (base64 PEM). */
      url?: string;
      /** @visibility secret */
      serviceAccountToken?: string;
      caData?: string;
      /** Skip TLS verification of `url` (development only). */
      skipTLSVerify?: boolean;
      /** Or: use the pod's service account (Backstage runs in this cluster). */
      inCluster?: boolean;
      /** Namespaces served from this cluster; default all. */
      namespaces?: string[];
    }>;
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
