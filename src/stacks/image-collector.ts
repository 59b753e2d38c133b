/**
 * A worker's image collection: periodically removes from its engine the stack images that are
 * superseded and the images derived from custom ones that nothing runs any more (image-gc-plan.ts
 * decides, from the engine's labels and the code revisions). Without an answer from Redis or the
 * engine nothing is removed; an image a container uses is refused by the engine anyway and kept.
 *
 *   const collector = new ImageCollector(docker, catalog, codes, logger, { graceS: 3600 });
 *   collector.start(3_600_000);  ...  await collector.stop();
 */
import type Docker from 'dockerode';
import type { CodeRegistry } from '../store/ports.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { StackCatalog } from './catalog.ts';
import { planImageGc, type EngineImage, type ImageGcPlan } from './image-gc-plan.ts';
import { inspectStackImage } from './images.ts';

export class ImageCollector {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<ImageGcPlan['remove']> | undefined;

  constructor(
    private readonly docker: Docker,
    private readonly catalog: StackCatalog,
    private readonly codes: Pick<CodeRegistry, 'imageIds' | 'customImages'>,
    private readonly logger: Logger,
    private readonly options: { graceS: number },
  ) {}

  start(everyMs: number): void {
    this.timer = setInterval(() => void this.pass(), everyMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** One collection (never two at once); returns what it removed. */
  pass(): Promise<ImageGcPlan['remove']> {
    this.running ??= this.collect()
      .catch((err: unknown) => {
        this.logger.warn({ err }, 'image collection skipped: the engine or Redis did not answer');
        return [];
      })
      .finally(() => { this.running = undefined; });
    return this.running;
  }

  private async collect(): Promise<ImageGcPlan['remove']> {
    const [listed, containers, referencedIds, customRefsInUse] = await Promise.all([
      this.docker.listImages({ filters: JSON.stringify({ label: ['dockhand.image'] }) }),
      this.docker.listContainers({ all: true }),
      this.codes.imageIds(),
      this.codes.customImages(),
    ]);
    const currentStackIds = new Set<string>();
    for (const name of this.catalog.names()) {
      const state = await inspectStackImage(this.docker, this.catalog, name);
      if (state.image) currentStackIds.add(state.image.Id);
    }
    const images: EngineImage[] = listed.map((i) => ({ id: i.Id, refs: (i.RepoTags ?? []).filter((r) => r !== '<none>:<none>'), labels: i.Labels ?? {}, createdS: i.Created }));
    const plan = planImageGc({
      images,
      currentStackIds,
      referencedIds,
      customRefsInUse,
      containerImageIds: new Set(containers.map((c) => c.ImageID)),
      knownStack: (name) => this.catalog.has(name),
      nowS: Math.floor(Date.now() / 1000),
      graceS: this.options.graceS,
    });
    const removed: ImageGcPlan['remove'] = [];
    for (const image of plan.remove) {
      try {
        for (const ref of image.refs) await this.docker.getImage(ref).remove();
        if (image.refs.length === 0) await this.docker.getImage(image.id).remove();
        removed.push(image);
      } catch (err) {
        const status = (err as { statusCode?: number }).statusCode;
        if (status === 404) removed.push(image);
        else if (status !== 409) throw err; // 409: a container uses it after all; kept
      }
    }
    if (removed.length > 0) this.logger.info({ images: removed.map((i) => ({ id: i.id.slice(7, 19), ref: i.refs[0], why: i.why })) }, `removed ${removed.length} unused image(s)`);
    return removed;
  }
}
