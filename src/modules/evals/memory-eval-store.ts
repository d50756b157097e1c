import { randomUUID } from 'node:crypto';
import { newestFirst, pageOf } from './eval.cursor.ts';
import type { Dataset, DatasetItem, EvalResult, EvalRun, NewDatasetItem } from './eval.types.ts';
import type { EvalStore, Page, PageQuery, RunPatch } from './eval-store.port.ts';

const clone = <T>(value: T): T => structuredClone(value);

/** Datasets, items and runs in process memory: tests and single-process use. */
export class MemoryEvalStore implements EvalStore {
  readonly #datasets = new Map<string, Dataset>();
  readonly #items = new Map<string, DatasetItem[]>();
  readonly #runs = new Map<string, EvalRun>();
  readonly #results = new Map<string, Map<string, EvalResult>>();

  async createDataset(
    dataset: Omit<Dataset, 'version' | 'itemCount' | 'updatedAt'>,
  ): Promise<Dataset | undefined> {
    for (const existing of this.#datasets.values()) {
      if (existing.tenantId === dataset.tenantId && existing.name === dataset.name) return undefined;
    }
    const created: Dataset = { ...dataset, version: 0, itemCount: 0, updatedAt: dataset.createdAt };
    this.#datasets.set(key(dataset.tenantId, dataset.id), created);
    this.#items.set(key(dataset.tenantId, dataset.id), []);
    return clone(created);
  }

  async getDataset(tenantId: string, id: string): Promise<Dataset | undefined> {
    const dataset = this.#datasets.get(key(tenantId, id));
    return dataset ? clone(dataset) : undefined;
  }

  async listDatasets(
    tenantId: string,
    query: PageQuery & { capability?: string | undefined },
  ): Promise<Page<Dataset>> {
    const mine = [...this.#datasets.values()]
      .filter((dataset) => dataset.tenantId === tenantId)
      .filter((dataset) => query.capability === undefined || dataset.capability === query.capability)
      .sort(newestFirst);
    const page = pageOf(mine, query.limit, query.cursor);
    return { items: page.items.map(clone), nextCursor: page.nextCursor };
  }

  async deleteDataset(tenantId: string, id: string): Promise<boolean> {
    this.#items.delete(key(tenantId, id));
    return this.#datasets.delete(key(tenantId, id));
  }

  async addItems(tenantId: string, datasetId: string, items: readonly NewDatasetItem[], now: Date) {
    const dataset = this.#datasets.get(key(tenantId, datasetId));
    const list = this.#items.get(key(tenantId, datasetId));
    if (!dataset || !list) return undefined;
    const version = dataset.version + 1;
    const added = items.map(
      (item, index): DatasetItem => ({
        ...clone(item),
        id: randomUUID(),
        datasetId,
        tenantId,
        version,
        position: dataset.itemCount + index,
        createdAt: now,
      }),
    );
    list.push(...added);
    const updated: Dataset = {
      ...dataset,
      version,
      itemCount: dataset.itemCount + added.length,
      updatedAt: now,
    };
    this.#datasets.set(key(tenantId, datasetId), updated);
    return { dataset: clone(updated), items: added.map(clone) };
  }

  async listItems(tenantId: string, datasetId: string, version: number, offset: number, limit: number) {
    const list = this.#items.get(key(tenantId, datasetId)) ?? [];
    return list
      .filter((item) => item.version <= version)
      .slice(offset, offset + limit)
      .map(clone);
  }

  async createRun(run: EvalRun): Promise<void> {
    this.#runs.set(key(run.tenantId, run.id), clone(run));
  }

  async getRun(tenantId: string, id: string): Promise<EvalRun | undefined> {
    const run = this.#runs.get(key(tenantId, id));
    return run ? clone(run) : undefined;
  }

  async listRuns(
    tenantId: string,
    query: PageQuery & { datasetId?: string | undefined },
  ): Promise<Page<EvalRun>> {
    const mine = [...this.#runs.values()]
      .filter((run) => run.tenantId === tenantId)
      .filter((run) => query.datasetId === undefined || run.datasetId === query.datasetId)
      .sort(newestFirst);
    const page = pageOf(mine, query.limit, query.cursor);
    return { items: page.items.map(clone), nextCursor: page.nextCursor };
  }

  async updateRun(tenantId: string, id: string, patch: RunPatch): Promise<EvalRun | undefined> {
    const run = this.#runs.get(key(tenantId, id));
    if (!run) return undefined;
    const updated = { ...run, ...clone(patch) };
    this.#runs.set(key(tenantId, id), updated);
    return clone(updated);
  }

  async putResults(tenantId: string, results: readonly EvalResult[]): Promise<void> {
    for (const result of results) {
      if (!this.#runs.has(key(tenantId, result.runId))) continue;
      const map = this.#results.get(key(tenantId, result.runId)) ?? new Map<string, EvalResult>();
      map.set(`${result.itemId}\u0000${result.variant}`, clone(result));
      this.#results.set(key(tenantId, result.runId), map);
    }
  }

  async listResults(tenantId: string, runId: string): Promise<EvalResult[]> {
    const map = this.#results.get(key(tenantId, runId));
    if (!map) return [];
    return [...map.values()]
      .sort((a, b) => a.position - b.position || (a.variant < b.variant ? -1 : a.variant > b.variant ? 1 : 0))
      .map(clone);
  }
}

function key(tenantId: string, id: string): string {
  return `${tenantId}\u0000${id}`;
}
