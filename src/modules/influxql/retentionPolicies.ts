import type { Cell } from './ports';

export const retentionPolicyColumns = ['name', 'duration', 'shardGroupDuration', 'replicaN', 'default'];

/**
 * A bucket has one policy, `autogen`, whose duration is the bucket's retention, written as
 * InfluxDB writes durations; its shard group duration is the one InfluxDB would pick for it.
 */
export function retentionPolicyRow(retentionDays: number): Cell[] {
  const shardGroupHours = retentionDays < 2 ? 1 : retentionDays <= 180 ? 24 : 168;
  return ['autogen', `${retentionDays * 24}h0m0s`, `${shardGroupHours}h0m0s`, 1, true];
}
