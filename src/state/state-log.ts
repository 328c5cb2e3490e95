import { CheckpointError } from '../errors.ts';
import type { KeyedRecord } from './keyed-records.ts';
import { chunkKey, decodeManifest, decodeState, parseStateKey, type RestoredPartitionState } from './state-encoding.ts';

/**
 * The state topic read in offset order, folded as compaction would leave it: the latest value per
 * key, a tombstone deleting its key. A partition's state is its latest manifest and the chunks of
 * that manifest's step; chunks of other steps (superseded, or written by a write that never got to
 * its manifest) are kept only as keys, to be deleted by the partition's next write.
 */
export class StateLog {
  private readonly manifests = new Map<number, Buffer>();
  /** partition → chunk key → value. */
  private readonly chunks = new Map<number, Map<string, Buffer>>();

  apply(record: KeyedRecord): void {
    const key = record.key === null ? null : parseStateKey(record.key);
    if (key === null) throw new CheckpointError(`the state topic holds a record at offset ${record.offset} with key ${JSON.stringify(record.key)}, which no state store writes`);
    if (key.kind === 'manifest') {
      if (record.value === null) this.manifests.delete(key.partition);
      else this.manifests.set(key.partition, record.value);
      return;
    }
    let chunks = this.chunks.get(key.partition);
    if (chunks === undefined) this.chunks.set(key.partition, (chunks = new Map()));
    const name = record.key as string;
    if (record.value === null) chunks.delete(name);
    else chunks.set(name, record.value);
  }

  /** Partitions with a manifest, ascending. */
  partitions(): number[] {
    return [...this.manifests.keys()].sort((a, b) => a - b);
  }

  /** The partition's latest state, checked against its manifest; undefined when it has none. */
  async restore(partition: number): Promise<RestoredPartitionState | undefined> {
    const value = this.manifests.get(partition);
    if (value === undefined) return undefined;
    const manifest = decodeManifest(partition, value);
    const chunks = this.chunks.get(partition);
    const parts = Array.from({ length: manifest.chunks }, (_, i) => chunks?.get(chunkKey(partition, manifest.step, i)));
    return decodeState(partition, manifest, parts);
  }

  /** The latest manifest's step, or undefined when the partition has none. */
  step(partition: number): number | undefined {
    const value = this.manifests.get(partition);
    return value === undefined ? undefined : decodeManifest(partition, value).step;
  }

  /** Every chunk key of the partition that is still live (not yet deleted by a tombstone). */
  chunkKeys(partition: number): string[] {
    return [...(this.chunks.get(partition)?.keys() ?? [])];
  }

  /** Partitions with live chunks or a manifest. */
  knownPartitions(): number[] {
    return [...new Set([...this.manifests.keys(), ...this.chunks.keys()])].sort((a, b) => a - b);
  }
}
