import type { Page, PageQuery } from '../../platform/pagination/index.ts';
import type { Dataset, DatasetItem, EvalResult, EvalRun, NewDatasetItem } from './eval.types.ts';

export type { Page, PageQuery };

export type RunPatch = Partial<
  Pick<EvalRun, 'status' | 'jobId' | 'completed' | 'total' | 'summary' | 'error' | 'startedAt' | 'finishedAt'>
>;

/**
 * Storage of datasets, their items and eval runs with their per-item results. Every read and write is
 * scoped by tenant in the query itself: another tenant's id behaves like a missing one.
 */
export interface EvalStore {
  /** Creates an empty dataset (version 0); undefined when the tenant already has one with this name. */
  createDataset(dataset: Omit<Dataset, 'version' | 'itemCount' | 'updatedAt'>): Promise<Dataset | undefined>;
  getDataset(tenantId: string, id: string): Promise<Dataset | undefined>;
  listDatasets(
    tenantId: string,
    query: PageQuery & { readonly capability?: string | undefined },
  ): Promise<Page<Dataset>>;
  /** Deletes the dataset and its items (runs keep their results); false when there was none. */
  deleteDataset(tenantId: string, id: string): Promise<boolean>;
  /** Appends items as the next version, atomically; undefined when the dataset does not exist. */
  addItems(
    tenantId: string,
    datasetId: string,
    items: readonly NewDatasetItem[],
    now: Date,
  ): Promise<{ dataset: Dataset; items: DatasetItem[] } | undefined>;
  /** Items of the dataset as it was at `version`, in position order, from `offset`. */
  listItems(
    tenantId: string,
    datasetId: string,
    version: number,
    offset: number,
    limit: number,
  ): Promise<DatasetItem[]>;

  createRun(run: EvalRun): Promise<void>;
  getRun(tenantId: string, id: string): Promise<EvalRun | undefined>;
  listRuns(
    tenantId: string,
    query: PageQuery & { readonly datasetId?: string | undefined },
  ): Promise<Page<EvalRun>>;
  updateRun(tenantId: string, id: string, patch: RunPatch): Promise<EvalRun | undefined>;
  /** Stores results; a result for the same (item, variant) replaces the earlier one (a retried attempt). */
  putResults(tenantId: string, results: readonly EvalResult[]): Promise<void>;
  /** Every result of a run, by item position then variant. */
  listResults(tenantId: string, runId: string): Promise<EvalResult[]>;
}
