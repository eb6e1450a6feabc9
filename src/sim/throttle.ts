// AWS's published ECS request throttling: one token bucket per API category, refilled
// continuously on the SimClock. `rateScale` multiplies refill rates so tests run fast.
import type { SimClock } from './clock.js';

export interface BucketLimit { burst: number; perSecond: number }

export const ECS_CATEGORIES: Record<string, BucketLimit & { actions: string[] }> = {
  clusterModify: { burst: 20, perSecond: 1, actions: ['CreateCluster', 'DeleteCluster', 'UpdateCluster', 'PutClusterCapacityProviders', 'UpdateClusterSettings'] },
  clusterRead: { burst: 50, perSecond: 20, actions: ['DescribeClusters', 'ListClusters'] },
  taskDefinitionModify: { burst: 20, perSecond: 1, actions: ['RegisterTaskDefinition', 'DeregisterTaskDefinition'] },
  taskDefinitionRead: { burst: 50, perSecond: 20, actions: ['DescribeTaskDefinition', 'ListTaskDefinitions', 'ListTaskDefinitionFamilies'] },
  taskDefinitionDelete: { burst: 5, perSecond: 1, actions: ['DeleteTaskDefinitions'] },
  tagModify: { burst: 20, perSecond: 10, actions: ['TagResource', 'UntagResource'] },
  tagRead: { burst: 50, perSecond: 20, actions: ['ListTagsForResource'] },
  serviceModify: { burst: 50, perSecond: 5, actions: ['CreateService', 'UpdateService', 'DeleteService'] },
  serviceRead: { burst: 100, perSecond: 20, actions: ['DescribeServices', 'ListServices'] },
};

/**
 * Cloud Map publishes only DiscoverInstances; the rest is treated as a slow control plane.
 * The Resource Groups Tagging API publishes no rate either; GetResources gets a small bucket.
 */
export const TAGGING_LIMIT: BucketLimit = { burst: 10, perSecond: 5 };

export const CLOUDMAP_CATEGORIES: Record<string, BucketLimit> = {
  discover: { burst: 2000, perSecond: 1000 },
  control: { burst: 50, perSecond: 10 },
};

const ECS_CATEGORY_OF = new Map<string, string>();
for (const [name, c] of Object.entries(ECS_CATEGORIES)) for (const a of c.actions) ECS_CATEGORY_OF.set(a, name);

interface Bucket { tokens: number; at: number; limit: BucketLimit }

export class Throttler {
  private buckets = new Map<string, Bucket>();

  constructor(private readonly clock: SimClock, private readonly rateScale: number) {}

  /** Takes one token for the operation; false when its bucket is empty. */
  take(service: 'ecs' | 'cloudmap' | 'tagging', operation: string): boolean {
    const key = service === 'ecs'
      ? `ecs:${ECS_CATEGORY_OF.get(operation) ?? 'unknown'}`
      : service === 'tagging' ? 'tagging' : `cloudmap:${operation === 'DiscoverInstances' ? 'discover' : 'control'}`;
    const limit = service === 'ecs'
      ? ECS_CATEGORIES[ECS_CATEGORY_OF.get(operation) ?? ''] as BucketLimit | undefined
      : service === 'tagging' ? TAGGING_LIMIT : CLOUDMAP_CATEGORIES[operation === 'DiscoverInstances' ? 'discover' : 'control'];
    if (!limit) return true;
    const now = this.clock.now();
    let b = this.buckets.get(key);
    if (!b) {
      b = { tokens: limit.burst, at: now, limit };
      this.buckets.set(key, b);
    }
    const refill = ((now - b.at) / 1000) * limit.perSecond * this.rateScale;
    b.tokens = Math.min(limit.burst, b.tokens + refill);
    b.at = now;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  reset(): void {
    this.buckets.clear();
  }
}
