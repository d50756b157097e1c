import { randomUUID } from 'node:crypto';
import { AppError, type FieldError } from '../../platform/errors/index.ts';
import type { Clock } from '../capabilities/index.ts';
import type { CreateJobRequest, JobRecord } from '../jobs/index.ts';
import { type Comparison, compareRuns } from './compare.ts';
import type { DatasetsService } from './datasets.service.ts';
import type { EvalResult, EvalRun, ScorerSpec } from './eval.types.ts';
import { EVAL_RUN_CAPABILITY } from './eval-run.workflow.ts';
import type { EvalStore, Page, PageQuery } from './eval-store.port.ts';
import { evalErrors } from './evals.errors.ts';
import type { AnyScorer } from './scorers/define-scorer.ts';

/** The part of the job service runs need. */
export interface JobStarter {
  create(request: CreateJobRequest): Promise<{ job: JobRecord }>;
  get(tenantId: string, id: string): Promise<JobRecord>;
}

export interface CreateRunRequest {
  readonly datasetId: string;
  readonly datasetVersion?: number | undefined;
  readonly variants: readonly string[];
  readonly scorers: ReadonlyArray<{
    name: string;
    as?: string | undefined;
    options?: Record<string, unknown> | undefined;
  }>;
  readonly concurrency: number;
}

export interface RunOrigin {
  readonly tenantId: string;
  readonly apiKeyId: string | null;
  readonly requestId: string;
}

export interface EvalRunsServiceOptions {
  readonly store: EvalStore;
  readonly datasets: DatasetsService;
  readonly jobs: JobStarter;
  readonly scorers: ReadonlyMap<string, AnyScorer>;
  readonly clock: Clock;
}

/** Eval runs: validated and recorded here, executed by the `eval-run` job, compared item by item. */
export class EvalRunsService {
  readonly #options: EvalRunsServiceOptions;

  constructor(options: EvalRunsServiceOptions) {
    this.#options = options;
  }

  async create(origin: RunOrigin, request: CreateRunRequest): Promise<EvalRun> {
    const { store, datasets, clock } = this.#options;
    const dataset = await datasets.get(origin.tenantId, request.datasetId);
    const version = datasets.version(dataset, request.datasetVersion);
    if (version === 0) {
      throw new AppError(evalErrors.EVAL_DATASET_EMPTY, {
        detail: `Dataset ${dataset.name} has no items yet.`,
        errors: [{ pointer: '/body/dataset_id', message: 'the dataset is empty', code: 'empty_dataset' }],
      });
    }
    datasets.capability(dataset.capability, '/body/dataset_id');
    const scorers = this.#scorers(request.scorers);
    const id = randomUUID();
    const run: EvalRun = {
      id,
      tenantId: origin.tenantId,
      datasetId: dataset.id,
      datasetVersion: version,
      capability: dataset.capability,
      variants: [...request.variants],
      scorers,
      concurrency: request.concurrency,
      status: 'queued',
      jobId: null,
      completed: 0,
      total: 0,
      summary: null,
      error: null,
      createdAt: clock.now(),
      startedAt: null,
      finishedAt: null,
    };
    await store.createRun(run);
    const { job } = await this.#options.jobs.create({
      tenantId: origin.tenantId,
      apiKeyId: origin.apiKeyId,
      requestId: origin.requestId,
      capability: EVAL_RUN_CAPABILITY,
      input: { run_id: id },
      inputPointer: '/body',
    });
    return (await store.updateRun(origin.tenantId, id, { jobId: job.id })) ?? { ...run, jobId: job.id };
  }

  /** The run, with a job that ended without the run finishing (cancelled, out of attempts) shown as failed. */
  async get(tenantId: string, id: string): Promise<EvalRun> {
    const run = await this.#options.store.getRun(tenantId, id);
    if (!run) throw new AppError(evalErrors.EVAL_RUN_NOT_FOUND, { detail: `No eval run ${id}.` });
    if ((run.status === 'queued' || run.status === 'running') && run.jobId !== null) {
      const job = await this.#options.jobs.get(tenantId, run.jobId).catch(() => undefined);
      if (job && (job.status === 'failed' || job.status === 'cancelled')) {
        return {
          ...run,
          status: 'failed',
          error: run.error ?? {
            code: job.error?.code ?? 'JOB_CANCELLED',
            detail: job.error?.detail ?? `The run's job was ${job.status}.`,
          },
        };
      }
    }
    return run;
  }

  list(tenantId: string, query: PageQuery & { datasetId?: string | undefined }): Promise<Page<EvalRun>> {
    return this.#options.store.listRuns(tenantId, query);
  }

  async results(tenantId: string, id: string): Promise<{ run: EvalRun; results: EvalResult[] }> {
    const run = await this.get(tenantId, id);
    return { run, results: await this.#options.store.listResults(tenantId, id) };
  }

  async compare(
    tenantId: string,
    baseline: { id: string; variant?: string | undefined },
    candidate: { id: string; variant?: string | undefined },
  ): Promise<Comparison> {
    const a = await this.results(tenantId, baseline.id);
    const b = baseline.id === candidate.id ? a : await this.results(tenantId, candidate.id);
    return compareRuns({ ...a, variant: baseline.variant }, { ...b, variant: candidate.variant });
  }

  #scorers(requested: CreateRunRequest['scorers']): ScorerSpec[] {
    const errors: FieldError[] = [];
    const specs = requested.map((spec, index) => {
      const scorer = this.#options.scorers.get(spec.name);
      if (!scorer) {
        errors.push({
          pointer: `/body/scorers/${index}/name`,
          message: `no scorer named "${spec.name}" (known: ${[...this.#options.scorers.keys()].join(', ')})`,
          code: 'unknown_scorer',
        });
        return undefined;
      }
      const parsed = scorer.options.safeParse(spec.options ?? {});
      if (!parsed.success) {
        for (const issue of parsed.error.issues) {
          errors.push({
            pointer: `/body/scorers/${index}/options${issue.path.map((part: PropertyKey) => `/${String(part)}`).join('')}`,
            message: issue.message,
            code: issue.code,
          });
        }
      }
      return { name: spec.name, as: spec.as ?? spec.name, options: spec.options ?? {} };
    });
    const names = specs.map((spec) => spec?.as);
    names.forEach((name, index) => {
      if (name !== undefined && names.indexOf(name) !== index) {
        errors.push({
          pointer: `/body/scorers/${index}/as`,
          message: `metric "${name}" is reported twice; give one an \`as\``,
          code: 'duplicate_metric',
        });
      }
    });
    if (errors.length > 0) {
      throw new AppError(evalErrors.EVAL_SCORER_UNKNOWN, {
        detail: `${errors.length} scorer problem(s): ${errors.map((error) => error.message).join('; ')}`,
        errors,
      });
    }
    return specs.filter((spec): spec is ScorerSpec => spec !== undefined);
  }
}
