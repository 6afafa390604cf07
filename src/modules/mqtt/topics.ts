/** The topics of api.md §14: a data source's points, and the reasons its invalid payloads were dropped. */
export type SourceChannel = 'points' | 'errors';

const sourceTopic = /^dakkio\/sources\/([0-9a-fA-F]{24})\/(points|errors)$/;

export const topicOf = (sourceId: string, channel: SourceChannel) => `dakkio/sources/${sourceId}/${channel}`;

/** The source and channel a topic names, or null for any other topic (including wildcards and `$SYS`). */
export function parseSourceTopic(topic: string): { sourceId: string; channel: SourceChannel } | null {
  const match = sourceTopic.exec(topic);
  return match ? { sourceId: match[1]!.toLowerCase(), channel: match[2] as SourceChannel } : null;
}
