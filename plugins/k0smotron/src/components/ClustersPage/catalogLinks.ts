import { CATALOG_FILTER_EXISTS, type CatalogApi } from '@backstage/plugin-catalog-react';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { K0SMOTRON_CLUSTER_ANNOTATION, clusterEntityRef, formatClusterAnnotation, type ClusterRef } from '@k0smotron/plugin-k0smotron-common';

/** Maps a Cluster (by its `k0smotron.io/cluster` value) to the ref of its catalog entity. */
export type ClusterEntityRefs = { lookup: (ref: ClusterRef) => string | undefined; fromCatalog: boolean };

/**
 * Asks the catalog which entities carry the k0smotron annotation, so links work for entities the
 * catalog module made and for hand-written ones. If the catalog cannot be asked, links fall back
 * to the name the catalog module gives (`resource:default/<mc>-<ns>-<name>`).
 */
export async function loadClusterEntityRefs(catalogApi: CatalogApi): Promise<ClusterEntityRefs> {
  try {
    const { items } = await catalogApi.getEntities({
      filter: { [`metadata.annotations.${K0SMOTRON_CLUSTER_ANNOTATION}`]: CATALOG_FILTER_EXISTS },
      fields: ['kind', 'metadata.name', 'metadata.namespace', 'metadata.annotations'],
    });
    const byAnnotation = new Map<string, string>();
    for (const entity of items) {
      const value = entity.metadata.annotations?.[K0SMOTRON_CLUSTER_ANNOTATION];
      if (value && !byAnnotation.has(value)) byAnnotation.set(value, stringifyEntityRef(entity));
    }
    return { lookup: ref => byAnnotation.get(formatClusterAnnotation(ref)), fromCatalog: true };
  } catch {
    return { lookup: ref => clusterEntityRef(ref), fromCatalog: false };
  }
}
