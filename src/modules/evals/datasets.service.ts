import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { AppError, type FieldError } from '../../platform/errors/index.ts';
import type { AnyCapability, Clock } from '../capabilities/index.ts';
import type { Dataset, DatasetItem, NewDatasetItem } from './eval.types.ts';
import type { EvalStore, Page, PageQuery } from './eval-store.port.ts';
import { evalErrors } from './evals.errors.ts';

export interface ItemRequest {
  readonly input: unknown;
  readonly expected?: unknown;
  readonly reference?: string | undefined;
  readonly metadata?: Record<string, unknown> | undefined;
  readonly feedbackId?: string | null | undefined;
}

export interface DatasetsServiceOptions {
  readonly store: EvalStore;
  readonly capabilities: () => readonly AnyCapability[];
  readonly clock: Clock;
}

/** Datasets and their items: typed by the capability's input schema, validated on insert, versioned. */
export class DatasetsService {
  readonly #options: DatasetsServiceOptions;

  constructor(options: DatasetsServiceOptions) {
    this.#options = options;
  }

  capability(name: string, pointer: string): AnyCapability {
    const capability = this.#options
      .capabilities()
      .find((candidate) => candidate.name === name && candidate.sync !== false);
    if (!capability) {
      throw new AppError(evalErrors.EVAL_CAPABILITY_UNKNOWN, {
        detail: `No capability named "${name}" can be evaluated.`,
        errors: [{ pointer, message: 'no such capability', code: 'unknown_capability' }],
      });
    }
    return capability;
  }

  async create(
    tenantId: string,
    request: {
      name: string;
      capability: string;
      description?: string | undefined;
      items?: readonly ItemRequest[] | undefined;
    },
  ): Promise<Dataset> {
    const capability = this.capability(request.capability, '/body/capability');
    const items = request.items ? this.validate(capability, request.items, '/body/items') : [];
    const created = await this.#options.store.createDataset({
      id: randomUUID(),
      tenantId,
      name: request.name,
      capability: capability.name,
      description: request.description ?? '',
      createdAt: this.#options.clock.now(),
    });
    if (!created) {
      throw new AppError(evalErrors.EVAL_DATASET_NAME_TAKEN, {
        detail: `A dataset named "${request.name}" already exists.`,
        errors: [{ pointer: '/body/name', message: 'name taken', code: 'name_taken' }],
      });
    }
    if (items.length === 0) return created;
    const added = await this.#options.store.addItems(tenantId, created.id, items, this.#options.clock.now());
    return added?.dataset ?? created;
  }

  async get(tenantId: string, id: string): Promise<Dataset> {
    const dataset = await this.#options.store.getDataset(tenantId, id);
    if (!dataset) throw new AppError(evalErrors.EVAL_DATASET_NOT_FOUND, { detail: `No dataset ${id}.` });
    return dataset;
  }

  list(tenantId: string, query: PageQuery & { capability?: string | undefined }): Promise<Page<Dataset>> {
    return this.#options.store.listDatasets(tenantId, query);
  }

  async delete(tenantId: string, id: string): Promise<void> {
    if (!(await this.#options.store.deleteDataset(tenantId, id))) {
      throw new AppError(evalErrors.EVAL_DATASET_NOT_FOUND, { detail: `No dataset ${id}.` });
    }
  }

  async addItems(tenantId: string, id: string, items: readonly ItemRequest[], pointer = '/body/items') {
    const dataset = await this.get(tenantId, id);
    const valid = this.validate(this.capability(dataset.capability, '/body'), items, pointer);
    const added = await this.#options.store.addItems(tenantId, id, valid, this.#options.clock.now());
    if (!added) throw new AppError(evalErrors.EVAL_DATASET_NOT_FOUND, { detail: `No dataset ${id}.` });
    return added;
  }

  /** Items at `version` (default: the latest), in order. */
  async items(tenantId: string, id: string, version: number | undefined, offset: number, limit: number) {
    const dataset = await this.get(tenantId, id);
    const at = this.version(dataset, version);
    const items = await this.#options.store.listItems(tenantId, id, at, offset, limit);
    return { dataset, version: at, items };
  }

  version(dataset: Dataset, requested: number | undefined): number {
    const version = requested ?? dataset.version;
    if (version > dataset.version) {
      throw new AppError(evalErrors.EVAL_DATASET_NOT_FOUND, {
        detail: `Dataset ${dataset.id} has no version ${version} (latest is ${dataset.version}).`,
      });
    }
    return version;
  }

  /** Every item valid for the capability, or one 400 naming each bad field of each bad item. */
  validate(capability: AnyCapability, items: readonly ItemRequest[], pointer: string): NewDatasetItem[] {
    const errors: FieldError[] = [];
    const valid = items.map((item, index) => {
      const parsed = (capability.input as z.ZodType).safeParse(item.input);
      if (!parsed.success) {
        for (const issue of parsed.error.issues.slice(0, 10)) {
          errors.push({
            pointer: `${pointer}/${index}/input${issue.path.map((part) => `/${String(part)}`).join('')}`,
            message: issue.message,
            code: issue.code,
          });
        }
      }
      return {
        input: parsed.success ? parsed.data : item.input,
        expected: item.expected ?? null,
        reference: item.reference ?? null,
        metadata: item.metadata ?? {},
        feedbackId: item.feedbackId ?? null,
      };
    });
    if (errors.length > 0) {
      throw new AppError(evalErrors.EVAL_ITEM_INVALID, {
        detail: `${new Set(errors.map((error) => error.pointer.split('/input')[0])).size} item(s) do not match the ${capability.name} input schema.`,
        errors: errors.slice(0, 100),
      });
    }
    return valid;
  }
}

export type { DatasetItem };
